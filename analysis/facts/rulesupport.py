"""Helpers shared by the fact-based rules (HYB021-HYB024): thresholds, report spans, Keras methods."""
from __future__ import annotations

import ast

from ..summary import FunctionInfo

# "Hybridizing is not always faster" (tf-2.21-facts.md): a function of about six small ops ran at 0.45x
# as a graph, realistic hot-loop functions at 3x-16x. Heavy ops (matmul, conv, layer calls) weigh 10,
# small ops 1, ops inside Python loops double; below this weight a decorator is not suggested.
MIN_TENSOR_WORK = 12
# Methods Keras traces itself (or calls while building): never decorate or undecorate them by hand.
KERAS_MANAGED_METHODS = frozenset({"call", "build", "train_step", "test_step", "predict_step", "__call__",
                                   "compute_output_shape", "get_config", "from_config", "compute_loss"})


def is_keras_managed(fn: FunctionInfo, is_keras_class: bool) -> bool:
    return fn.cls is not None and fn.parent is None and is_keras_class and fn.name in KERAS_MANAGED_METHODS


def def_snippet(fn: FunctionInfo) -> str:
    """A fingerprint snippet that survives edits of the body: `def name(params)`."""
    return f"def {fn.name}({', '.join(fn.params)})"


def decorator_node(fn: FunctionInfo) -> ast.AST:
    """Where a finding about a function's tf.function goes: its decorator or wrapping call, else its def."""
    site = fn.hybrid
    if site is not None and site.kind in ("decorator", "call"):
        return site.node
    return fn.node


def find_call(tree: ast.Module, line: int, col: int) -> ast.Call | None:
    """The Call node starting at (line, col), searching only the top-level statement that spans it."""
    for st in tree.body:
        end = getattr(st, "end_lineno", st.lineno) or st.lineno
        if st.lineno <= line <= end:
            for node in ast.walk(st):
                if isinstance(node, ast.Call) and node.lineno == line and node.col_offset == col:
                    return node
            return None
    return None
