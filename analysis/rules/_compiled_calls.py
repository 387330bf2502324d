"""Calls of a module's compiled functions (`jax.jit`/`torch.compile` roots, _compiled.py): how the module
calls them (`compiled_callables`), which of those calls sit in loops, and which argument each call binds
to which parameter.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterator

from ._compiled import CompiledRoot, call_key, compiled_roots
from ._module_index import in_loop, module_calls, parent_of

if TYPE_CHECKING:
    from .base import ModuleContext


def compiled_callables(ctx: "ModuleContext") -> dict[str, CompiledRoot]:
    """How code of this module calls its compiled functions: `step` or `self.step` -> the root.

    A decorated function is called by its name (`self.name` for a method); `fast = jax.jit(f)` by the
    name it is bound to.
    """
    cached = getattr(ctx.summary, "_compiled_callables", None)
    if cached is not None:
        return cached
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
    ctx.summary._compiled_callables = out  # type: ignore[attr-defined]
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
