"""Runtime checks of the claims behind HYB006 (varying Python scalars) and HYB008 (varying shapes).

The programs are the rules' own embedded examples, run as real modules (`run_program`), with trace
counts read from `experimental_get_tracing_count()`. The multi-file HYB006 example (a counter loop in
train.py calling a tf.function in model.py) is run as the two files joined into one module: the
import between them is the only thing dropped, and it does not change how the function traces.

What TF 2.21 really does (asserted below, and written into the rules' docs):
* Python ints from a loop: one trace per distinct value, also with `reduce_retracing=True`;
  `tf.constant(step)` or an `input_signature`: one trace.
* Varying shapes: one trace per shape; `reduce_retracing=True`: two traces (the second call
  generalizes the dimension to None); `input_signature` with None dimensions: one trace.
* `batch(n)` without `drop_remainder`: two traces in all, however many epochs (why HYB008 skips it).
"""
from __future__ import annotations

import re
import textwrap

import pytest

from hybridize_bot.analysis.rules import get_rule

from .tfrun import run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")


def _example(code: str, kind: str, index: int) -> str:
    rule = get_rule(code)
    assert rule is not None
    files = getattr(rule, kind)[index].files()
    if len(files) == 1:
        (source,) = files.values()
        return source.decode()
    # Multi-file example: one module, definitions first, project-internal imports removed.
    ordered = sorted(files.items(), key=lambda kv: ("train" in kv[0], kv[0]))
    text = "\n".join(data.decode() for _, data in ordered)
    return re.sub(r"^from (proj|pipe)\.\S+ import .*$", "", text, flags=re.M)


def _with_loop_bound(source: str, old: str, new: str) -> str:
    """Shrink an example's loop (10_000 iterations) to keep the test fast; the claim is per value."""
    assert old in source
    return source.replace(old, new)


# ---- HYB006 ----------------------------------------------------------------------------------------

def test_hyb006_loop_index_traces_once_per_value() -> None:
    source = _with_loop_bound(_example("HYB006", "invalid", 0), "range(10_000)", "range(12)")
    ns = run_program(source).namespace
    assert ns["decay"].experimental_get_tracing_count() == 12


def test_hyb006_tensor_argument_traces_once() -> None:
    source = _with_loop_bound(_example("HYB006", "valid", 2), "range(1000)", "range(12)")
    ns = run_program(source).namespace
    assert ns["decay"].experimental_get_tracing_count() == 1


def test_hyb006_input_signature_converts_python_ints() -> None:
    source = _with_loop_bound(_example("HYB006", "valid", 3), "range(1000)", "range(12)")
    ns = run_program(source).namespace
    assert ns["decay"].experimental_get_tracing_count() == 1


def test_hyb006_reduce_retracing_does_not_help_python_values() -> None:
    # The rule keeps reporting functions with reduce_retracing=True: Python values never generalize.
    source = _with_loop_bound(_example("HYB006", "invalid", 0), "range(10_000)", "range(6)")
    source = source.replace("@tf.function\n", "@tf.function(reduce_retracing=True)\n")
    assert "reduce_retracing=True" in source
    ns = run_program(source).namespace
    assert ns["decay"].experimental_get_tracing_count() == 6


def test_hyb006_counter_across_modules_traces_per_value() -> None:
    source = _example("HYB006", "invalid", 1) + textwrap.dedent("""
        fit([tf.ones([2]) for _ in range(7)])
    """)
    ns = run_program(source).namespace
    assert ns["train_step"].experimental_get_tracing_count() == 7


def test_hyb006_value_computed_from_epoch_traces_per_epoch() -> None:
    source = _example("HYB006", "invalid", 2) + textwrap.dedent("""
        trainer = Trainer()
        trainer.fit([tf.ones([2]), tf.ones([2])], epochs=5)
    """)
    ns = run_program(source).namespace
    # Two batches per epoch share the epoch's trace: one trace per distinct learning rate.
    assert ns["trainer"].step.experimental_get_tracing_count() == 5


def test_hyb006_literal_and_constant_hyperparameters_trace_once() -> None:
    ns = run_program(_example("HYB006", "valid", 0)).namespace
    assert ns["step_fn"].experimental_get_tracing_count() == 1
    ns = run_program(_example("HYB006", "valid", 1)).namespace
    assert ns["scale"].experimental_get_tracing_count() == 1


def test_hyb006_comparison_traces_at_most_twice() -> None:
    ns = run_program(_example("HYB006", "valid", 5)).namespace
    assert ns["step_fn"].experimental_get_tracing_count() == 2


# ---- HYB008 ----------------------------------------------------------------------------------------

def test_hyb008_differently_sized_constants_trace_per_shape() -> None:
    source = _with_loop_bound(_example("HYB008", "invalid", 1), "range(1, 100)", "range(1, 9)")
    ns = run_program(source).namespace
    assert ns["total"].experimental_get_tracing_count() == 8


def test_hyb008_reduce_retracing_generalizes_after_the_second_shape() -> None:
    source = _with_loop_bound(_example("HYB008", "valid", 1), "range(1, 100)", "range(1, 9)")
    ns = run_program(source).namespace
    # TF 2.21 traces for [1, 3], then for [2, 3] it traces a generalized [None, 3] and reuses it.
    assert ns["total"].experimental_get_tracing_count() == 2


def test_hyb008_input_signature_with_none_traces_once() -> None:
    source = _example("HYB008", "valid", 0) + textwrap.dedent("""
        run([[1] * n + [0] * (40 - n) for n in range(1, 40)])
        run(tf.ragged.constant([[1] * n for n in range(1, 200)]).to_tensor())
    """)
    ns = run_program(source).namespace
    assert ns["encode"].experimental_get_tracing_count() == 1


def test_hyb008_padded_batches_trace_per_batch_length() -> None:
    sequences = tf.ragged.constant([[1] * n for n in range(1, 33)])  # 4 batches of 8, longest 8/16/24/32
    source = _example("HYB008", "invalid", 0) + textwrap.dedent("""
        run(SEQUENCES)
    """)
    # Slices of a RaggedTensor arrive as RaggedTensorSpec values, which padded_batch rejects; an identity
    # map turns them into dense variable-length tensors (what a real pipeline's parsing map returns).
    source = source.replace("from_tensor_slices(sequences)", "from_tensor_slices(sequences).map(lambda r: r)")
    source = source.replace("padded_batch(32)", "padded_batch(8)")
    ns = run_program(source, SEQUENCES=sequences).namespace
    assert ns["encode"].experimental_get_tracing_count() == 4


def test_hyb008_generator_with_none_dimension_traces_per_length() -> None:
    source = _example("HYB008", "invalid", 2) + textwrap.dedent("""
        model = Model()
        model.fit()
    """)
    ns = run_program(source).namespace
    assert ns["model"].step.experimental_get_tracing_count() == 49


def test_hyb008_slices_with_loop_bound_trace_per_length() -> None:
    source = _example("HYB008", "invalid", 4) + "\nrun(tf.range(10))\n"
    ns = run_program(source).namespace
    assert ns["score"].experimental_get_tracing_count() == 9


def test_hyb008_partial_last_batch_costs_one_extra_trace_only() -> None:
    source = _with_loop_bound(_example("HYB008", "valid", 2), "range(10)", "range(3)")
    ns = run_program(source).namespace
    assert ns["train_step"].experimental_get_tracing_count() == 2


def test_hyb008_fixed_padded_shapes_trace_once_per_batch_size() -> None:
    ns = run_program(_example("HYB008", "valid", 3)).namespace
    # 1000 elements in batches of 32: 31 full batches and one of 8, all padded to length 8.
    assert ns["train_step"].experimental_get_tracing_count() == 2
