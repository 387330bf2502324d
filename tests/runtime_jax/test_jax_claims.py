"""The claims behind HYB101-HYB108, checked by running the rules' own examples under real JAX (CPU).

Versions the claims were checked on are recorded in docs/framework-facts.md.
"""
from __future__ import annotations

import contextlib
import io
import logging
from typing import Iterator

import pytest

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.fixes.engine import apply_fixes
from hybridize_bot.analysis.model import FixSafety
from hybridize_bot.analysis.rules.jax_arrays import JaxArrayItemAssignment
from hybridize_bot.analysis.rules.jax_recompilation import JitInLoop, VaryingStaticArgument
from hybridize_bot.analysis.rules.jax_side_effects import OuterStateInJit, PrintInJit, TracerLeak
from hybridize_bot.analysis.rules.jax_traced_values import NumpyOnTracer, PythonControlFlowOnTracer

from ..example_programs import example, run_example
from ..runtime.tfrun import run_program

pytestmark = pytest.mark.runtime_jax
jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")
errors = pytest.importorskip("jax.errors")


@contextlib.contextmanager
def count_compiles() -> Iterator[list[str]]:
    """Every XLA compilation JAX logs while the block runs (jax_log_compiles)."""
    seen: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "Compiling" in record.getMessage():
                seen.append(record.getMessage())

    logger = logging.getLogger("jax")
    handler, level = Handler(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    jax.config.update("jax_log_compiles", True)
    try:
        yield seen
    finally:
        jax.config.update("jax_log_compiles", False)
        logger.removeHandler(handler)
        logger.setLevel(level)


def calls_printing(fn, *args, times: int = 3) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for _ in range(times):
            jax.block_until_ready(fn(*args))
        jax.effects_barrier()
    return out.getvalue()


def test_hyb101_print_runs_once_per_trace_and_jax_debug_print_every_call() -> None:
    bad = run_example(PrintInJit.invalid, 'print("x =", x)')
    printed = calls_printing(bad["step"], jnp.ones(3))
    assert printed.count("x =") == 1 and "Tracer(" in printed  # once, and a tracer rather than a value
    good = run_example(PrintInJit.valid, "jax.debug.print")
    assert calls_printing(good["step"], jnp.ones(3)).count("x =") == 3


def test_hyb101_print_of_a_shape_shows_the_concrete_shape_and_a_value_shows_a_tracer() -> None:
    # Why HYB101 leaves output of static values alone: under jit a shape and len() are Python values.
    shape = run_example(PrintInJit.valid, 'print("x has shape", x.shape, "and", len(x), "rows")')
    printed = calls_printing(shape["step"], jnp.ones((3, 2)))
    assert printed == "x has shape (3, 2) and 3 rows\n"  # right, once per trace
    value = run_example(PrintInJit.invalid, 'print("x =", x)')
    printed = calls_printing(value["step"], jnp.ones(3))
    assert printed.startswith("x = ") and "Tracer(" in printed and "1." not in printed


def test_hyb101_flax_nnx_jit_prints_once_per_trace_too() -> None:
    nnx = pytest.importorskip("flax.nnx")
    model = nnx.Linear(3, 3, rngs=nnx.Rngs(0))
    bad = run_example(PrintInJit.invalid, 'print("loss", model(batch))')
    printed = calls_printing(bad["train_step"], model, None, jnp.ones((1, 3)))
    assert printed.count("loss") == 1 and "Tracer" in printed
    # The trace marker HYB101 leaves alone prints once per compilation, as its author wants.
    marker = run_example(PrintInJit.valid, "JITTING NNX")
    assert calls_printing(marker["train_step"], model, None, jnp.ones((1, 3))).count("JITTING NNX") == 1


def test_hyb102_outer_counter_changes_only_while_tracing() -> None:
    ns = run_example(OuterStateInJit.invalid, "global calls")
    for _ in range(3):
        ns["step"](1.0)
    assert ns["calls"] == 1


def test_hyb103_stored_tracer_raises_when_used() -> None:
    ns = run_example(TracerLeak.invalid, "last.append(y)")
    ns["step"](1.0)
    assert isinstance(ns["last"][0], jax.core.Tracer)
    with pytest.raises(errors.UnexpectedTracerError):
        jnp.add(ns["last"][0], 1)
    ok = run_example(TracerLeak.valid, "last.append(step(1.0))")
    assert float(ok["last"][0]) == 2.0


def test_hyb104_python_branch_on_tracer_raises_static_and_shape_do_not() -> None:
    relu = run_example(PythonControlFlowOnTracer.invalid, "if x > 0")["relu"]
    with pytest.raises(errors.TracerBoolConversionError):
        relu(1.0)
    fast = run_example(PythonControlFlowOnTracer.invalid, "int(n)")["fast"]
    with pytest.raises(errors.ConcretizationTypeError):
        fast(jnp.ones(2), 3)
    apply = run_example(PythonControlFlowOnTracer.valid, "static_argnames")["apply"]
    assert float(apply(2.0, True)) == 1.0
    pad = run_example(PythonControlFlowOnTracer.valid, "x.shape[0] < 8")["pad"]
    assert pad(jnp.ones(3)).tolist() == [2.0, 2.0, 2.0]
    f = run_example(PythonControlFlowOnTracer.valid, "mask is not None")["f"]
    assert f(jnp.ones(2)).tolist() == [1.0, 1.0]


def test_hyb105_item_assignment_raises_and_the_fix_works() -> None:
    ex = example(JaxArrayItemAssignment.invalid, "x[i] = 1.0")
    ns = run_example(JaxArrayItemAssignment.invalid, "x[i] = 1.0")
    with pytest.raises(TypeError, match="immutable"):
        ns["one_hot"](1, 3)
    fixed = apply_fixes(ex.files(), {FixSafety.SAFE})
    (new_source,) = fixed.changed.values()
    assert b"x = x.at[i].set(1.0)" in new_source
    assert run_program(new_source.decode()).namespace["one_hot"](1, 3).tolist() == [0.0, 1.0, 0.0]
    aug = example(JaxArrayItemAssignment.invalid, "g[:, 0] *= 3")
    (grid_source,) = apply_fixes(aug.files(), {FixSafety.SAFE}).changed.values()
    assert run_program(grid_source.decode()).namespace["grid"](2).tolist() == [[0.0, 0.0], [3.0, 1.0]]


def test_hyb106_jit_of_a_new_lambda_compiles_every_iteration_of_a_function_once() -> None:
    train = run_example(JitInLoop.invalid, "out.append(jax.jit(lambda v: v * scale)(x))")["train"]
    with count_compiles() as compiles:
        train([jnp.ones(3)] * 4, 2.0)
    assert len(compiles) == 4
    run = run_example(JitInLoop.valid, "jax.jit(double)")["run"]
    with count_compiles() as compiles:
        run([jnp.ones(3)] * 4)
    assert len(compiles) == 1  # one module-level function: one cache entry


def test_hyb107_static_loop_counter_compiles_per_value_traced_once() -> None:
    with count_compiles() as compiles:
        run_example(VaryingStaticArgument.invalid, "@partial(jax.jit, static_argnums=1)\ndef scale")
    assert len(compiles) == 10
    with count_compiles() as compiles:
        run_example(VaryingStaticArgument.valid, "@jax.jit\ndef scale")
    assert len(compiles) == 1


def test_hyb108_numpy_and_item_on_tracers_raise() -> None:
    energy = run_example(NumpyOnTracer.invalid, "np.exp(-x ** 2)")["energy"]
    with pytest.raises(errors.TracerArrayConversionError):
        energy(jnp.ones(3))
    delegated = run_example(NumpyOnTracer.valid, "np.sum(x ** 2) + np.max(x)")["energy"]
    assert float(delegated(jnp.ones(3))) == 4.0  # NumPy calls the array's own .sum()/.max()
    loss = run_example(NumpyOnTracer.invalid, "value.item()")["loss"]
    with pytest.raises(errors.ConcretizationTypeError):
        loss(jnp.ones(3))
    scale = run_example(NumpyOnTracer.valid, "np.prod(x.shape)")["scale"]
    assert abs(float(scale(jnp.ones(2))[0]) - 2 ** 0.5 / 2) < 1e-6


def test_hyb104_defaulted_argument_is_traced_when_a_call_passes_it() -> None:
    with pytest.raises(errors.TracerBoolConversionError):
        run_example(PythonControlFlowOnTracer.invalid, "y = shrink(jnp.ones(3), 2.0)")


def test_hyb104_a_tracer_compared_with_none_is_a_python_bool() -> None:
    sub = run_example(PythonControlFlowOnTracer.valid, "return add(left, right, -1)")["sub"]
    assert [float(v) for v in sub(jnp.ones(2), jnp.ones(2))] == [0.0, 0.0]


def test_hyb108_none_branch_is_traced_only_by_calls_that_leave_the_argument_none() -> None:
    """None is an empty pytree: under jax.jit an argument given None (or left at its default None) is None
    while tracing, so `if state is None:` is decided by the caller and the NumPy branch for eager calls is
    traced only by a jitted call without a state."""
    namespace = run_example(NumpyOnTracer.valid, "kernel = accumulate if state is None else accumulate_jit")
    run, accumulate_jit = namespace["run"], namespace["accumulate_jit"]
    assert [float(v) for v in run(jnp.ones(3), state=jnp.ones(3))] == [2.0, 2.0, 2.0]  # jitted, NumPy branch skipped
    assert [float(v) for v in run(jnp.ones(3))] == [1.0, 2.0, 3.0]  # eager: the NumPy branch on concrete values
    with pytest.raises(errors.TracerArrayConversionError):
        accumulate_jit(jnp.ones(3))
    with pytest.raises(errors.TracerArrayConversionError):
        accumulate_jit(jnp.ones(3), state=None)


def test_the_examples_run_here_are_the_ones_the_rules_report() -> None:
    """Guards the link between the runtime claims and the analysis: each invalid example run above is reported."""
    for rule, marker in ((PrintInJit, 'print("x =", x)'), (TracerLeak, "last.append(y)"),
                         (JaxArrayItemAssignment, "x[i] = 1.0"), (JitInLoop, "jax.jit(lambda v: v * scale)(x))")):
        findings = analyze_sources(example(rule.invalid, marker).files()).findings
        assert [f.code for f in findings if f.code == rule.code], rule.code
