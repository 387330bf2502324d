"""Every applied fix gives the same results before and after, under real TensorFlow.

Each program is fixed by the real pipeline (rules, codemods, verification), then both versions run and their
`main()` results are compared with `numpy.allclose`. Where a fix's point is a behaviour besides the
output (how often a function traces, whether XLA is on, whether functions run eagerly) that is compared
too, and a deliberately wrong rewrite is run alongside to show the comparison can tell the difference.
"""
from __future__ import annotations

import numpy as np
import pytest

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

from .tfrun import run_program

pytestmark = pytest.mark.runtime

SAFE = {FixSafety.SAFE}
CONFIG = Config(min_tf_version=(2, 12))


def _fixed(source: str, safeties: set[FixSafety] = SAFE, code: str | None = None) -> str:
    result = apply_fixes({"example.py": source.encode()}, safeties, CONFIG)
    assert not result.withheld, result.withheld
    assert result.applied and (code is None or {f.code for f in result.applied} == {code})
    return result.changed["example.py"].decode()


def _main(source: str):  # type: ignore[no-untyped-def]
    return run_program(source).namespace["main"]()


def _same(a, b) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, bool, str)) and not isinstance(a, np.generic):
        return a == b
    return bool(np.allclose(np.asarray(a), np.asarray(b)))


RELAX = """
import tensorflow as tf

FLAG = {flag}

@tf.function(experimental_relax_shapes={value})
def total(x):
    return tf.reduce_sum(x * 2.0)

def main():
    outs = [total(tf.ones([n])).numpy() for n in (2, 3, 4, 5, 6)]
    return outs, total.experimental_get_tracing_count()
"""


@pytest.mark.parametrize("value, flag", [("True", "None"), ("FLAG", "[1]"), ("FLAG", "0"), ("False", "None")])
def test_hyb010_relax_shapes_rename_keeps_outputs_and_retracing(value: str, flag: str) -> None:
    before = RELAX.format(value=value, flag=flag)
    after = _fixed(before, code="HYB010")
    assert "experimental_relax_shapes" not in after
    (out_a, traces_a), (out_b, traces_b) = _main(before), _main(after)
    assert _same(out_a, out_b) and traces_a == traces_b
    # The comparison can fail: a rewrite that lost the flag's truthiness would retrace per shape.
    wrong = before.replace(f"experimental_relax_shapes={value}", "reduce_retracing=False")
    relaxing = value == "True" or flag == "[1]"
    assert (_main(wrong)[1] != traces_a) == relaxing


COMPILE = """
import tensorflow as tf

@tf.function(experimental_compile={value})
def affine(x, w):
    return tf.nn.relu(tf.matmul(x, w) + 1.0)

def main():
    x = tf.reshape(tf.range(12, dtype=tf.float32), [3, 4]) / 10.0
    w = tf.reshape(tf.range(8, dtype=tf.float32), [4, 2]) - 3.0
    return affine(x, w).numpy(), bool(affine._jit_compile)
"""


@pytest.mark.parametrize("value", ["True", "False"])
def test_hyb011_experimental_compile_rename_keeps_outputs_and_xla(value: str) -> None:
    before = COMPILE.format(value=value)
    after = _fixed(before, code="HYB011")
    assert f"jit_compile={value}" in after
    (out_a, jit_a), (out_b, jit_b) = _main(before), _main(after)
    assert _same(out_a, out_b) and jit_a == jit_b == (value == "True")


EAGERLY = """
import tensorflow as tf

calls = []

@tf.function
def step(x):
    calls.append(1)  # runs on every call only when functions run eagerly
    return x + 1

def main():
    tf.config.experimental_run_functions_eagerly(True)
    try:
        outs = [step(tf.constant(i)).numpy() for i in range(3)]
        return outs, len(calls), tf.config.functions_run_eagerly()
    finally:
        tf.config.experimental_run_functions_eagerly(False)
"""


def test_hyb012_run_functions_eagerly_rename_keeps_eager_execution() -> None:
    after = _fixed(EAGERLY, code="HYB012")
    assert "experimental_run_functions_eagerly" not in after
    before_result, after_result = _main(EAGERLY), _main(after)
    assert _same(before_result, after_result)
    assert before_result[1:] == (3, True)  # the comparison is about eager execution: it did happen


HOIST = """
import tensorflow as tf

traces = []


def evaluate(batches):
    out = []
    for batch in batches:
        @tf.function
        def step(b):
            traces.append(1)
            return tf.reduce_mean(b * b)
        out.append(step(batch).numpy())
    return out


def main():
    batches = [tf.fill([4], float(i)) for i in range(4)]
    return evaluate(batches), len(traces)
"""


def test_hyb007_hoisting_keeps_outputs_and_traces_once() -> None:
    after = _fixed(HOIST, {FixSafety.GATED}, code="HYB007")
    (out_a, traces_a), (out_b, traces_b) = _main(HOIST), _main(after)
    assert _same(out_a, out_b)
    assert (traces_a, traces_b) == (4, 1)  # the point of the fix


ADD = """
import tensorflow as tf

def step(x, w):
    h = tf.matmul(x, w)
    return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

def main():
    w = tf.reshape(tf.range(16, dtype=tf.float32), (4, 4)) / 10.0
    outs = []
    for k in range(5):
        outs.append(step(tf.ones((4, 4)) * float(k), w).numpy())
    return outs
"""


def test_hyb021_adding_tf_function_keeps_outputs() -> None:
    after = _fixed(ADD, {FixSafety.GATED}, code="HYB021")
    assert "@tf.function\ndef step" in after
    assert _same(_main(ADD), _main(after))
    assert type(run_program(after).namespace["step"]).__name__ != "function"  # really hybrid now


REMOVE = """
import tensorflow as tf

@tf.function
def power(x, n):
    return tf.pow(x, n)

def main():
    outs = []
    for i in range(5):
        outs.append(power(tf.constant(2.0), i).numpy())
    return outs
"""

NESTED = """
import tensorflow as tf

@tf.function
def inner(x):
    return x * x + 1.0

@tf.function
def outer(x):
    return inner(x) - inner(x / 2.0)

def main():
    return outer(tf.constant([1.0, 2.0, 3.0])).numpy()
"""


@pytest.mark.parametrize("code, source", [("HYB022", REMOVE), ("HYB023", NESTED)])
def test_hyb022_hyb023_removing_the_decorator_keeps_outputs(code: str, source: str) -> None:
    after = _fixed(source, {FixSafety.GATED}, code=code)
    assert after.count("@tf.function") == source.count("@tf.function") - 1
    assert _same(_main(source), _main(after))


HOIST_ASSIGNMENT = """
import tensorflow as tf

def run(xs):
    out = []
    for x in xs:
        affine = tf.function(lambda v: v * 2.0 + 1.0)
        out.append(affine(x).numpy())
    return out

def main():
    return run([tf.constant([float(i), -float(i)]) for i in range(4)])
"""


def test_hyb007_hoisting_an_assignment_keeps_outputs() -> None:
    after = _fixed(HOIST_ASSIGNMENT, {FixSafety.GATED}, code="HYB007")
    assert after.index("affine = tf.function") < after.index("def run")
    assert _same(_main(HOIST_ASSIGNMENT), _main(after))
