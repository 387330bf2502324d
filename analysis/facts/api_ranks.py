"""Static ranks of the tensors TensorFlow calls return, as data: enough to tell "rank > 1" in one body.

A rank here counts the axes that can hold more than one value: an axis written as a literal 1 in a shape
is left out.

Used by HYB027 (reductions without `axis`). A rank is an int when known exactly, `AT_LEAST_2` when only
known to be two or more (`tf.matmul`), None when unknown; nothing is guessed. Checked against the
TensorFlow 2.21 API reference (tf.zeros, tf.reshape, tf.matmul, tf.keras.Input, element-wise math).
"""
from __future__ import annotations

import ast
from typing import Callable, Final, Iterable

AT_LEAST_2: Final = -2
Rank = int | None
Qualify = Callable[[ast.AST], "str | None"]

# The argument (position, keyword) holding the result's shape as a list.
SHAPE_ARGUMENT: dict[str, tuple[int, str]] = {
    **{f"tensorflow.{name}": (0, "shape") for name in (
        "zeros", "ones", "fill", "random.normal", "random.uniform", "random.truncated_normal",
        "random.stateless_normal", "random.stateless_uniform", "random.gamma", "keras.backend.zeros")},
    "tensorflow.reshape": (1, "shape"),
    "tensorflow.broadcast_to": (1, "shape"),
}
# `keras.Input(shape=(28, 28))` is a batch of that shape: one more axis.
BATCHED_SHAPE_ARGUMENT: dict[str, tuple[int, str]] = {
    "keras.Input": (0, "shape"), "keras.input": (0, "shape"), "keras.layers.Input": (0, "shape"),
}
# Results of rank >= 2 whatever the inputs' exact ranks.
AT_LEAST_2_CALLS = frozenset({"tensorflow.matmul", "tensorflow.linalg.matmul", "tensorflow.eye",
                              "tensorflow.linalg.eye", "tensorflow.image.resize"})
# Element-wise ops: the result has the rank of their first argument.
ELEMENTWISE = frozenset(f"tensorflow.{name}" for name in (
    "square", "abs", "exp", "sqrt", "math.square", "math.abs", "math.exp", "math.log", "math.sqrt", "negative",
    "math.log1p", "math.squared_difference", "squared_difference", "nn.relu", "nn.sigmoid", "sigmoid", "tanh",
    "math.sigmoid", "math.tanh", "nn.softmax", "nn.log_softmax", "nn.softplus", "cast", "identity",
    "clip_by_value", "stop_gradient", "math.multiply", "multiply", "math.subtract", "subtract", "math.add",
    "add", "math.divide", "divide", "nn.sigmoid_cross_entropy_with_logits", "keras.activations.relu"))
# The whole-tensor reductions that take an `axis` (second positional argument).
REDUCTIONS = frozenset(f"tensorflow.{prefix}reduce_{op}" for prefix in ("", "math.") for op in (
    "sum", "mean", "max", "min", "prod", "any", "all", "logsumexp", "std", "variance", "euclidean_norm"))


def _literal_length(expr: ast.AST | None) -> int | None:
    """The number of axes of a literal shape that are not literally 1: `[-1, 1]` is a column, one axis
    of data (reducing it all is the per-example reduction too; issue 11 precision study, TF Models'
    `tf.reduce_sum(mask_weights)` normalizer)."""
    if isinstance(expr, (ast.List, ast.Tuple)) and not any(isinstance(e, ast.Starred) for e in expr.elts):
        return sum(1 for e in expr.elts if not (isinstance(e, ast.Constant) and e.value == 1))
    return None


def _argument(call: ast.Call, position: int, keyword: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == keyword:
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _nesting(expr: ast.AST) -> int:
    """Rank of a literal (`[[1, 2], [3, 4]]` is 2): the depth of the first-item chain."""
    depth = 0
    while isinstance(expr, (ast.List, ast.Tuple)) and expr.elts:
        depth, expr = depth + 1, expr.elts[0]
    return depth


class LocalRanks:
    """Static ranks of the names of one function body (each assigned name's last known rank wins only
    if every assignment agrees)."""

    def __init__(self, qualify: Qualify, nodes: Iterable[ast.AST]) -> None:
        self.qualify = qualify
        self.ranks: dict[str, Rank] = {}
        assigns = [n for n in nodes if isinstance(n, ast.Assign) and len(n.targets) == 1
                   and isinstance(n.targets[0], ast.Name)]
        conflicting: set[str] = set()
        for _ in range(2):  # straight-line chains `a = tf.zeros(...); b = a * 2`
            for node in assigns:
                name = node.targets[0].id  # type: ignore[attr-defined]
                rank = self.rank(node.value)
                if name in self.ranks and self.ranks[name] != rank:
                    conflicting.add(name)
                self.ranks[name] = rank
        for name in conflicting:
            self.ranks[name] = None

    def rank(self, e: ast.AST) -> Rank:
        if isinstance(e, ast.Name):
            return self.ranks.get(e.id)
        if isinstance(e, ast.Constant):
            return 0 if isinstance(e.value, (int, float)) and not isinstance(e.value, bool) else None
        if isinstance(e, ast.BinOp):
            return _broadcast(self.rank(e.left), self.rank(e.right))
        if isinstance(e, ast.UnaryOp):
            return self.rank(e.operand)
        if not isinstance(e, ast.Call):
            return None
        q = self.qualify(e.func)
        if q is None:
            return None
        if q in SHAPE_ARGUMENT:
            return _literal_length(_argument(e, *SHAPE_ARGUMENT[q]))
        if q in BATCHED_SHAPE_ARGUMENT:
            n = _literal_length(_argument(e, *BATCHED_SHAPE_ARGUMENT[q]))
            return None if n is None else n + 1
        if q == "tensorflow.constant" and e.args and isinstance(e.args[0], (ast.List, ast.Tuple)):
            return _nesting(e.args[0])
        if q in AT_LEAST_2_CALLS:
            return AT_LEAST_2
        if q in ELEMENTWISE and e.args:
            return _broadcast(*(self.rank(a) for a in e.args[:2])) if len(e.args) > 1 else self.rank(e.args[0])
        return None


def _broadcast(a: Rank, b: Rank = 0) -> Rank:
    """Rank of a broadcast result: the larger rank (a Python number is 0). With one side unknown the
    result is still at least as deep as the known side."""
    if a is None or b is None:
        known = b if a is None else a
        return AT_LEAST_2 if above_one(known) else None
    if AT_LEAST_2 in (a, b):
        return max(a, b) if max(a, b) >= 2 else AT_LEAST_2
    return max(a, b)


def above_one(rank: Rank) -> bool:
    return rank is not None and (rank == AT_LEAST_2 or rank > 1)
