"""One walk per module, shared by the JAX and PyTorch rules: every call (source order), every node's
parent and every item assignment; and what the parents answer (the enclosing function, the ancestors,
the innermost loop). Cached on the module summary.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..summary import FunctionInfo

if TYPE_CHECKING:
    from .base import ModuleContext


def in_loop(ctx: "ModuleContext", node: ast.AST, scope: ast.AST | None) -> ast.For | ast.While | None:
    """The innermost for/while loop of `scope` whose body holds `node` (not its iterable), if any."""
    parents = _parents(ctx)
    current = node
    while True:
        parent = parents.get(id(current))
        if parent is None or parent is scope or isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                      ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)) and current in parent.body:
            return parent  # type: ignore[return-value]
        current = parent


def _index(ctx: "ModuleContext") -> tuple[list[ast.Call], dict[int, ast.AST], list[ast.Assign | ast.AugAssign]]:
    """Every call of the module (source order), every node's parent, and every item assignment
    (`x[i] = v`, `x[i] += v`): one walk per module, shared by the JAX and PyTorch rules (a module walk
    costs about as much as parsing it)."""
    return ctx.shared("call-index", lambda: _walk_calls(ctx))


def _walk_calls(ctx: "ModuleContext") -> tuple[list[ast.Call], dict[int, ast.AST], list[ast.Assign | ast.AugAssign]]:
    calls: list[ast.Call] = []
    stores: list[ast.Assign | ast.AugAssign] = []
    parents: dict[int, ast.AST] = {}
    stack: list[ast.AST] = [ctx.summary.source.tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
            if isinstance(child, ast.Call):
                calls.append(child)
            elif isinstance(child, ast.Subscript) and isinstance(child.ctx, ast.Store) and \
                    isinstance(node, (ast.Assign, ast.AugAssign)):
                stores.append(node)
            stack.append(child)
    calls.sort(key=lambda c: (c.lineno, c.col_offset))
    stores.sort(key=lambda c: (c.lineno, c.col_offset))
    return calls, parents, stores


def module_calls(ctx: "ModuleContext") -> list[ast.Call]:
    return _index(ctx)[0]


def item_assignments(ctx: "ModuleContext") -> list[ast.Assign | ast.AugAssign]:
    return _index(ctx)[2]


def _parents(ctx: "ModuleContext") -> dict[int, ast.AST]:
    return _index(ctx)[1]


def enclosing_function(ctx: "ModuleContext", node: ast.AST) -> FunctionInfo | None:
    """The function whose own body holds `node` (None at module or class level)."""
    for parent in parent_chain(ctx, node):
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return _function_infos(ctx).get(id(parent))
        if isinstance(parent, ast.ClassDef):
            return None
    return None


def _function_infos(ctx: "ModuleContext") -> dict[int, FunctionInfo]:
    return ctx.shared("function-infos", lambda: {id(f.node): f for f in ctx.summary.functions})


def parent_chain(ctx: "ModuleContext", node: ast.AST) -> list[ast.AST]:
    """The ancestors of `node`, innermost first."""
    parents = _parents(ctx)
    out = []
    current = parents.get(id(node))
    while current is not None:
        out.append(current)
        current = parents.get(id(current))
    return out


def parent_of(ctx: "ModuleContext", node: ast.AST) -> ast.AST | None:
    return _parents(ctx).get(id(node))
