"""Where graph code deliberately runs eager-only code: `if tf.executing_eagerly():` and `tf.init_scope()`.

Inside a tf.function `tf.executing_eagerly()` is False, except under `tf.init_scope()` (which lifts code
out of the graph) or when `run_functions_eagerly(True)` is set
(https://www.tensorflow.org/api_docs/python/tf/executing_eagerly). Shared by HYB013 and HYB014.
"""
from __future__ import annotations

import ast

from ..body import FunctionBody
from .base import ModuleContext

EXECUTING_EAGERLY = frozenset({
    "tensorflow.executing_eagerly",
    "tensorflow.compat.v1.executing_eagerly",
    "tensorflow.python.eager.context.executing_eagerly",
})
# Context managers whose block runs eagerly even inside a tf.function.
INIT_SCOPE = frozenset({
    "tensorflow.init_scope",
    "tensorflow.compat.v1.init_scope",
    "tensorflow.python.framework.ops.init_scope",
    "tensorflow.python.eager.context.eager_mode",
})


def is_executing_eagerly_call(ctx: ModuleContext, node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and ctx.qualify(node.func) in EXECUTING_EAGERLY


def eager_test_polarity(ctx: ModuleContext, test: ast.expr) -> bool | None:
    """True for `tf.executing_eagerly()` (or `... and other`), False for `not tf.executing_eagerly()`."""
    if is_executing_eagerly_call(ctx, test):
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = eager_test_polarity(ctx, test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        # `if tf.executing_eagerly() and verbose:` - the body runs only eagerly.
        if any(eager_test_polarity(ctx, v) is True for v in test.values):
            return True
    return None


def is_init_scope(ctx: ModuleContext, item: ast.withitem) -> bool:
    expr = item.context_expr
    return isinstance(expr, ast.Call) and ctx.qualify(expr.func) in INIT_SCOPE


def in_init_scope(ctx: ModuleContext, body: FunctionBody, node: ast.AST) -> bool:
    for anc in body.ancestors(node):
        if isinstance(anc, (ast.With, ast.AsyncWith)) and any(is_init_scope(ctx, i) for i in anc.items):
            return True
    return False


def runs_only_eagerly(ctx: ModuleContext, body: FunctionBody, node: ast.AST) -> bool:
    """`node` sits in the eager branch of an executing_eagerly() test, or under `with tf.init_scope():`."""
    child = node
    for anc in body.ancestors(node):
        if isinstance(anc, (ast.If, ast.IfExp)) and child is not anc.test:
            polarity = eager_test_polarity(ctx, anc.test)
            if polarity is not None:
                in_body = child in anc.body if isinstance(anc, ast.If) else child is anc.body
                if in_body == polarity:
                    return True
        if isinstance(anc, (ast.With, ast.AsyncWith)) and any(is_init_scope(ctx, i) for i in anc.items):
            return True
        if isinstance(child, ast.stmt) and _after_graph_exit(ctx, anc, child):
            return True
        child = anc
    return False


def _after_graph_exit(ctx: ModuleContext, parent: ast.AST, stmt: ast.stmt) -> bool:
    """`if not tf.executing_eagerly(): return ...` earlier in the same block makes the rest eager-only."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(parent, name, None)
        if isinstance(block, list) and stmt in block:
            for earlier in block[: block.index(stmt)]:
                if (
                    isinstance(earlier, ast.If)
                    and eager_test_polarity(ctx, earlier.test) is False
                    and earlier.body
                    and isinstance(earlier.body[-1], (ast.Return, ast.Raise))
                ):
                    return True
    return False
