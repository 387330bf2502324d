"""Branches of a `jax.jit` function that its callers never trace: `if p is None:` on a parameter that
defaults to None but that every call of the jitted function passes a value.

`None` is an empty pytree: under `jax.jit` a parameter given None (or left at its default None) is None
while tracing, and one given an array is a tracer, never None. So `if p is None:` is decided by the caller
when the function is traced, and the branch for None is traced only by a call that omits `p` or passes
None. A NumPy branch kept for eager calls of the same function (jaxns' `_sample_evidence`, whose jitted
variant is only run with a block state) raises nothing under `jax.jit` (P7-jaxmore).

The calls read are those the project's call-site facts resolve to a decorated jitted function (from any
module), and the module's own calls of the name a `fast = jax.jit(f)` binds (other modules' calls of that
name are not resolved to `f`).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ._compiled import CompiledRoot
from ._compiled_calls import defaulted_arguments, parameter_defaults

if TYPE_CHECKING:
    from .base import ModuleContext


def untraced_nodes(ctx: "ModuleContext", root: CompiledRoot) -> frozenset[int]:
    """Ids of the nodes under the `p is None` branches of `root` that no call of the jitted function
    traces (empty when every such branch may be traced)."""
    return ctx.shared(("untraced-none-branches", id(root)), lambda: _untraced_nodes(ctx, root))


def _untraced_nodes(ctx: "ModuleContext", root: CompiledRoot) -> frozenset[int]:
    defaults_none = {p for p, d in parameter_defaults(root).items() if isinstance(d, ast.Constant) and d.value is None}
    if not defaults_none:
        return frozenset()
    branches: list[tuple[str, list[ast.stmt]]] = []
    for node in ctx.body(root.fn).of_type(ast.If):
        tested = _none_test(node.test)
        if tested is not None and tested[0] in defaults_none:
            name, is_none = tested
            branches.append((name, node.body if is_none else node.orelse))
    if not branches:
        return frozenset()
    maybe_none = defaulted_arguments(ctx, root).left_none
    out: set[int] = set()
    for name, stmts in branches:
        if name not in maybe_none:
            out.update(id(sub) for stmt in stmts for sub in ast.walk(stmt))
    return frozenset(out)


def _none_test(test: ast.expr) -> tuple[str, bool] | None:
    """`p is None` -> (p, True); `p is not None` -> (p, False); anything else -> None."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name):
        right = test.comparators[0]
        if isinstance(right, ast.Constant) and right.value is None and isinstance(test.ops[0], (ast.Is, ast.IsNot)):
            return test.left.id, isinstance(test.ops[0], ast.Is)
    return None
