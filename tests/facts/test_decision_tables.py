"""The Hybridize decision tables (hybridization-study.md §2.3), one generated project per row."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.facts.preconditions import (
    CONVERT_TO_EAGER, CONVERT_TO_HYBRID, HAS_NO_PRIMITIVE_PARAMETERS, HAS_NO_TENSOR_PARAMETERS,
    HAS_PRIMITIVE_PARAMETERS, HAS_PYTHON_SIDE_EFFECTS, IS_RECURSIVE, UNDETERMINABLE_SIDE_EFFECTS,
)

from .helpers import fn, repo

_ARGS = {
    # (tensor parameter?, primitive parameter?) -> the call site's arguments
    (True, False): "tf.ones(3), tf.constant(2.0)",
    (True, True): "tf.ones(3), 3",
    (False, None): "np.ones(3), np.zeros(2)",
}


def _project(hybrid: bool, tensor: bool, primitive: bool | None, effects: bool | None, recursive: bool) -> str:
    lines = ["import numpy as np", "import tensorflow as tf", "import mystery", ""]
    if hybrid:
        lines.append("@tf.function")
    lines += ["def f(x, n):"]
    if effects is True:
        lines.append("    print(n)")
    elif effects is None:
        lines.append("    mystery.call()")
    if recursive:
        lines += ["    if n is None:", "        return f(x, n)"]
    lines += ["    return tf.reduce_sum(x) * tf.reduce_max(x) + tf.reduce_min(x)", ""]
    lines.append(f"f({_ARGS[(tensor, primitive if tensor else None)]})")
    return "\n".join(lines) + "\n"


# Convert eager -> hybrid: (tensor, primitive, side effects, recursive) -> blocked_by
EAGER_ROWS = [
    ((True, False, False, False), []),                                          # P1
    ((True, False, False, True), [IS_RECURSIVE]),
    ((True, False, True, False), [HAS_PYTHON_SIDE_EFFECTS]),
    ((True, False, True, True), [HAS_PYTHON_SIDE_EFFECTS, IS_RECURSIVE]),
    ((True, True, False, False), [HAS_PRIMITIVE_PARAMETERS]),
    ((True, True, True, False), [HAS_PRIMITIVE_PARAMETERS, HAS_PYTHON_SIDE_EFFECTS]),
    ((False, None, False, False), [HAS_NO_TENSOR_PARAMETERS]),
    ((False, None, True, False), [HAS_NO_TENSOR_PARAMETERS, HAS_PYTHON_SIDE_EFFECTS]),
    ((True, False, None, False), [UNDETERMINABLE_SIDE_EFFECTS]),
]

# Optimize a hybrid function: (tensor, primitive, side effects) -> blocked_by, P-number when it applies
HYBRID_ROWS = [
    ((False, None, False), [], "P2"),
    ((False, None, True), [HAS_PYTHON_SIDE_EFFECTS], "P2"),
    ((True, True, False), [], "P3"),
    ((True, True, True), [HAS_PYTHON_SIDE_EFFECTS], "P3"),
    ((True, False, False), [HAS_NO_PRIMITIVE_PARAMETERS], None),
    ((True, False, True), [HAS_NO_PRIMITIVE_PARAMETERS, HAS_PYTHON_SIDE_EFFECTS], None),
    ((False, None, None), [UNDETERMINABLE_SIDE_EFFECTS], "P2"),
]


@pytest.mark.parametrize("row,blocked", EAGER_ROWS, ids=[str(r[0]) for r in EAGER_ROWS])
def test_convert_eager_to_hybrid_table(row: tuple, blocked: list[str]) -> None:
    tensor, primitive, effects, recursive = row
    ff = fn(repo({"m.py": _project(False, tensor, primitive, effects, recursive)}), "m.py", "f")
    assert ff.refactoring == CONVERT_TO_HYBRID
    assert sorted(ff.blocked_by) == sorted(blocked), (ff.blocked_by, ff.tensor_parameters, ff.primitive_parameters)


@pytest.mark.parametrize("row,blocked,precondition", HYBRID_ROWS, ids=[str(r[0]) for r in HYBRID_ROWS])
def test_optimize_hybrid_table(row: tuple, blocked: list[str], precondition: str | None) -> None:
    tensor, primitive, effects = row
    ff = fn(repo({"m.py": _project(True, tensor, primitive, effects, False)}), "m.py", "f")
    assert ff.refactoring == CONVERT_TO_EAGER
    assert sorted(ff.blocked_by) == sorted(blocked), (ff.blocked_by, ff.notes)
    if precondition is not None:
        assert f"precondition {precondition}" in ff.notes


def test_hybrid_recursive_function_gets_the_hybridize_warning() -> None:
    ff = fn(repo({"m.py": _project(True, True, False, False, True)}), "m.py", "f")
    assert "Recursive tf.functions are not supported by TensorFlow." in ff.notes


def test_p6_no_tensor_computation() -> None:
    ff = fn(repo({"m.py": "import tensorflow as tf\n\n@tf.function\ndef f(x):\n    return x\n\nf(tf.ones(2))\n"}),
            "m.py", "f")
    assert ff.tensor_computation.value is False
    assert ff.refactoring == CONVERT_TO_EAGER and ff.blocked_by == () and "precondition P6" in ff.notes
