"""TensorFlow claims behind the issue-11 recall changes, checked with the rules' own examples."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.rules.base import Example
from hybridize_bot.analysis.rules.variable_in_graph import VariableInGraph
from tests.runtime.tfrun import run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")


def _by_note(examples: tuple[Example, ...], note: str) -> Example:
    (found,) = [e for e in examples if note in e.note]
    return found


def test_variable_created_under_a_conditional_expression_guard_is_created_once() -> None:
    example = _by_note(VariableInGraph.valid, "conditional expression")
    counter = run_program(example.files()[example.path].decode()).namespace["Counter"]()
    assert float(counter(tf.constant(1.0))) == 1.0
    assert float(counter(tf.constant(2.0))) == 3.0  # the same variable: no "tf.function only supports
    assert len(counter.variables) == 1  # singleton tf.Variables created on the first call" error


def _sqrt_ops(concrete) -> int:
    return sum(op.type == "Sqrt" for op in concrete.graph.get_operations())


def test_range_over_a_python_int_parameter_unrolls_per_iteration() -> None:
    from hybridize_bot.analysis.rules.unrolled_loop import UnrolledLoop

    example = _by_note(UnrolledLoop.invalid, "every call site passes a Python int")
    repeat = run_program(example.files()[example.path].decode()).namespace["repeat"]
    spec = tf.TensorSpec([], tf.float32)
    assert _sqrt_ops(repeat.get_concrete_function(spec, 3)) == 3  # one copy of the body per iteration
    assert _sqrt_ops(repeat.get_concrete_function(spec, 5)) == 5
    # a tensor bound: one tf.while_loop, whose body (one Sqrt) lives in a function of its own
    assert _sqrt_ops(repeat.get_concrete_function(spec, tf.TensorSpec([], tf.int32))) == 0


def test_item_assignment_and_del_on_arguments_are_rejected() -> None:
    from hybridize_bot.analysis.rules.outer_mutation import OuterMutation

    example = _by_note(OuterMutation.invalid, "item assignment and del")
    f = run_program(example.files()[example.path].decode()).namespace["f"]
    with pytest.raises(ValueError, match="should not modify its Python input arguments"):
        f(tf.constant(1), [0, 1, 2, 3, 4], {"stale": 1})
    copy = _by_note(OuterMutation.valid, "a copy of the argument")
    g = run_program(copy.files()[copy.path].decode()).namespace["f"]
    items = [0, 1]
    g(tf.constant(1), items)
    assert items == [0, 1]


def test_multi_scale_inputs_trace_once_per_size() -> None:
    from hybridize_bot.analysis.rules.shape_varying_inputs import ShapeVaryingInputs

    example = _by_note(ShapeVaryingInputs.invalid, "multi-scale training")
    namespace = run_program(example.files()[example.path].decode()).namespace
    namespace["fit"]([tf.ones([2, 8, 8, 3])] * 4)
    assert namespace["train_step"].experimental_get_tracing_count() == 4  # sizes 320, 352, 384, 416


def test_next_on_an_iterator_kept_on_self_is_frozen_at_trace_time() -> None:
    from hybridize_bot.analysis.rules.python_iteration import PythonIteration

    example = _by_note(PythonIteration.invalid, "itertools iterator kept on self")
    schedule = run_program(example.files()[example.path].decode()).namespace["Schedule"]()
    first = float(schedule.step(tf.constant(1.0)))
    second = float(schedule.step(tf.constant(1.0)))
    assert first == second == pytest.approx(0.1)  # eagerly the second call would give 0.01


def test_name_assigned_only_when_the_optional_argument_is_none() -> None:
    from hybridize_bot.analysis.rules.autograph_undefined import AutographUndefined

    example = _by_note(AutographUndefined.invalid, "optional argument is None")
    f = run_program(example.files()[example.path].decode()).namespace["f"]
    assert float(tf.reduce_sum(f(tf.ones([2])))) == 2.0  # the default path traces fine
    with pytest.raises(UnboundLocalError, match="'weights' is used before assignment"):  # the other path
        f(tf.ones([2]), mask=tf.ones([2]))
