"""A nested tf.function that its enclosing function only traces, never runs (`f.get_concrete_function(x)`
with the result dropped): its Python side effects happen at trace time, which is the only time it runs.

Tests of tracing do this (jax2tf's `call_tf_test`: print while tracing is the behaviour under test), and so
does code that warms up a trace for export. Kept apart because it reads the enclosing function's uses of the
name, which no rule's own logic needs.
"""
from __future__ import annotations

import ast

from ..facts.tables import TRACE_ONLY_METHODS
from ..summary import FunctionInfo
from .base import ModuleContext


def only_traced(ctx: ModuleContext, info: FunctionInfo) -> bool:
    """Every use of nested function `info` in its enclosing function is `NAME.get_concrete_function(...)`
    or `tf.function(NAME, ...).get_concrete_function(...)` whose result is dropped (an expression statement
    or `_ = ...`): the graph is built and never executed. Module-level functions (importable) and any other
    use (a call, a return, an argument, a concrete function kept to be called) do not count."""
    parent = info.parent
    if parent is None:
        return False
    body = ctx.body(parent)
    uses = 0
    for name in body.of_type(ast.Name):
        if name.id != info.name or not isinstance(name.ctx, ast.Load):
            continue
        holder: ast.AST = name
        up = body.parent(name)
        if isinstance(up, ast.Call) and up.args and up.args[0] is name and ctx.qualify(up.func) == "tensorflow.function":
            holder = up  # `tf.function(NAME, autograph=False)`
            up = body.parent(up)
        if not (isinstance(up, ast.Attribute) and up.value is holder and up.attr in TRACE_ONLY_METHODS):
            return False
        call = body.parent(up)
        if not (isinstance(call, ast.Call) and call.func is up and _dropped(body.parent(call), call)):
            return False
        uses += 1
    return uses > 0


def _dropped(statement: ast.AST | None, value: ast.AST) -> bool:
    """`f.get_concrete_function(x)` as a statement, or `_ = ...`: the concrete function is not kept."""
    if isinstance(statement, ast.Expr):
        return statement.value is value
    return (isinstance(statement, ast.Assign) and statement.value is value
            and all(isinstance(t, ast.Name) and t.id == "_" for t in statement.targets))
