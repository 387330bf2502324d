"""Where TensorFlow ops take their `name`, as data: an argument there that is not a string is ignored
eagerly but raises under tracing (Hybridize #814; `tf.sqrt(x, tf.float32)` and `tf.add(x, y, 3)` raise
`TypeError` once traced on TF 2.21, tests/runtime/test_precondition_claims.py).

Read by HYB024 (graph code that does it now) and by the facts' HAS_INVALID_NAME_ARGUMENTS precondition
(eager code that would start failing once converted).
"""
from __future__ import annotations

import ast
from typing import Callable

# Position of the `name` parameter of common TF ops (from their signatures in the API docs, e.g.
# https://www.tensorflow.org/api_docs/python/tf/math/sqrt `tf.math.sqrt(x, name=None)`).
_UNARY = ("abs", "sqrt", "rsqrt", "exp", "log", "log1p", "square", "negative", "sigmoid", "tanh", "sign",
          "floor", "ceil", "round", "reciprocal", "identity", "sin", "cos", "tan", "erf", "softplus",
          "math.sqrt", "math.rsqrt", "math.exp", "math.log", "math.log1p", "math.square", "math.abs",
          "math.sigmoid", "math.tanh", "math.sign", "math.floor", "math.ceil", "math.round", "math.reciprocal",
          "math.negative", "math.erf", "math.softplus", "nn.relu", "nn.relu6", "nn.elu", "nn.selu", "nn.gelu",
          "nn.sigmoid", "nn.tanh", "nn.softplus", "nn.softsign", "stop_gradient", "zeros_like", "ones_like")
_BINARY = ("add", "subtract", "multiply", "divide", "maximum", "minimum", "pow", "squared_difference", "equal",
           "not_equal", "less", "less_equal", "greater", "greater_equal", "math.add", "math.subtract",
           "math.multiply", "math.divide", "math.maximum", "math.minimum", "math.pow", "math.squared_difference",
           "math.truediv", "truediv", "realdiv", "math.floordiv", "floordiv", "cast", "reshape", "expand_dims",
           "squeeze", "fill", "shape", "size", "rank", "tile", "gather_nd", "bitcast", "dtypes.cast")
NAME_POSITION: dict[str, int] = {
    **{f"tensorflow.{op}": 1 for op in _UNARY},
    **{f"tensorflow.{op}": 2 for op in _BINARY},
    "tensorflow.reduce_sum": 3, "tensorflow.reduce_mean": 3, "tensorflow.reduce_max": 3, "tensorflow.reduce_min": 3,
    "tensorflow.reduce_prod": 3, "tensorflow.math.reduce_sum": 3, "tensorflow.math.reduce_mean": 3,
    "tensorflow.transpose": 3, "tensorflow.concat": 2, "tensorflow.stack": 2, "tensorflow.constant": 3,
    "tensorflow.convert_to_tensor": 3, "tensorflow.one_hot": 7,
}
# The ops' last name parts and the fewest positional arguments that reach a `name`: a cheap test before
# qualifying a call (most calls are not these ops).
LAST_PARTS = frozenset(op.rsplit(".", 1)[1] for op in NAME_POSITION)
_MIN_POSITION = min(NAME_POSITION.values())
DTYPE_NAMES = frozenset({"float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8",
                         "bool", "string", "complex64", "complex128"})


def non_string_name(arg: ast.expr, qualify: Callable[[ast.expr], str | None]) -> str | None:
    """How a `name` argument is written when it is certainly not a string (a number, a TF dtype); None when
    it is a string, None, or anything the analysis cannot see through."""
    if isinstance(arg, ast.Constant) and not isinstance(arg.value, str) and arg.value is not None:
        return repr(arg.value)
    q = qualify(arg)
    if q is not None and q.startswith("tensorflow.") and q.rsplit(".", 1)[1] in DTYPE_NAMES:
        return ast.unparse(arg)
    return None


def invalid_name_argument(call: ast.Call,
                          qualify: Callable[[ast.expr], str | None]) -> tuple[str, ast.expr, str] | None:
    """(op, argument, its text) when `call` passes a non-string where a known TF op takes its `name`."""
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else None)
    if last not in LAST_PARTS or (len(call.args) <= _MIN_POSITION
                                   and not any(kw.arg == "name" for kw in call.keywords)):
        return None
    q = qualify(func)
    pos = NAME_POSITION.get(q) if q is not None else None
    if pos is None:
        return None
    candidates = [call.args[pos]] if len(call.args) > pos and not isinstance(call.args[pos], ast.Starred) else []
    candidates += [kw.value for kw in call.keywords if kw.arg == "name"]
    for arg in candidates:
        bad = non_string_name(arg, qualify)
        if bad is not None:
            return q, arg, bad
    return None
