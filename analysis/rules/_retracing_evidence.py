"""The evidence behind HYB008: arguments of a tf.function, called in a loop, whose shape visibly varies.

One analysis serving two callers: the HYB008 rule reports each argument, and the facts (the `reconfigure`
outcome of `hybridize facts`, issue 11) read the same evidence through `FactsProvider`, which the pipeline
hands to the project. See shape_varying_inputs.py for what counts as "visibly varying" and why.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..facts.model import Evidence
from ..summary import HybridSite, ModuleSummary
from ._hybrid_call_sites import LoopCall, is_false_literal, iter_loop_calls, loop_varying_names, non_scalar_names
from ._static_shapes import static_shape_use
from .base import ModuleContext

if TYPE_CHECKING:
    from ..config import Config
    from ..project import Project

# Constructors whose first argument (or `shape=`) is the shape of the result.
_SHAPED_CONSTRUCTORS = frozenset({
    "tensorflow.ones", "tensorflow.zeros", "tensorflow.fill", "tensorflow.random.normal",
    "tensorflow.random.uniform", "tensorflow.random.truncated_normal", "tensorflow.range",
    "tensorflow.eye", "tensorflow.random.stateless_normal", "tensorflow.random.stateless_uniform",
})
_SHAPED_METHODS = frozenset({"normal", "uniform", "truncated_normal"})  # tf.random.Generator methods
# Ops that give their input a new size taken from other arguments (position, keyword): multi-scale and
# padded inputs, `tf.image.resize(image, [s, s])` for s in scales (issue 11).
_RESIZING_OPS: dict[str, tuple[tuple[int, str], ...]] = {
    "tensorflow.image.resize": ((1, "size"),),
    "tensorflow.image.resize_with_pad": ((1, "target_height"), (2, "target_width")),
    "tensorflow.image.resize_with_crop_or_pad": ((1, "target_height"), (2, "target_width")),
    "tensorflow.image.random_crop": ((1, "size"),),
    "tensorflow.image.crop_to_bounding_box": ((3, "target_height"), (4, "target_width")),
    "tensorflow.image.pad_to_bounding_box": ((3, "target_height"), (4, "target_width")),
    "tensorflow.pad": ((1, "paddings"),),
    "tensorflow.reshape": ((1, "shape"),),
    "tensorflow.tile": ((1, "multiples"),),
    "tensorflow.slice": ((2, "size"),),
    "keras.ops.image.resize": ((1, "size"),),
}
_MAX_NAME_HOPS = 4


def _has_none_dim(expr: ast.AST | None) -> bool:
    """True when a shape/spec expression holds `None` or a negative size (an unknown dimension)."""
    if expr is None:
        return False
    for node in ast.walk(expr):
        if isinstance(node, ast.Constant) and node.value is None:
            return True
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return True
    return False


def _is_literal_shape(expr: ast.AST | None) -> bool:
    return isinstance(expr, (ast.List, ast.Tuple, ast.Constant)) and all(
        isinstance(n, (ast.List, ast.Tuple, ast.Constant, ast.Load)) for n in ast.walk(expr))


def _arg(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _padded_components(shapes: ast.AST | None) -> list[bool] | None:
    """Per-component "varies" flags of a literal `padded_shapes=([None], [])`; None when not per component."""
    if isinstance(shapes, (ast.Tuple, ast.List)) and shapes.elts and all(
            isinstance(e, (ast.Tuple, ast.List)) for e in shapes.elts):
        return [_has_none_dim(e) or not _is_literal_shape(e) for e in shapes.elts]
    return None


def _varying_dataset(call: ast.Call) -> tuple[str, list[bool] | None] | None:
    """Why one link of a tf.data chain yields batches of changing shape (and which tuple components)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
    if name == "padded_batch":
        shapes = _arg(call, 1, "padded_shapes")
        components = _padded_components(shapes)
        if components is not None and not any(components):
            return None
        if components is None and shapes is not None and _is_literal_shape(shapes) and not _has_none_dim(shapes):
            return None  # padded to a fixed shape: only the last batch differs
        return f"`padded_batch` (line {call.lineno}) pads each batch to its own longest element", components
    if name == "bucket_by_sequence_length":
        return f"`bucket_by_sequence_length` (line {call.lineno}) yields batches of per-bucket length", None
    if name == "from_generator":
        spec = _arg(call, 3, "output_signature") or _arg(call, 2, "output_shapes")
        if _has_none_dim(spec):
            components = None
            if isinstance(spec, (ast.Tuple, ast.List)) and spec.elts:
                components = [_has_none_dim(e) for e in spec.elts]
            return f"`from_generator` (line {call.lineno}) declares a `None` dimension", components
    return None


class _Scope:
    """Assignments of the calling scope (and of module level), for following names to their values."""

    def __init__(self, lc: LoopCall, module: ModuleSummary) -> None:
        self.assigned: dict[str, list[ast.expr]] = {}
        for node in lc.body.of_type(ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.assigned.setdefault(target.id, []).append(node.value)
        if lc.scope is not None:
            for st in module.source.tree.body:
                if isinstance(st, ast.Assign):
                    for target in st.targets:
                        if isinstance(target, ast.Name) and target.id not in self.assigned:
                            self.assigned.setdefault(target.id, []).append(st.value)

    def dataset_reason(self, expr: ast.AST, hops: int = 0) -> tuple[str, list[bool] | None] | None:
        """Follow a dataset expression through its method chain and the names it was built from."""
        while True:
            if isinstance(expr, ast.Call):
                why = _varying_dataset(expr)
                if why is not None:
                    return why
                # `tf.data.experimental.bucket_by_sequence_length(...)` passed to `.apply(...)`.
                for arg in expr.args:
                    if isinstance(arg, ast.Call):
                        why = _varying_dataset(arg)
                        if why is not None:
                            return why
                func = expr.func
                if isinstance(func, ast.Attribute):
                    expr = func.value
                    continue
                if isinstance(func, ast.Name) and func.id == "enumerate" and expr.args:
                    expr = expr.args[0]
                    continue
                return None
            if isinstance(expr, ast.Name) and hops < _MAX_NAME_HOPS:
                for value in self.assigned.get(expr.id, ()):
                    why = self.dataset_reason(value, hops + 1)
                    if why is not None:
                        return why
            return None


def _names_in(target: ast.AST | None) -> list[str]:
    """Names a binding target binds, in source order."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _names_in(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _names_in(elt)]
    return []


def _component_targets(target: ast.AST, components: list[bool] | None) -> list[str]:
    """Loop-target names holding a varying component (all of them when components are unknown)."""
    if components is not None and isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(components):
        return [n for elt, varies in zip(target.elts, components) if varies for n in _names_in(elt)]
    return _names_in(target)


def _dataset_elements(lc: LoopCall, scope: _Scope) -> dict[str, str]:
    """Names holding (parts of) elements of a shape-varying dataset in the loops around the call."""
    out: dict[str, str] = {}
    for loop in lc.loops:
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            found = scope.dataset_reason(loop.iter)
            if found is None:
                continue
            why, components = found
            target = loop.target
            if isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name) \
                    and loop.iter.func.id == "enumerate":
                if not (isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2):
                    continue
                target = target.elts[1]  # the counter is a Python int
            out.update(dict.fromkeys(_component_targets(target, components), why))
    if out:  # `x, y = batch` / `x = batch["x"]` inside the loop
        for node in lc.body.of_type(ast.Assign):
            value = node.value.value if isinstance(node.value, ast.Subscript) else node.value
            if isinstance(value, ast.Name) and value.id in out:
                for target in node.targets:
                    for name in _names_in(target):
                        out.setdefault(name, out[value.id])
    return out


def _sized_by(ctx: ModuleContext, expr: ast.AST, varying: dict[str, str]) -> str | None:
    """Why a tensor expression's shape changes with a loop-varying Python number, or None."""
    if isinstance(expr, ast.Call):
        qual = ctx.qualify(expr.func)
        shape: ast.AST | None = None
        if qual in _RESIZING_OPS:
            for position, keyword in _RESIZING_OPS[qual]:
                size = _arg(expr, position, keyword)
                for node in ast.walk(size) if size is not None else ():
                    if isinstance(node, ast.Name) and node.id in varying:
                        return f"its size depends on `{node.id}`, {varying[node.id]}"
        if qual in _SHAPED_CONSTRUCTORS:
            shape = _arg(expr, 0, "shape") if qual != "tensorflow.range" else expr
        elif isinstance(expr.func, ast.Attribute) and expr.func.attr in _SHAPED_METHODS and qual is None:
            shape = _arg(expr, 0, "shape")
        if shape is not None:
            for node in ast.walk(shape):
                if isinstance(node, ast.Name) and node.id in varying:
                    return f"its size depends on `{node.id}`, {varying[node.id]}"
    if isinstance(expr, ast.Subscript):
        parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        for part in parts:
            # An index (`x[i]`) drops a dimension whatever `i` is, and a window that moves with the
            # loop (`x[:, i : i + 1]`) keeps its width: neither changes the shape.
            if not isinstance(part, ast.Slice) or _fixed_width(part, varying):
                continue
            for node in ast.walk(part):
                if isinstance(node, ast.Name) and node.id in varying:
                    return f"its slice bound depends on `{node.id}`, {varying[node.id]}"
    return None


def _fixed_width(part: ast.Slice, varying: dict[str, str]) -> bool:
    """`i : i + 1`, `i - 2 : i`, `i * m : (i + 1) * m` (with `m` not varying in the loop): both bounds move
    together, so the slice's width is a constant or a loop-invariant value."""
    lower, upper = part.lower, part.upper
    if lower is None or upper is None or part.step is not None:
        return False
    if _constant_offset(lower, upper):
        return True
    # A window of `m` items per step: the two bounds are the same multiple of `m`, one step apart
    # (issue 10 P40-corpusc/P50-fixb, ART's mini-batches `x[i * m : (i + 1) * m]`).
    if isinstance(lower, ast.BinOp) and isinstance(upper, ast.BinOp) and \
            isinstance(lower.op, ast.Mult) and isinstance(upper.op, ast.Mult):
        for low_index, low_size in ((lower.left, lower.right), (lower.right, lower.left)):
            for up_index, up_size in ((upper.left, upper.right), (upper.right, upper.left)):
                if ast.dump(low_size) == ast.dump(up_size) and _constant_offset(low_index, up_index) and \
                        not any(isinstance(n, ast.Name) and n.id in varying for n in ast.walk(low_size)):
                    return True
    return False


def _constant_offset(a: ast.expr, b: ast.expr) -> bool:
    """One expression is the other plus or minus an int literal (`i` and `i + 1`, `i - 2` and `i`)."""
    for start, end in ((a, b), (b, a)):
        if isinstance(end, ast.BinOp) and isinstance(end.op, (ast.Add, ast.Sub)) \
                and isinstance(end.right, ast.Constant) and isinstance(end.right.value, int) \
                and ast.dump(end.left) == ast.dump(start):
            return True
    return False


def _retracing_relaxed(site: HybridSite) -> bool:
    """The function already accepts varying shapes: a signature, or shape relaxation turned on."""
    if "input_signature" in site.keywords:
        return True
    for keyword in ("reduce_retracing", "experimental_relax_shapes"):
        if keyword in site.keywords and not is_false_literal(site.keywords[keyword]):
            return True
    return False


def _sized_names(ctx: ModuleContext, lc: LoopCall, varying: dict[str, str]) -> dict[str, str]:
    """Names assigned in the loops from a tensor whose size varies per iteration."""
    out: dict[str, str] = {}
    if not varying:
        return out
    loop_ids = {id(loop) for loop in lc.loops}
    for node in lc.body.of_type(ast.Assign):
        if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
            continue
        if not any(id(a) in loop_ids for a in lc.body.ancestors(node)):
            continue
        why = _sized_by(ctx, node.value, varying)
        if why is not None:
            out[node.targets[0].id] = f"assigned `{ctx.source.segment(node.value)}` on line {node.lineno}: {why}"
    return out


def _argument_reason(ctx: ModuleContext, arg: ast.expr, elements: dict[str, str], varying: dict[str, str],
                     sized: dict[str, str]) -> str | None:
    base = arg
    while isinstance(base, ast.Subscript) and isinstance(base.value, (ast.Name, ast.Subscript)) \
            and not _sized_by(ctx, base, varying):
        base = base.value  # batch["tokens"], batch[0]: part of a dataset element
    if isinstance(base, ast.Name):
        if base.id in elements:
            return f"an element of a dataset: {elements[base.id]}"
        if base.id in sized:
            return sized[base.id]
    return _sized_by(ctx, arg, varying) if varying else None


@dataclass(frozen=True, eq=False)
class VaryingArgument:
    """One argument of a loop call of a tf.function whose shape visibly changes per iteration."""

    call: LoopCall
    param: str
    arg: ast.expr
    why: str


def shape_varying_arguments(ctx: ModuleContext) -> list[VaryingArgument]:
    """Every such argument this module passes (HYB008's evidence), computed once per module and run:
    HYB008 and the facts' `reconfigure` outcome both ask, through different ModuleContexts."""
    cache: dict[str, list[VaryingArgument]] = ctx.project.__dict__.setdefault("_shape_varying_arguments", {})
    found = cache.get(ctx.path)
    if found is None:
        found = cache[ctx.path] = list(_scan(ctx))
    return found


def _scan(ctx: ModuleContext) -> list[VaryingArgument]:
    out = []
    for lc in iter_loop_calls(ctx):
        if _retracing_relaxed(lc.site):
            continue
        scope = _Scope(lc, ctx.summary)
        elements = _dataset_elements(lc, scope)
        varying = loop_varying_names(ctx, lc.body, lc.loops, non_scalar_names(ctx, lc.body))
        sized = _sized_names(ctx, lc, varying)
        for param, arg in lc.bound.items():
            why = _argument_reason(ctx, arg, elements, varying, sized)
            if why is not None:
                out.append(VaryingArgument(lc, param, arg, why))
    return out


class FactsProvider:
    """What the facts need from HYB008 for one hybrid function (the `reconfigure` outcome, issue 11):
    (shape-varying call sites, static shape reads of its body). The pipeline hands one to the project,
    which hands it to `RepoFacts`; the facts never import the rules."""

    def __init__(self, project: "Project", config: "Config", min_tf_version: tuple[int, ...] | None) -> None:
        self.project = project
        self.config = config
        self.min_tf_version = min_tf_version

    def _context(self, path: str) -> ModuleContext | None:
        try:
            summary = self.project.modules[path]
        except KeyError:  # no tree for it (not loaded, or it failed to parse)
            return None
        return ModuleContext(self.project, summary, self.config, self.min_tf_version)

    def __call__(self, fid: int) -> tuple[tuple[Evidence, ...], tuple[Evidence, ...]]:
        pf = self.project.facts.pf
        paths = sorted({pf.path_of(edge.caller) for edge in pf.callers[fid] if edge.in_loop})
        calls = []
        for path in paths:
            ctx = self._context(path)
            if ctx is None:
                continue
            for va in shape_varying_arguments(ctx):
                if self.project.fid_of(va.call.callee) == fid:
                    calls.append(Evidence("shape-varying-call", path, va.arg.lineno,
                                          f"`{ctx.source.segment(va.arg)}` as `{va.param}`: {va.why}"))
        if not calls:
            return (), ()
        callee = self.project.function_info(fid)
        ctx = self._context(pf.path_of(fid)) if callee is not None else None
        static = static_shape_use(ctx, callee) if ctx is not None and callee is not None else "has no tree to read"
        reads = (Evidence("static-shape-read", pf.path_of(fid), pf.fns[fid]["l"], static),) if static else ()
        return tuple(calls), reads
