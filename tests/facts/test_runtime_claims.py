"""The TensorFlow behaviour the facts rely on, checked on the installed TensorFlow.

* tf.data callbacks are always traced, even with `run_functions_eagerly(True)`: they are hybrid roots.
* `tf.py_function` runs its callback eagerly on every call, even from a tf.function: not graph context.
* A tf.function called from another one is traced inline into the caller (HYB023: the inner decorator
  is redundant), and the inner Python body runs only when the outer one traces.
"""
from __future__ import annotations

import pytest

from tests.runtime.tfrun import run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")


def test_tfdata_map_callbacks_are_traced_even_when_functions_run_eagerly() -> None:
    ns = run_program("""
        import tensorflow as tf

        calls = []

        def parse(x):
            calls.append(1)          # Python: runs only while tracing
            return x * 2

        tf.config.run_functions_eagerly(True)
        try:
            out = [int(v) for v in tf.data.Dataset.range(5).map(parse)]
        finally:
            tf.config.run_functions_eagerly(False)
    """).namespace
    assert ns["out"] == [0, 2, 4, 6, 8]
    assert len(ns["calls"]) == 1, "the map callback ran as a traced graph, not once per element"


def test_py_function_callbacks_run_eagerly_on_every_call() -> None:
    ns = run_program("""
        import tensorflow as tf

        calls = []

        def log_it(x):
            calls.append(float(x.numpy()))   # .numpy() works: this is eager code
            return x

        @tf.function
        def step(x):
            return tf.py_function(log_it, [x], tf.float32)

        for v in (1.0, 2.0, 3.0):
            step(tf.constant(v))
    """).namespace
    assert ns["calls"] == [1.0, 2.0, 3.0]


_NESTED = """
    import tensorflow as tf

    inner_runs = []

    {decorator}
    def inner(x):
        inner_runs.append(1)
        return x * 2

    @tf.function
    def outer(x):
        return inner(x) + 1

    results = [float(outer(tf.constant(v))) for v in (1.0, 2.0, 3.0)]
    traces = outer.experimental_get_tracing_count()
"""


def test_a_nested_tf_function_decorator_changes_nothing_for_graph_callers() -> None:
    with_decorator = run_program(_NESTED.format(decorator="@tf.function")).namespace
    without = run_program(_NESTED.format(decorator="")).namespace
    assert with_decorator["results"] == without["results"] == [3.0, 5.0, 7.0]
    # inner's Python runs only when outer traces, decorated or not: the inner boundary adds nothing.
    assert len(with_decorator["inner_runs"]) == len(without["inner_runs"]) == 1
    assert with_decorator["traces"] == without["traces"] == 1
