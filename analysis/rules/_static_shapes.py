"""Does a tf.function read the static shape of its inputs? The fact that gates `reduce_retracing=True`.

With `reduce_retracing=True` TensorFlow traces a generalized signature whose varying dimensions are None:
`x.shape[0]`, `len(x)`, `x.get_shape()` and `x.ndim` then give None (or raise) where they gave numbers.
A function that reads none of them, and calls nothing but TensorFlow and a few pure builtins, computes
the same with dynamic shapes (tf.shape is dynamic either way).
"""
from __future__ import annotations

import ast

from ..summary import FunctionInfo
from .base import ModuleContext

_STATIC_SHAPE_ATTRS = frozenset({"shape", "get_shape", "ndim", "rank"})
_PURE_BUILTINS = frozenset({"builtins.float", "builtins.int", "builtins.abs", "builtins.min", "builtins.max",
                            "builtins.range", "builtins.zip", "builtins.enumerate", "builtins.reversed"})


def static_shape_use(ctx: ModuleContext, fn: FunctionInfo) -> str | None:
    """Why the function might depend on static shapes (the first reason found), or None when it cannot."""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Attribute) and node.attr in _STATIC_SHAPE_ATTRS \
                and not (ctx.qualify(node) or "").startswith("tensorflow."):  # tf.shape, tf.rank: dynamic ops
            return f"reads `.{node.attr}` on line {node.lineno}"
        if isinstance(node, ast.Call):
            q = ctx.qualify(node.func)
            if q == "builtins.len":
                return f"calls `len()` on line {node.lineno}"
            if q is None or not (q.startswith("tensorflow.") or q in _PURE_BUILTINS):
                return f"calls `{ctx.source.segment(node.func)}` on line {node.lineno}, which might read shapes"
    return None
