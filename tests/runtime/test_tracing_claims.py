"""Runtime checks of the claims behind HYB007, HYB009, HYB015, HYB017 and HYB018 on real TensorFlow.

Each test runs the rule's own embedded examples (exec'd as modules) and observes the hazard: trace
counts via `experimental_get_tracing_count()`, graph sizes, and the errors tracing raises.
"""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.rules import get_rule

from .tfrun import run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")


def _example(code: str, kind: str, index: int) -> str:
    rule = get_rule(code)
    assert rule is not None
    example = getattr(rule, kind)[index]
    (source,) = example.files().values()
    return source.decode()


# ---- HYB007: a tf.function re-created per iteration traces every time ------------------------------

def test_hyb007_function_created_in_loop_traces_every_iteration() -> None:
    ns = run_program(_example("HYB007", "invalid", 0)).namespace
    traces = []
    original = tf.function

    def counting_function(*args, **kwargs):
        fn = original(*args, **kwargs)
        traces.append(fn)
        return fn

    ns["tf"] = type("tfproxy", (), {"function": staticmethod(counting_function)})
    ns["run"]([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)])
    # Three distinct Function objects, each traced once: nothing is reused across iterations.
    assert len(traces) == 3
    assert [f.experimental_get_tracing_count() for f in traces] == [1, 1, 1]


def test_hyb007_hoisted_function_traces_once() -> None:
    ns = run_program(_example("HYB007", "valid", 0)).namespace
    ns["run"]([tf.constant(1.0), tf.constant(2.0), tf.constant(3.0)])
    assert ns["fast"].experimental_get_tracing_count() == 1


# ---- HYB009: input_signature mismatches -------------------------------------------------------------

@pytest.mark.parametrize("index", [0, 1])
def test_hyb009_signature_with_wrong_number_of_specs_raises(index: int) -> None:
    with pytest.raises(TypeError):
        ns = run_program(_example("HYB009", "invalid", index)).namespace
        # For invalid[1] the error may surface at the first call.
        fn = next(v for k, v in ns.items() if k in ("predict", "f"))
        fn(tf.ones([2]))


def test_hyb009_parameter_outside_signature_is_frozen_to_its_default() -> None:
    ns = run_program(_example("HYB009", "invalid", 2)).namespace
    assert ns["scale"](tf.ones([2])).numpy().tolist() == [2.0, 2.0]
    with pytest.raises(TypeError):
        ns["scale"](tf.ones([2]), 3.0)


def test_hyb009_fixed_batch_and_kwargs_reject_other_calls() -> None:
    ns = run_program(_example("HYB009", "invalid", 3)).namespace
    ns["logits"](tf.ones([32, 10]))
    with pytest.raises(TypeError):
        ns["logits"](tf.ones([16, 10]))
    with pytest.raises(TypeError):
        ns["logits"](tf.ones([32, 10]), temperature=2.0)


def test_hyb009_valid_signature_accepts_any_batch() -> None:
    ns = run_program(_example("HYB009", "valid", 0)).namespace
    assert ns["f"](tf.ones([5, 3])).shape == (5, 3)
    assert ns["f"](tf.ones([7, 3])).shape == (7, 3)
    assert ns["f"].experimental_get_tracing_count() == 1


# ---- HYB015: comprehensions over tensors and Python iterators ---------------------------------------

def test_hyb015_comprehension_over_tensor_fails_to_trace() -> None:
    ns = run_program(_example("HYB015", "invalid", 0)).namespace
    with pytest.raises(Exception, match="(?i)iterat"):
        ns["row_norms"](tf.ones([3, 4]))


def test_hyb015_for_statement_over_tensor_is_converted() -> None:
    ns = run_program(_example("HYB015", "valid", 0)).namespace
    assert float(ns["total"](tf.ones([3, 4]))) == 12.0


def test_hyb015_python_iterator_is_frozen_at_trace_time() -> None:
    ns = run_program(_example("HYB015", "invalid", 1)).namespace
    x = tf.constant(1.0)
    values = [float(ns["step"](x)) for _ in range(3)]
    # Eagerly the schedule would give 0.1, 0.01, 0.001; the graph replays the traced value.
    assert values == pytest.approx([0.1, 0.1, 0.1])


def test_hyb015_tf_data_iterator_advances_in_the_graph() -> None:
    ns = run_program(_example("HYB015", "valid", 1)).namespace
    fn, it = ns["train_step"], ns["iterator"]
    assert [int(fn(it)) for _ in range(3)] == [5, 9, 13]  # batches [2,3], [4,5], [6,7] after [0,1]


# ---- HYB017: Python loops unroll ----------------------------------------------------------------------

def _op_count(fn, *args) -> int:
    return len(fn.get_concrete_function(*args).graph.get_operations())


def test_hyb017_python_range_unrolls_and_tf_range_does_not() -> None:
    unrolled = run_program(_example("HYB017", "invalid", 0)).namespace["smooth"]
    converted = run_program(_example("HYB017", "valid", 0)).namespace["smooth"]
    x = tf.ones([4])
    big, small = _op_count(unrolled, x), _op_count(converted, x)
    assert big > 1000 * 3  # at least three ops per copied iteration
    assert small < 100
    assert abs(float(tf.reduce_sum(unrolled(x) - converted(x)))) < 1e-4  # same result, different graph


# ---- HYB018: AutoGraph undefined values -----------------------------------------------------------------

@pytest.mark.parametrize("index,fn_name,arg", [
    (0, "clip_grad", [3.0, 4.0]), (1, "pick", 1.0), (2, "f", 1.0), (3, "average", 3),
])
def test_hyb018_invalid_examples_fail_under_tracing_but_run_eagerly(index: int, fn_name: str, arg) -> None:
    source = _example("HYB018", "invalid", index)
    fn = run_program(source).namespace[fn_name]
    with pytest.raises((ValueError, TypeError)):
        fn(tf.constant(arg))
    # The same Python code runs eagerly (as a plain function): the hazard is hybridization itself.
    eager = run_program(source.replace("@tf.function", "")).namespace[fn_name]
    eager(tf.constant(arg))


@pytest.mark.parametrize("index,fn_name,arg", [(0, "f", 1.0), (1, "f", 1.0), (4, "f", 3)])
def test_hyb018_valid_examples_trace(index: int, fn_name: str, arg) -> None:
    fn = run_program(_example("HYB018", "valid", index)).namespace[fn_name]
    fn(tf.constant(arg))


# ---- HYB005: rebound globals and attributes are stale in the graph ------------------------------------

def test_hyb005_rebound_global_is_ignored_by_the_graph() -> None:
    ns = run_program(_example("HYB005", "invalid", 0)).namespace
    w, g = tf.constant(1.0), tf.constant(1.0)
    assert float(ns["update"](w, g)) == pytest.approx(0.9)
    ns["decay"]()
    assert ns["learning_rate"] == pytest.approx(0.05)
    assert float(ns["update"](w, g)) == pytest.approx(0.9)  # still the traced 0.1, not 0.05


def test_hyb005_attribute_change_is_ignored_by_the_graph() -> None:
    ns = run_program(_example("HYB005", "invalid", 2)).namespace
    annealer = ns["Annealer"]()
    logits = tf.constant([1.0])
    first = float(annealer(logits)[0])
    annealer.cool()
    assert float(annealer(logits)[0]) == pytest.approx(first)  # cooled temperature not seen


def test_hyb005_variable_is_read_on_every_call() -> None:
    ns = run_program(_example("HYB005", "valid", 1)).namespace
    x = tf.constant(2.0)
    assert float(ns["apply"](x)) == pytest.approx(2.0)
    ns["anneal"]()
    assert float(ns["apply"](x)) == pytest.approx(1.0)
