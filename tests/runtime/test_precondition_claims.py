"""The TensorFlow claims behind the issue-11 preconditions (docs/facts.md), on the installed TF (2.21).

HAS_TENSOR_PARAMETER_ITERATION: which iterations over a tensor parameter AutoGraph converts and which
raise once traced. HAS_INVALID_NAME_ARGUMENTS: a non-string `name` runs eagerly and raises traced.
Stale variable reads (Hybridize's HAS_STALE_VARIABLE_READS): no graph-only failure, so not adopted.
Programs run from real files (tfrun.run_program): AutoGraph needs the source.
"""
from __future__ import annotations

import pytest

from tests.runtime.tfrun import run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")

_FUNCTIONS = """
import tensorflow as tf


def plain_for(x):
    s = tf.constant(0.0)
    for v in x:
        s += v
    return s


def comprehension(x):
    return tf.add_n([v * 2.0 for v in x])


def generator(x):
    return sum(v for v in x)


def for_append(x):
    out = []
    for v in x:
        out.append(v * 2.0)
    return tf.stack(out)


def for_enumerate(x):
    s = tf.constant(0.0)
    for i, v in enumerate(x):
        s += v
    return s


def for_zip(x):
    s = tf.constant(0.0)
    for a, b in zip(x, x):
        s += a * b
    return s


def range_append(x):
    out = []
    for i in tf.range(3):
        out.append(x[i])
    return tf.reduce_sum(x)


def dtype_name(x):
    return tf.sqrt(x, tf.float32)


def number_name(x):
    return tf.add(x, x, 3)


def keyword_number_name(x):
    return tf.sqrt(x, name=3)


def string_name(x):
    return tf.sqrt(x, "root")
"""


def _outcome(fn, x) -> str:  # noqa: ANN001
    try:
        fn(x)
    except Exception as exc:  # noqa: BLE001 - the exception type is what is observed
        return type(exc).__name__
    return "ok"


@pytest.mark.parametrize(("name", "traced"), [
    ("plain_for", "ok"),
    ("comprehension", "OperatorNotAllowedInGraphError"),
    ("generator", "OperatorNotAllowedInGraphError"),
    ("for_append", "InaccessibleTensorError"),
    ("for_enumerate", "OperatorNotAllowedInGraphError"),
    ("for_zip", "OperatorNotAllowedInGraphError"),
    ("range_append", "ok"),
    ("dtype_name", "TypeError"),
    ("number_name", "TypeError"),
    ("keyword_number_name", "TypeError"),
    ("string_name", "ok"),
])
def test_eager_runs_and_tracing_gives(name: str, traced: str) -> None:
    functions = run_program(_FUNCTIONS).namespace
    x = tf.constant([1.0, 2.0, 3.0])
    assert _outcome(functions[name], x) == "ok"
    assert _outcome(tf.function(functions[name]), x) == traced


_STALE = """
import tensorflow as tf


class Model(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


def manual_step(model, x):
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    grads = tape.gradient(loss, variables)
    for g, v in zip(grads, variables):
        v.assign_sub(0.1 * g)
    return len(variables)


def optimizer_step(model, optimizer, x):
    variables = model.trainable_variables
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(x))
    optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return loss
"""


def test_stale_variable_reads_fail_eagerly_too() -> None:
    ns = run_program(_STALE).namespace
    x = tf.ones((4, 3))
    for step in (ns["optimizer_step"], tf.function(ns["optimizer_step"])):
        with pytest.raises(ValueError):
            step(ns["Model"](), tf.keras.optimizers.SGD(0.1), x)


def test_stale_variable_reads_see_the_variables_sooner_traced() -> None:
    ns = run_program(_STALE).namespace
    x = tf.ones((4, 3))
    seen = {}
    for label, step in (("eager", ns["manual_step"]), ("traced", tf.function(ns["manual_step"]))):
        model = ns["Model"]()
        seen[label] = [int(step(model, x)) for _ in range(3)]
    # Eagerly the first call reads an empty list; traced, TensorFlow traces again after the first trace
    # created the variables, so every call updates them: no graph-only failure.
    assert seen == {"eager": [0, 2, 2], "traced": [2, 2, 2]}
