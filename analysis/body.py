"""The full walk of one function body, done once and shared by every rule that looks at it.

Nested `def`s and classes are separate functions (they run only if called) and are not descended into;
lambdas and comprehensions are part of the body (they run where they are written).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator, TypeVar

from .summary import FunctionNode, parameter_names

N = TypeVar("N", bound=ast.AST)

_SCOPE_BREAKERS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@dataclass(eq=False)
class FunctionBody:
    node: FunctionNode
    nodes: list[ast.AST] = field(default_factory=list)  # pre-order, excluding the function node itself
    parents: dict[int, ast.AST] = field(default_factory=dict)  # id(node) -> parent
    calls: list[ast.Call] = field(default_factory=list)
    _by_type: dict[type, list[ast.AST]] = field(default_factory=dict)

    def of_type(self, *types: type[N]) -> Iterator[N]:
        for t in types:
            yield from self._by_type.get(t, ())  # type: ignore[misc]

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self.parents.get(id(node))

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        current = self.parents.get(id(node))
        while current is not None:
            yield current
            current = self.parents.get(id(current))

    def local_names(self) -> set[str]:
        """Names assigned in the body (locals), parameters included."""
        names = set(parameter_names(self.node))
        for node in self.of_type(ast.Name):
            if isinstance(node.ctx, ast.Store):
                names.add(node.id)
        for node in self.of_type(ast.arg):
            names.add(node.arg)
        # Nested definitions, imports and `except ... as e` bind locals too (a nested `def stub_fn`
        # is a new object per call, not module state).
        for node in self.of_type(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
            names.add(node.name)
        for node in self.of_type(ast.Import, ast.ImportFrom):
            names.update((a.asname or a.name.split(".")[0]) for a in node.names if a.name != "*")
        for node in self.of_type(ast.ExceptHandler):
            if node.name:
                names.add(node.name)
        return names

    def declared(self, kind: type[ast.Global] | type[ast.Nonlocal]) -> set[str]:
        out: set[str] = set()
        for node in self.of_type(kind):
            out.update(node.names)
        return out


def walk_body(fn: FunctionNode) -> FunctionBody:
    body = FunctionBody(fn)
    roots: list[ast.AST] = [fn.body] if isinstance(fn, ast.Lambda) else list(fn.body)
    stack: list[tuple[ast.AST, ast.AST]] = [(child, fn) for child in reversed(roots)]
    nodes, parents, by_type = body.nodes, body.parents, body._by_type
    while stack:
        node, parent = stack.pop()
        nodes.append(node)
        parents[id(node)] = parent
        by_type.setdefault(type(node), []).append(node)
        if isinstance(node, _SCOPE_BREAKERS):
            # The definition statement itself (decorators, defaults) runs here; its body does not.
            children: list[ast.AST] = list(getattr(node, "decorator_list", []))
            if not isinstance(node, ast.ClassDef):
                children += [d for d in node.args.defaults + node.args.kw_defaults if d is not None]
            else:
                children += node.bases
        else:
            children = list(ast.iter_child_nodes(node))
        for child in reversed(children):
            stack.append((child, node))
    body.calls = by_type.get(ast.Call, [])  # type: ignore[assignment]
    return body
