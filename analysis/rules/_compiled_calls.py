"""Calls of a module's compiled functions (`jax.jit`/`torch.compile` roots, _compiled.py): how the module
calls them (`compiled_callables`), which of those calls sit in loops, which argument each call binds
to which parameter, and how the calls treat the parameters with defaults (`defaulted_arguments`).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..facts.fact_kinds import KINDS, LIT_NONE, const_kind
from ._compiled import CompiledRoot, call_key, compiled_roots
from ._module_index import in_loop, module_calls, parent_of

if TYPE_CHECKING:
    from .base import ModuleContext


def compiled_callables(ctx: "ModuleContext") -> dict[str, CompiledRoot]:
    """How code of this module calls its compiled functions: `step` or `self.step` -> the root.

    A decorated function is called by its name (`self.name` for a method); `fast = jax.jit(f)` by the
    name it is bound to.
    """
    return ctx.shared("compiled-callables", lambda: _compiled_callables(ctx))


def _compiled_callables(ctx: "ModuleContext") -> dict[str, CompiledRoot]:
    out: dict[str, CompiledRoot] = {}
    for root in compiled_roots(ctx):
        if root.site in getattr(root.fn.node, "decorator_list", ()):
            out[f"self.{root.fn.name}" if root.fn.cls is not None and root.fn.parent is None else root.fn.name] = root
            continue
        parent = parent_of(ctx, root.site)
        if isinstance(parent, ast.Assign):
            for target in parent.targets:
                key = call_key(target)
                if key is not None:
                    out[key] = root
    return out


def compiled_calls_in_loops(ctx: "ModuleContext") -> Iterator[tuple[ast.Call, CompiledRoot, list[ast.For | ast.While]]]:
    """Calls of this module's compiled functions written inside loops, with the enclosing loops of the
    same function (innermost first)."""
    callables = compiled_callables(ctx)
    if not callables:
        return
    for node in module_calls(ctx):
        key = call_key(node.func)
        root = callables.get(key) if key is not None else None
        if root is None:
            continue
        loops = []
        loop = in_loop(ctx, node, None)
        while loop is not None:
            loops.append(loop)
            loop = in_loop(ctx, loop, None)
        if loops:
            yield node, root, loops


def bound_arguments(root: CompiledRoot, call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """(parameter name, argument) for the positional and keyword arguments of a call of `root`."""
    params = list(root.call_params)
    if root.site in getattr(root.fn.node, "decorator_list", ()) and root.fn.is_method \
            and params[:1] in (["self"], ["cls"]):
        params = params[1:]  # a decorated method called as `self.step(x)`
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return
        if i < len(params):
            yield params[i], arg
    for kw in call.keywords:
        if kw.arg is not None:
            yield kw.arg, kw.value


_NONE = KINDS[LIT_NONE]


@dataclass(frozen=True)
class DefaultedArguments:
    """How the known calls of a jitted function treat its parameters with defaults."""

    passed: frozenset[str]  # some call passes a value, not None (a tracer, unless the parameter is static)
    left_none: frozenset[str]  # default None, and some call omits it, passes None, or spreads `*`/`**`


def defaulted_arguments(ctx: "ModuleContext", root: CompiledRoot) -> DefaultedArguments:
    """Read from the module's own calls of the jitted function (by the name it is called by, in the AST)
    and, for a decorated function, from the project's call-site facts of other modules. The facts fill in
    an omitted argument's default, so there a call passes a parameter only when the argument's kind
    differs from the default's (`f(x, n)` for `n=2**7`); one of the default's own kind counts as omitted."""
    return ctx.shared(("defaulted-arguments", id(root)), lambda: _defaulted_arguments(ctx, root))


def parameter_defaults(root: CompiledRoot) -> dict[str, ast.expr]:
    """The default of each parameter a caller of `root` may pass that has one."""
    args = root.fn.node.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return {a.arg: d for a, d in pairs if a.arg in root.call_params}


def _defaulted_arguments(ctx: "ModuleContext", root: CompiledRoot) -> DefaultedArguments:
    defaults = parameter_defaults(root)
    if not defaults:
        return DefaultedArguments(frozenset(), frozenset())
    none_default = {p for p, d in defaults.items() if isinstance(d, ast.Constant) and d.value is None}
    passed: set[str] = set()
    left_none: set[str] = set()
    callables = compiled_callables(ctx)
    for call in module_calls(ctx):
        key = call_key(call.func)
        if key is None or callables.get(key) is not root:
            continue
        given = dict(bound_arguments(root, call))
        for p in defaults:
            arg = given.get(p)
            is_none = arg is None or isinstance(arg, ast.Constant) and arg.value is None
            if not is_none:
                passed.add(p)
            elif p in none_default:
                left_none.add(p)  # omitted (perhaps spread by `*`/`**`: it counts) or passed None
    if root.site in getattr(root.fn.node, "decorator_list", ()):
        # Every call of a decorated function is a call of the jitted one (this module's are read above).
        for site in ctx.project.facts.call_sites(root.fn):
            if site.via.startswith("callback:") or site.path == ctx.path:
                continue
            for p, default in defaults.items():
                kind = site.arg_kinds.get(p, _NONE if p in none_default else None)
                if kind == _NONE and p in none_default:
                    left_none.add(p)
                elif kind is not None and kind != _NONE and kind != KINDS[const_kind(default)]:
                    passed.add(p)
    return DefaultedArguments(frozenset(passed), frozenset(left_none))
