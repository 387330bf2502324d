"""Fix safety, severities and messages of HYB010-HYB020 beyond what the embedded examples check."""
from __future__ import annotations

import textwrap

import pytest

from hybridize_bot.analysis import FixSafety, Severity, analyze_sources
from hybridize_bot.analysis.config import config_from_table


def _findings(code: str, source: str | dict[str, str], min_tf: str | None = None, path: str = "app.py"):
    files = {path: source} if isinstance(source, str) else source
    data = {p: textwrap.dedent(s).lstrip("\n").encode() for p, s in files.items()}
    config = config_from_table({"min-tensorflow-version": min_tf}) if min_tf else None
    return [f for f in analyze_sources(data, config).findings if f.code == code]


RELAX = """
import tensorflow as tf

@tf.function(experimental_relax_shapes={value})
def f(x):
    return x
"""


@pytest.mark.parametrize("min_tf,safety,reason", [
    (None, FixSafety.SUGGESTION, "minimum TensorFlow version unknown"),
    ("2.8", FixSafety.SUGGESTION, "declared minimum 2.8 is below 2.9"),
    ("2.9", FixSafety.SAFE, "2.9"),
    ("2.15.1", FixSafety.SAFE, "2.15.1"),
])
def test_relax_shapes_fix_is_gated_on_version(min_tf, safety, reason) -> None:
    (finding,) = _findings("HYB010", RELAX.format(value="True"), min_tf)
    assert finding.fix is not None and finding.fix.safety is safety
    assert reason in finding.fix.reason
    assert finding.line == 3 and "reduce_retracing" in finding.message


@pytest.mark.parametrize("value,words", [
    ("True", "rename"), ("False", "remove"), ("flags.relax", "bool(X)"),
])
def test_relax_shapes_fix_describes_the_value(value, words) -> None:
    (finding,) = _findings("HYB010", RELAX.format(value=value), "2.12")
    assert words in finding.fix.description


def test_relax_shapes_with_both_keywords_is_a_suggestion_even_on_new_tf() -> None:
    src = RELAX.format(value="True, reduce_retracing=False")
    (finding,) = _findings("HYB010", src, "2.12")
    assert finding.fix.safety is FixSafety.SUGGESTION and "reduce_retracing" in finding.fix.reason


@pytest.mark.parametrize("min_tf,extra,safety", [
    ("2.4", "", FixSafety.SUGGESTION),
    ("2.5", "", FixSafety.SAFE),
    ("2.12", ", jit_compile=True", FixSafety.SUGGESTION),
])
def test_experimental_compile_fix(min_tf, extra, safety) -> None:
    src = f"""
    import tensorflow as tf

    def f(x):
        return x

    g = tf.function(f, experimental_compile=True{extra})
    """
    (finding,) = _findings("HYB011", src, min_tf)
    assert finding.fix.safety is safety and finding.line == 6


def test_run_functions_eagerly_left_on_is_a_suggestion_and_only_a_committed_guard_is_reported() -> None:
    src = """
    import os
    import tensorflow as tf

    DEBUG = False

    tf.config.run_functions_eagerly(True)
    if DEBUG:
        tf.config.run_functions_eagerly(True)
    if os.environ.get("DEBUG"):
        tf.config.run_functions_eagerly(True)
    """
    # A module constant can be committed on (info); the environment is the runner's choice (issue 10
    # P30-corpusb): not reported.
    # HYB012 is info since the precision study (issue 10 severity policy: 50% on real code).
    plain, guarded = _findings("HYB012", src, "2.12")
    assert plain.severity is Severity.INFO and plain.fix.safety is FixSafety.SUGGESTION and plain.line == 6
    assert guarded.severity is Severity.INFO and guarded.line == 8


@pytest.mark.parametrize("min_tf,safety", [(None, FixSafety.SUGGESTION), ("2.2", FixSafety.SUGGESTION),
                                          ("2.3", FixSafety.SAFE)])
def test_experimental_run_functions_eagerly_rename_is_gated(min_tf, safety) -> None:
    src = """
    import tensorflow as tf

    tf.config.experimental_run_functions_eagerly(False)
    """
    (finding,) = _findings("HYB012", src, min_tf)
    assert finding.fix.safety is safety and "deprecated" in finding.message


@pytest.mark.parametrize("path", ["tests/helpers.py", "pkg/test/util.py", "test_train.py", "train_test.py",
                                  "conftest.py"])
def test_run_functions_eagerly_ignores_test_code(path) -> None:
    src = """
    import tensorflow as tf

    tf.config.experimental_run_functions_eagerly(True)
    """
    assert _findings("HYB012", src, path=path) == []


def test_run_functions_eagerly_in_except_handler_with_finally_is_fine() -> None:
    src = """
    import tensorflow as tf

    def retry(step, x):
        try:
            return step(x)
        except RuntimeError:
            tf.config.run_functions_eagerly(True)
            return step(x)
        finally:
            tf.config.run_functions_eagerly(False)
    """
    assert _findings("HYB012", src) == []


def test_eager_only_numpy_is_not_reported_after_a_graph_exit_guard() -> None:
    src = """
    import tensorflow as tf

    @tf.function
    def f(x):
        if not tf.executing_eagerly():
            return x
        return x.numpy()
    """
    assert _findings("HYB013", src) == []


def test_eager_only_messages_do_not_promise_an_exception_type() -> None:
    src = """
    import numpy as np
    import tensorflow as tf

    @tf.function
    def f(x, model):
        model.fit(x)
        return np.sum(x) + x.numpy()
    """
    findings = _findings("HYB013", src)
    assert len(findings) == 3
    for f in findings:
        assert "Error" not in f.message


def test_tensor_as_bool_ignores_python_parameters_and_is_none() -> None:
    src = """
    import tensorflow as tf

    @tf.function(autograph=False)
    def f(x, training: bool, mask=None, depth=2):
        if training and mask is None and depth > 1:
            return x
        return -x
    """
    assert _findings("HYB016", src) == []


def test_tensor_as_bool_follows_assignments_from_tf_ops() -> None:
    src = """
    import tensorflow as tf

    @tf.function(autograph=False)
    def f(x, limit: int):
        total = tf.reduce_sum(x)
        doubled = total * 2
        if doubled > limit:
            return x
        return -x
    """
    (finding,) = _findings("HYB016", src)
    assert finding.line == 7 and "AutoGraph" in finding.message


def test_try_except_message_and_snippet_name_the_handler() -> None:
    src = """
    import tensorflow as tf

    @tf.function
    def f(x, i):
        try:
            return tf.gather(x, i)
        except tf.errors.InvalidArgumentError:
            return x
    """
    (finding,) = _findings("HYB019", src)
    assert finding.snippet == "except tf.errors.InvalidArgumentError:"


def test_recursion_reports_each_cycle_and_shows_the_path() -> None:
    src = """
    import tensorflow as tf

    @tf.function
    def a(n):
        return b(n)

    def b(n):
        return c(n)

    def c(n):
        return a(n - 1)
    """
    (finding,) = _findings("HYB020", src)
    assert finding.line == 5 and "a -> b -> c -> a" in finding.message
    assert finding.severity is Severity.ERROR
