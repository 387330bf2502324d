"""The vocabulary of value kinds in the extracted facts (extract.py): what an expression evaluates to as
far as one module shows (a tensor, a dataset, a literal, ...), as the cached records and the project's
fixpoints (parameter_lattices.py, side_effects.py) spell it.

A value kind is one of the strings in `KINDS` or a tuple `("p", name)` (the value of parameter `name`) or
`("r", ref)` (the result of calling `ref`), which the project resolves. Not to be confused with
value_kinds.py, the rules' own per-body tensor/Python classification (`LocalKinds`) over `api_kinds`.
"""
from __future__ import annotations

import ast
from typing import Any

# Value kinds.
TENSOR, DATASET, KERAS, ALLOC, NUMPY, OTHER = "t", "ds", "k", "a", "np", "o"
FUNCTION = "fn"  # a Python function object (a nested def), which a tf.function cannot return
LIT_BOOL, LIT_NUM, LIT_STR, LIT_SEQ, LIT_NONE = "lb", "ln", "ls", "lq", "l0"
LOOP_VARYING, PY_SCALAR = "lv", "ps"
LITERALS = frozenset({LIT_BOOL, LIT_NUM, LIT_STR, LIT_SEQ, LIT_NONE})
# Python values that make a tf.function trace once per distinct value (F-LIT).
PRIMITIVE_KINDS = LITERALS | {LOOP_VARYING, PY_SCALAR}
KINDS = {
    TENSOR: "tensor", DATASET: "tf.data dataset", KERAS: "KerasTensor", ALLOC: "fresh Python object",
    NUMPY: "NumPy array", OTHER: "unknown", LIT_BOOL: "bool literal", LIT_NUM: "number literal",
    LIT_STR: "string literal", LIT_SEQ: "literal sequence", LIT_NONE: "None", LOOP_VARYING: "loop-varying Python value",
    PY_SCALAR: "Python scalar", FUNCTION: "Python function",
}


def merge_kinds(old: Any, new: Any) -> Any:
    """The kind of a name bound to both: a tensor wins, two Python primitives make a Python scalar."""
    if old is None or old == new:
        return new
    if old == TENSOR or new == TENSOR:
        return TENSOR
    if old in PRIMITIVE_KINDS and new in PRIMITIVE_KINDS:
        return PY_SCALAR
    return OTHER


def const_kind(e: ast.AST) -> str:
    """The kind of a default value or module constant: a literal kind, else OTHER."""
    if isinstance(e, ast.Constant):
        v = e.value
        if v is None:
            return LIT_NONE
        if isinstance(v, bool):
            return LIT_BOOL
        if isinstance(v, (int, float)):
            return LIT_NUM
        if isinstance(v, (str, bytes)):
            return LIT_STR
    if isinstance(e, ast.UnaryOp) and isinstance(e.operand, ast.Constant):
        return LIT_NUM
    if isinstance(e, (ast.Tuple, ast.List)) and all(isinstance(x, ast.Constant) for x in e.elts):
        return LIT_SEQ
    return OTHER
