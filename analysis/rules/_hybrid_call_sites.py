"""Call sites of hybrid functions inside loops, and which Python names vary per iteration there.

Shared by HYB006 (varying Python scalars) and HYB008 (varying tensor shapes).

The call sites come from the whole-repository facts (`ctx.project.facts`, analysis/facts): the call
graph's edges into `tf.function` roots that the extractor flagged as made inside a loop, with calls
resolved across modules (imports, re-exports, `self.` and instance methods, `f = tf.function(g)`
aliases). The facts are built once per run for the graph context anyway, so this adds one pass over
the roots' callers, and only the calling functions that have such an edge are walked (`ctx.body`).

What the facts' argument kinds do not say is refined here on the AST of the calling scope: counters
(`step += 1`), values computed from loop indices through several assignments, and (for HYB008) the
shapes of tensors built in the loop. Known gaps: `tf.function(other_module.g)` roots (their keywords
are not known to the summary) and loop-varying values that flow through function returns.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator

from ..body import FunctionBody, walk_body
from ..facts.paths import is_test_path
from ..facts.call_edges import Edge
from ..facts.call_resolution import CALL, DISPATCH
from ..project import Project
from ..summary import FunctionInfo, HybridSite, ModuleSummary
from .base import ModuleContext

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
# Builtins and math functions that turn a Python number into another Python number.
_SCALAR_BUILTINS = frozenset({"builtins.int", "builtins.float", "builtins.round", "builtins.abs", "builtins.min",
                              "builtins.max", "builtins.str", "builtins.pow"})
_SCALAR_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


@dataclass(eq=False)
class LoopCall:
    """A call of a hybrid function written inside at least one loop of its enclosing scope."""

    call: ast.Call
    callee: FunctionInfo
    site: HybridSite
    scope: FunctionInfo | None  # the calling function; None for module-level code
    body: FunctionBody
    loops: list[ast.AST]  # enclosing loops / comprehensions, innermost first
    bound: dict[str, ast.expr] = field(default_factory=dict)  # callee parameter -> argument expression
    # The calling scope itself runs under tracing (a tf.function, a Keras `call`, or their callees): the
    # loop then runs once per trace of that scope, not once per call, so the callee's traces per value
    # or shape happen while the outer graph is built and every later call reuses that graph.
    traced: bool = False


def _module_body(project: Project, summary: ModuleSummary) -> FunctionBody:
    """The module's top-level statements (definitions excluded) walked like a function body."""
    cache: dict[str, FunctionBody] = getattr(project, "_module_level_bodies", None) or {}
    project._module_level_bodies = cache  # type: ignore[attr-defined]
    body = cache.get(summary.path)
    if body is None:
        stmts = [s for s in summary.source.tree.body
                 if not isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        pseudo = ast.FunctionDef(name="<module>", args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[],
                                 kw_defaults=[], defaults=[]), body=stmts, decorator_list=[], lineno=1)
        body = walk_body(pseudo)
        cache[summary.path] = body
    return body


def _loop_edges(project: Project) -> dict[str, list[Edge]]:
    """Repository path -> call edges, made inside a loop, to a function that `tf.function` wraps.

    Built once per analysis run from the facts' call graph (cached on the project). Keras-driven roots
    (`train_step`) and `tf.data` callbacks are left out: TensorFlow calls them with tensors.
    """
    cached = getattr(project, "_hybrid_loop_edges", None)
    if cached is not None:
        return cached
    pf = project.facts.pf
    out: dict[str, list[Edge]] = {}
    for fid, kind in enumerate(pf.root_kind):
        if kind != "tf.function":
            continue
        for edge in pf.callers[fid]:
            if edge.in_loop and edge.via in (CALL, DISPATCH):
                out.setdefault(pf.path_of(edge.caller), []).append(edge)
    project._hybrid_loop_edges = out  # type: ignore[attr-defined]
    return out


def _bind(callee: FunctionInfo, call: ast.Call) -> dict[str, ast.expr]:
    node = callee.node
    args = node.args
    positional = [a.arg for a in args.posonlyargs + args.args]
    is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in getattr(node, "decorator_list", ()))
    if callee.cls is not None and callee.parent is None and not is_static and positional:
        positional = positional[1:]  # called through an instance or `self.`: the receiver fills it
    out: dict[str, ast.expr] = {}
    for name, arg in zip(positional, call.args):
        if isinstance(arg, ast.Starred):
            break
        out[name] = arg
    keywords = set(positional) | {a.arg for a in args.kwonlyargs}
    for kw in call.keywords:
        if kw.arg is not None and kw.arg in keywords:
            out[kw.arg] = kw.value
    return out


def _runs_traced(ctx: ModuleContext, fid: int) -> bool:
    """`fid` is graph code: reached from a tf.function root (by the same test-root convention as
    `ModuleContext.graph_functions`) or from a Keras `call`/`train_step`, which Keras traces in fit/predict."""
    facts = ctx.project.facts
    pf = facts.pf
    if pf.is_module_level(fid):
        return False
    if facts.fx.keras_traced()[fid]:
        return True
    if not pf.in_graph(fid):
        return False
    return ctx.config.test_roots or is_test_path(ctx.path) or not pf.test_rooted(fid)


def enclosing_loops(body: FunctionBody, node: ast.AST) -> list[ast.AST]:
    """Loops (and comprehensions) whose *repeated* part holds `node`, innermost first."""
    out: list[ast.AST] = []
    child = node
    for parent in body.ancestors(node):
        if isinstance(parent, _LOOPS) and any(child is s for s in parent.body):
            out.append(parent)
        elif isinstance(parent, ast.While) and child is parent.test:
            out.append(parent)
        elif isinstance(parent, _COMPREHENSIONS) and child is not parent.generators[0].iter:
            out.append(parent)
        child = parent
    return out


def iter_loop_calls(ctx: ModuleContext) -> Iterator[LoopCall]:
    """Every call of a hybrid function (not Keras-driven) that this module makes inside a loop."""
    cached = getattr(ctx, "_loop_calls", None)
    if cached is None:
        cached = list(_scan(ctx))
        ctx._loop_calls = cached  # type: ignore[attr-defined]
    return iter(cached)


def _scan(ctx: ModuleContext) -> Iterator[LoopCall]:
    edges = _loop_edges(ctx.project).get(ctx.path)
    if not edges:
        return
    project = ctx.project
    pf = project.facts.pf
    by_caller: dict[int, list[Edge]] = {}
    for edge in edges:
        by_caller.setdefault(edge.caller, []).append(edge)
    for caller, caller_edges in by_caller.items():
        scope = None if pf.is_module_level(caller) else project.function_info(caller)
        if scope is None and not pf.is_module_level(caller):
            continue
        body = ctx.body(scope) if scope is not None else _module_body(project, ctx.summary)
        calls = {(c.lineno, c.col_offset): c for c in body.calls}
        for edge in caller_edges:
            call = calls.get((edge.line, edge.col))
            callee = project.function_info(edge.callee)
            # `tf.function(other_module.g)` leaves `g.hybrid` unset: its keywords (an input_signature?)
            # are not known here, so such roots are skipped rather than guessed about.
            if call is None or callee is None or callee.hybrid is None or callee.hybrid.kind == "keras":
                continue
            loops = enclosing_loops(body, call)
            if loops:
                yield LoopCall(call, callee, callee.hybrid, scope, body, loops, _bind(callee, call),
                               traced=_runs_traced(ctx, caller))


# ---- which names vary per iteration ----------------------------------------------------------------

def _targets(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _targets(elt)]
    return []


def _qualify(ctx: ModuleContext, func: ast.expr) -> str | None:
    return ctx.qualify(func)


def _index_names(ctx: ModuleContext, target: ast.AST, iterable: ast.AST) -> dict[str, str]:
    """Names a `for` binds to a Python int per iteration: `range` targets, `enumerate` counters."""
    if not isinstance(iterable, ast.Call):
        return {}
    qual = _qualify(ctx, iterable.func)
    if qual == "builtins.range":
        return {n: "a `range` loop index" for n in _targets(target)}
    if qual == "builtins.enumerate" and isinstance(target, (ast.Tuple, ast.List)) and target.elts:
        return {n: "an `enumerate` counter" for n in _targets(target.elts[0])}
    if qual == "builtins.zip":
        out: dict[str, str] = {}
        if isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == len(iterable.args):
            for elt, arg in zip(target.elts, iterable.args):
                if isinstance(arg, ast.Call) and _qualify(ctx, arg.func) == "builtins.range":
                    out.update({n: "a `range` loop index" for n in _targets(elt)})
        return out
    return {}


def _inside(body: FunctionBody, node: ast.AST, loops: list[ast.AST]) -> bool:
    ids = {id(loop) for loop in loops}
    return any(id(a) in ids for a in body.ancestors(node))


def is_scalar_expr(ctx: ModuleContext, expr: ast.AST, blocked: frozenset[str] | set[str] = frozenset()) -> bool:
    """A Python-number expression over constants and names (no tensors, no unknown calls).

    `blocked` are names known to hold something else (`non_scalar_names`): `x * i` with `x` a batch
    from a dataset loop is a tensor, not a Python number.
    """
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (int, float, str)) and not isinstance(expr.value, bool)
    if isinstance(expr, ast.Name):
        return expr.id not in blocked
    if isinstance(expr, ast.BinOp):
        return isinstance(expr.op, _SCALAR_OPS) and is_scalar_expr(ctx, expr.left, blocked) and is_scalar_expr(
            ctx, expr.right, blocked)
    if isinstance(expr, ast.UnaryOp):
        return isinstance(expr.op, (ast.USub, ast.UAdd)) and is_scalar_expr(ctx, expr.operand, blocked)
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.Call) and not expr.keywords:
        qual = _qualify(ctx, expr.func)
        if qual in _SCALAR_BUILTINS or (qual or "").startswith("math."):
            return all(is_scalar_expr(ctx, a, blocked) for a in expr.args)
    return False


def non_scalar_names(ctx: ModuleContext, body: FunctionBody) -> frozenset[str]:
    """Names of the scope bound to something other than a Python number somewhere in it.

    Elements of loops over anything but `range`/`enumerate` indices (dataset batches, lists of
    tensors) and names assigned from calls, subscripts or attributes. Cached per body.
    """
    cache: dict[int, frozenset[str]] = getattr(ctx, "_non_scalar_cache", None) or {}
    ctx._non_scalar_cache = cache  # type: ignore[attr-defined]
    found = cache.get(id(body))
    if found is not None:
        return found
    out: set[str] = set()
    for loop in body.of_type(ast.For, ast.AsyncFor):
        index = _index_names(ctx, loop.target, loop.iter)
        out.update(n for n in _targets(loop.target) if n not in index)
    for gen in body.of_type(ast.comprehension):
        index = _index_names(ctx, gen.target, gen.iter)
        out.update(n for n in _targets(gen.target) if n not in index)
    for node in body.of_type(ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                if not is_scalar_expr(ctx, node.value):
                    out.add(target.id)
            else:
                out.update(_targets(target))
    for node in body.of_type(ast.withitem):
        if node.optional_vars is not None:
            out.update(_targets(node.optional_vars))
    # Parameters annotated or defaulted as tensors would need type facts; a parameter is left open.
    result = frozenset(out)
    cache[id(body)] = result
    return result


def varying_reason(expr: ast.AST, varying: dict[str, str]) -> str | None:
    """Why `expr` changes per iteration (the reason of the first varying name it reads), or None."""
    for node in ast.walk(expr):
        if isinstance(node, ast.Name) and node.id in varying:
            return varying[node.id]
    return None


def loop_varying_names(ctx: ModuleContext, body: FunctionBody, loops: list[ast.AST],
                       blocked: frozenset[str] = frozenset()) -> dict[str, str]:
    """Names holding a Python number that changes per iteration of `loops`: name -> why.

    Seeds: `range`/`enumerate` loop targets and counters updated in the loop (`step += 1`,
    `step = step + 1`). Then names assigned in the loop from a Python-number expression over those
    (`lr = base * 0.5 ** epoch`). Deliberately not seeds: loops over literal lists (`for lr in (0.1,
    0.01)`) are few-valued hyperparameter sweeps, and comparisons (`i % 10 == 0`) have two values.
    """
    varying: dict[str, str] = {}
    for loop in loops:
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            varying.update(_index_names(ctx, loop.target, loop.iter))
        elif isinstance(loop, _COMPREHENSIONS):
            for gen in loop.generators:
                varying.update(_index_names(ctx, gen.target, gen.iter))
    for node in body.of_type(ast.AugAssign):
        if (isinstance(node.target, ast.Name) and isinstance(node.op, _SCALAR_OPS)
                and is_scalar_expr(ctx, node.value, blocked) and _inside(body, node, loops)):
            if _integer_rescale(node.op, node.value):
                continue  # a few scales, not a count (P4-tffalse)
            varying.setdefault(node.target.id, "a counter updated in the loop")
    assigns = [a for a in body.of_type(ast.Assign)
               if len(a.targets) == 1 and isinstance(a.targets[0], ast.Name) and _inside(body, a, loops)]
    for a in assigns:
        name = a.targets[0].id  # type: ignore[attr-defined]
        if isinstance(a.value, ast.BinOp) and is_scalar_expr(ctx, a.value, blocked) and any(
                isinstance(n, ast.Name) and n.id == name for n in ast.walk(a.value)):
            if isinstance(a.value.left, ast.Name) and a.value.left.id == name and _integer_rescale(a.value.op, a.value.right):
                continue  # `size = size * 2`: as above
            varying.setdefault(name, "a counter updated in the loop")
    for _ in range(3):  # derived values: a few rounds reach chains like step -> epoch -> lr
        changed = False
        for a in assigns:
            name = a.targets[0].id  # type: ignore[attr-defined]
            if name in varying or not is_scalar_expr(ctx, a.value, blocked):
                continue
            why = varying_reason(a.value, varying)
            if why is not None:
                varying[name] = f"computed from {why}"
                changed = True
        if not changed:
            break
    # A name also assigned a non-scalar in the loop (a tensor, a call result) is not a Python number.
    for a in assigns:
        name = a.targets[0].id  # type: ignore[attr-defined]
        if name in varying and not is_scalar_expr(ctx, a.value, blocked) and not any(
                isinstance(loop, (ast.For, ast.AsyncFor)) and name in _targets(loop.target) for loop in loops):
            del varying[name]
    return varying


def _integer_rescale(op: ast.operator, step: ast.expr) -> bool:
    """`size *= 2`, `size //= 2`, `n = n * 4`: a value scaled by an integer factor of at least 2 per
    iteration. Such a sequence runs out of meaning in a few steps (13 doubled 30 times is 14 billion; halved,
    it is 0 within log2 steps), so the loop around it is short by construction: pyramid levels, output
    scales (yolov3-tf2's grid sizes 13, 26, 52, issue 11 P4-tffalse). Its few values mean a few traces, which
    are made once and reused. Additive counters (`step += 1`) and float factors (`lr *= 0.9`) stay seeds."""
    return (isinstance(op, (ast.Mult, ast.FloorDiv)) and isinstance(step, ast.Constant)
            and type(step.value) is int and step.value >= 2)


def is_false_literal(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and not expr.value


def tf_alias_of(ctx: ModuleContext) -> str | None:
    """The name this module imports `tensorflow` as (for edits that write `tf.constant`, `tf.TensorSpec`)."""
    for local, qualified in ctx.summary.imports.names.items():
        if qualified == "tensorflow":
            return local
    return None


def only_cast_reads(ctx: ModuleContext, callee: FunctionInfo, param: str) -> bool:
    """Every read of `param` in the callee is `tf.cast(param, dtype)` and nothing rebinds it: a Python
    number and `tf.constant` of it give the cast the same tensor (both convert with int -> int32,
    float -> float32), so passing a tensor there changes no value (HYB006's gated fix, HYB022's P3)."""
    reads = 0
    body = ctx.project.body(callee)
    qualify = callee.module.imports.qualify
    for name in body.of_type(ast.Name):
        if name.id != param:
            continue
        if not isinstance(name.ctx, ast.Load):
            return False
        parent = body.parent(name)
        if not (isinstance(parent, ast.Call) and parent.args[:1] == [name] and len(parent.args) == 2
                and not parent.keywords and qualify(parent.func) == "tensorflow.cast"):
            return False
        reads += 1
    return reads > 0
