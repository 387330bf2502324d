"""A function-local guess of which names hold tensors, for rules that only need a local answer.

Seeds: parameters of a hybrid root (TensorFlow converts tensor arguments to symbolic tensors; Python
scalar defaults like `training=False` are excluded), and names assigned from TensorFlow API calls.
Propagation: assignments whose value uses a tensor name through arithmetic, subscripting or a
TensorFlow call. Deliberately simple and documented as a heuristic; the whole-repository tensor facts
(analysis/facts) refine it where they are available.
"""
from __future__ import annotations

import ast

from .base import ModuleContext

_PY_CONSTANT_DEFAULT = (bool, int, float, str, bytes, type(None))


def root_tensor_params(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, is_method: bool) -> set[str]:
    args = fn.args
    positional = args.posonlyargs + args.args
    names = [a.arg for a in positional]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = set()
    for i, (name, default) in enumerate(zip(names, defaults)):
        if i == 0 and is_method and name in ("self", "cls"):
            continue
        if isinstance(default, ast.Constant) and isinstance(default.value, _PY_CONSTANT_DEFAULT):
            continue
        if isinstance(default, (ast.Tuple, ast.List, ast.Dict, ast.Set)):
            continue  # a Python collection default: the parameter is configuration, not data
        out.add(name)
    return out


def is_tf_call(ctx: ModuleContext, node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    q = ctx.qualify(node.func)
    return q is not None and q.startswith("tensorflow.") and not q.startswith(("tensorflow.print", "tensorflow.shape"))


def uses_tensor(ctx: ModuleContext, expr: ast.AST, tensors: set[str]) -> bool:
    """Whether an expression's value is likely a tensor, given the known tensor names."""
    if isinstance(expr, ast.Name):
        return expr.id in tensors
    if isinstance(expr, ast.Call):
        return is_tf_call(ctx, expr)
    if isinstance(expr, ast.BinOp):
        return uses_tensor(ctx, expr.left, tensors) or uses_tensor(ctx, expr.right, tensors)
    if isinstance(expr, ast.UnaryOp):
        return uses_tensor(ctx, expr.operand, tensors)
    if isinstance(expr, ast.Compare):
        return uses_tensor(ctx, expr.left, tensors) or any(uses_tensor(ctx, c, tensors) for c in expr.comparators)
    if isinstance(expr, ast.Subscript):
        # x[0] of a tensor is a tensor; x.shape[0] is a Python int (static shape), not a tensor.
        if isinstance(expr.value, ast.Attribute) and expr.value.attr == "shape":
            return False
        return uses_tensor(ctx, expr.value, tensors)
    return False


def local_tensor_names(ctx: ModuleContext, fn: ast.AST, body_nodes: list[ast.AST], seeds: set[str]) -> set[str]:
    """Seeds plus names assigned from tensor-valued expressions, to a fixpoint (two passes suffice
    for straight-line code; loops may need a third)."""
    tensors = set(seeds)
    assigns = [n for n in body_nodes if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign))]
    for _ in range(3):
        before = len(tensors)
        for node in assigns:
            value = node.value
            if value is None:
                continue
            if isinstance(node, ast.AugAssign):
                if uses_tensor(ctx, value, tensors) and isinstance(node.target, ast.Name):
                    tensors.add(node.target.id)
                continue
            if uses_tensor(ctx, value, tensors):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        tensors.add(t.id)
        if len(tensors) == before:
            break
    return tensors
