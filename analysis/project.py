"""The repository as a whole: module names, call resolution across files, and graph context.

Graph context is every function whose Python body runs while TensorFlow traces: the hybrid functions
(decorated, wrapped by `tf.function(g)`, Keras train steps, `tf.data` callbacks) and, transitively, the
project functions they call or hand to TF as callbacks. The TF guide says the whole Python body of a
traced function, callees included, runs only at trace time (https://www.tensorflow.org/guide/function).
Calls that cannot be resolved are simply not followed: they are never taken as "pure".
"""
from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from typing import Iterable

from .body import FunctionBody, walk_body
from .summary import ClassInfo, FunctionInfo, ModuleSummary, enclosing_class, resolve_local_function

_MAX_REEXPORT_HOPS = 5


@dataclass(frozen=True, eq=False)
class GraphFunction:
    """A function in graph context, with one shortest call path from a hybrid root to it."""

    info: FunctionInfo
    path: tuple[FunctionInfo, ...]  # root first, info last

    @property
    def root(self) -> FunctionInfo:
        return self.path[0]

    @property
    def is_root(self) -> bool:
        return len(self.path) == 1

    def describe_path(self) -> tuple[str, ...]:
        return tuple(f"{f.qualname} ({f.module.path}:{f.line})" for f in self.path)


class Project:
    def __init__(self, modules: Iterable[ModuleSummary]) -> None:
        self.modules: dict[str, ModuleSummary] = {m.path: m for m in modules}
        self.by_name: dict[str, ModuleSummary] = {}
        for m in self.modules.values():
            if m.module:
                self.by_name.setdefault(m.module, m)
        self._bodies: dict[int, FunctionBody] = {}
        self._graph: dict[int, GraphFunction] | None = None

    # ---- bodies -----------------------------------------------------------------------------
    def body(self, fn: FunctionInfo) -> FunctionBody:
        key = id(fn)
        body = self._bodies.get(key)
        if body is None:
            body = walk_body(fn.node)
            self._bodies[key] = body
        return body

    # ---- resolution -------------------------------------------------------------------------
    def lookup_qualified(self, qualname: str, _hops: int = 0) -> FunctionInfo | ClassInfo | None:
        """A project function or class by qualified name (`pkg.mod.f`, `pkg.mod.Class.method`)."""
        parts = qualname.split(".")
        for split in range(len(parts) - 1, 0, -1):
            module = self.by_name.get(".".join(parts[:split]))
            if module is None:
                continue
            rest = parts[split:]
            found = self._lookup_in_module(module, rest, _hops)
            if found is not None:
                return found
        return None

    def _lookup_in_module(self, module: ModuleSummary, rest: list[str], hops: int) -> FunctionInfo | ClassInfo | None:
        head = rest[0]
        if head in module.top_functions and len(rest) == 1:
            return module.top_functions[head]
        if head in module.hybrid_aliases and len(rest) == 1:
            return module.hybrid_aliases[head]
        if head in module.classes:
            cls = module.classes[head]
            if len(rest) == 1:
                return cls
            if len(rest) == 2:
                return module.find_method(cls, rest[1])
            return None
        # A re-export: `from .impl import helper` in a package __init__.
        target = module.imports.names.get(head)
        if target and hops < _MAX_REEXPORT_HOPS and target != f"{module.module}.{head}":
            return self.lookup_qualified(".".join([target] + rest[1:]), hops + 1)
        return None

    def resolve_callee(self, caller: FunctionInfo, expr: ast.expr) -> FunctionInfo | None:
        """The project function an expression in `caller`'s body refers to (call target or callback)."""
        module = caller.module
        local = resolve_local_function(module, expr, caller)
        if local is not None:
            return local
        if isinstance(expr, ast.Name) and expr.id in module.hybrid_aliases:
            return module.hybrid_aliases[expr.id]
        if isinstance(expr, ast.Name) and expr.id in module.classes:
            return self._constructor(module, module.classes[expr.id])
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Call)
            and isinstance(expr.value.func, ast.Name)
            and expr.value.func.id == "super"
        ):
            cls = enclosing_class(caller)
            if cls is not None:
                for base in cls.base_names:
                    base_cls = module.classes.get(base)
                    if base_cls is not None:
                        found = module.find_method(base_cls, expr.attr)
                        if found is not None:
                            return found
            return None
        qualname = module.imports.qualify(expr)
        if qualname is None or qualname.startswith(("builtins.", "tensorflow.", "keras.", "numpy.")):
            return None
        found = self.lookup_qualified(qualname)
        if isinstance(found, ClassInfo):
            owner = self.modules_by_class(found)
            return self._constructor(owner, found) if owner else None
        return found

    def modules_by_class(self, cls: ClassInfo) -> ModuleSummary | None:
        for m in self.modules.values():
            if m.classes.get(cls.name) is cls:
                return m
        return None

    @staticmethod
    def _constructor(module: ModuleSummary, cls: ClassInfo) -> FunctionInfo | None:
        return module.find_method(cls, "__init__")

    def callees(self, fn: FunctionInfo) -> list[tuple[FunctionInfo, ast.AST]]:
        """Project functions `fn` calls or passes on as callbacks, with the node that does it."""
        out: list[tuple[FunctionInfo, ast.AST]] = []
        for call in self.body(fn).calls:
            target = self.resolve_callee(fn, call.func)
            if target is not None:
                out.append((target, call))
            # Higher-order use: tf.map_fn(helper, x), strategy.run(step), dataset.map(parse).
            for arg in call.args:
                if isinstance(arg, (ast.Name, ast.Attribute)):
                    cb = self.resolve_callee(fn, arg)
                    if cb is not None and cb is not target:
                        out.append((cb, arg))
        return out

    # ---- graph context ----------------------------------------------------------------------
    def graph_context(self) -> dict[int, GraphFunction]:
        """id(FunctionInfo) -> GraphFunction, breadth-first from every hybrid root (shortest paths)."""
        if self._graph is not None:
            return self._graph
        graph: dict[int, GraphFunction] = {}
        queue: deque[GraphFunction] = deque()
        for module in self.modules.values():
            for fn in module.functions:
                if fn.hybrid is not None:
                    gf = GraphFunction(fn, (fn,))
                    graph[id(fn)] = gf
                    queue.append(gf)
        while queue:
            gf = queue.popleft()
            for callee, _node in self.callees(gf.info):
                if id(callee) not in graph:
                    nxt = GraphFunction(callee, gf.path + (callee,))
                    graph[id(callee)] = nxt
                    queue.append(nxt)
        self._graph = graph
        return graph

    def graph_functions_in(self, module: ModuleSummary) -> list[GraphFunction]:
        graph = self.graph_context()
        return [graph[id(fn)] for fn in module.functions if id(fn) in graph]

    def in_graph(self, fn: FunctionInfo) -> GraphFunction | None:
        return self.graph_context().get(id(fn))
