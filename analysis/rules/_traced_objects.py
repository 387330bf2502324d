"""Objects a JAX trace creates itself: whose `self` in a compiled method is not state outside the trace.

`self.p = ...` in jitted code is a side effect on outer state when `self` outlives the trace (the
model whose method `jax.jit(self.step)` traces). It is not when the jitted step constructs the object:
evojax's SlimeVolley step builds `game = Game(state)` and calls `game.step()`, whose methods assign
`self.ball`, `self.p`, ... on objects that die with the trace (issue 14, P64-jaxp in
bench/precision/patterns.md).

A compiled method's `self` is *fresh* when every call that reaches it from compiled code of the module
has a fresh receiver:
- `Cls(...)` (the constructor, for `__init__`);
- `x.m(...)` with `x` a local of the caller bound only to `Cls(...)` of a class of this module;
- `self.m(...)` in a method whose own `self` is fresh;
- `self.a.m(...)` in a method whose `self` is fresh, where the class assigns `self.a` only `Cls(...)`.
A root (`jax.jit(self.step)`, a decorated method) is never fresh: its `self` comes from outside.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..summary import ClassInfo, FunctionInfo
from ._compiled import callees_of, compiled_functions, compiled_roots

if TYPE_CHECKING:
    from .base import ModuleContext


def has_fresh_self(ctx: "ModuleContext", fn: FunctionInfo) -> bool:
    """Whether `self` of the compiled method `fn` (or of the method `fn` is nested in) is always an
    object constructed inside the trace."""
    method = _method_of(fn)
    return method is not None and _Fresh(ctx).of(method)


class _Fresh:
    def __init__(self, ctx: "ModuleContext") -> None:
        self.ctx = ctx
        # Per module, computed once: the memo, the call edges into each function and the ids of the JAX
        # roots (never fresh: their `self` comes from outside).
        cached = ctx.shared("fresh-self", lambda: (
            {}, _incoming(ctx), {id(r.fn) for r in compiled_roots(ctx) if r.framework == "jax"}))
        self.memo: dict[int, bool] = cached[0]
        self.incoming: dict[int, list[tuple[FunctionInfo, ast.AST]]] = cached[1]
        self.roots: set[int] = cached[2]

    def of(self, fn: FunctionInfo) -> bool:
        if not fn.is_method:
            return False
        key = id(fn)
        if key in self.memo:
            return self.memo[key]
        # Optimistic inside a cycle of calls (a method calling itself adds no receiver from outside).
        self.memo[key] = True
        edges = self.incoming.get(key, [])
        found = key not in self.roots and bool(edges) and all(self._fresh_edge(caller, node, fn) for caller, node in edges)
        self.memo[key] = found
        return found

    def _fresh_edge(self, caller: FunctionInfo, node: ast.AST, callee: FunctionInfo) -> bool:
        if not isinstance(node, ast.Call):
            return False  # passed on as a callback: the receiver is not known
        func = node.func
        if callee.name == "__init__" and self._constructor(func):
            return True
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
        owner = _method_of(caller)
        if isinstance(receiver, ast.Name):
            if receiver.id == "self":
                return owner is not None and self.of(owner)
            return self._local_constructed(caller, receiver.id)
        if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) and \
                receiver.value.id == "self" and owner is not None and owner.cls is not None:
            return self.of(owner) and self._attribute_constructed(owner.cls, receiver.attr)
        return False

    def _constructor(self, func: ast.expr) -> bool:
        return isinstance(func, ast.Name) and func.id in self.ctx.summary.classes

    def _local_constructed(self, fn: FunctionInfo, name: str) -> bool:
        values = [n.value for n in self.ctx.body(fn).of_type(ast.Assign)
                  if any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
        return bool(values) and all(isinstance(v, ast.Call) and self._constructor(v.func) for v in values)

    def _attribute_constructed(self, cls: ClassInfo, attr: str) -> bool:
        values = []
        for method in cls.methods.values():
            for n in self.ctx.body(method).of_type(ast.Assign):
                for t in n.targets:
                    if isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name) \
                            and t.value.id == "self":
                        values.append(n.value)
        return bool(values) and all(isinstance(v, ast.Call) and self._constructor(v.func) for v in values)


def _method_of(fn: FunctionInfo) -> FunctionInfo | None:
    """The method `fn` is, or is nested in (its `self` is the method's)."""
    while fn.parent is not None:
        fn = fn.parent
    return fn if fn.is_method else None


def _incoming(ctx: "ModuleContext") -> dict[int, list[tuple[FunctionInfo, ast.AST]]]:
    """Callee -> (compiled caller, call node), over the module's JAX compiled functions."""
    out: dict[int, list[tuple[FunctionInfo, ast.AST]]] = {}
    for cf in compiled_functions(ctx, "jax"):
        for callee, node in callees_of(ctx, cf.fn):
            out.setdefault(id(callee), []).append((cf.fn, node))
    return out
