"""HYB006 / HYB008 beyond their embedded examples: resolution paths, false-positive guards, fixes, text gate."""
from __future__ import annotations

import textwrap

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.config import config_from_table
from hybridize_bot.analysis.pipeline.checking import check_module
from hybridize_bot.analysis.model import FixSafety
from hybridize_bot.analysis.project import Project
from hybridize_bot.analysis.rules import get_rule
from hybridize_bot.analysis.rules._hybrid_call_sites import iter_loop_calls
from hybridize_bot.analysis.rules.base import ModuleContext
from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.source import parse
from hybridize_bot.analysis.summary import build_summary, module_name_for


def _findings(code: str, files: dict[str, str] | str, config: dict | None = None):
    if isinstance(files, str):
        files = {"example.py": files}
    sources = {p: textwrap.dedent(s).lstrip("\n").encode() for p, s in files.items()}
    result = analyze_sources(sources, config_from_table(config) if config else None)
    return [f for f in result.findings if f.code == code]


# ---- HYB006 ----------------------------------------------------------------------------------------

def test_while_loop_counter_is_reported() -> None:
    found = _findings("HYB006", """
        import tensorflow as tf

        @tf.function
        def f(x, i):
            return x + i

        i = 0
        while i < 10:
            f(tf.ones([2]), i)
            i = i + 1
    """)
    assert [(f.line, f.severity.value) for f in found] == [(9, "info")]
    assert "counter updated in the loop" in found[0].message


def test_tensor_times_loop_index_is_not_a_python_number() -> None:
    assert not _findings("HYB006", """
        import tensorflow as tf

        @tf.function
        def f(x):
            return x + 1

        def run(batches):
            for i in range(3):
                for x in batches:
                    f(x * i)
    """)


def test_method_through_local_instance_is_resolved() -> None:
    found = _findings("HYB006", """
        import tensorflow as tf

        class Model:
            @tf.function
            def step(self, x, k):
                return x * k

        def train(xs):
            model = Model()
            for k in range(5):
                model.step(xs, k)
    """)
    assert [f.line for f in found] == [11]
    assert "`k`" in found[0].message


def test_module_attribute_call_across_modules() -> None:
    found = _findings("HYB006", {
        "app/__init__.py": "",
        "app/ops.py": """
            import tensorflow as tf

            @tf.function
            def shift(x, by):
                return x + by
        """,
        "app/main.py": """
            import tensorflow as tf
            import app.ops as ops

            for epoch in range(3):
                ops.shift(tf.ones([2]), epoch * 2)
        """,
    })
    assert [(f.path, f.line) for f in found] == [("app/main.py", 5)]


def test_reduce_retracing_does_not_silence_hyb006() -> None:
    # Measured: Python values are never generalized (tests/runtime/test_retracing_claims.py).
    found = _findings("HYB006", """
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def f(x, n):
            return x * n

        for n in range(4):
            f(tf.ones([2]), n)
    """)
    assert len(found) == 1


def test_fix_wraps_the_argument_with_the_modules_tf_alias() -> None:
    (finding,) = _findings("HYB006", """
        import tensorflow as tfx

        @tfx.function
        def f(x, n):
            return x * n

        for n in range(4):
            f(tfx.ones([2]), n + 1)
    """)
    assert finding.fix is not None and finding.fix.safety.value == "suggestion"
    (edit,) = finding.fix.edits
    assert (edit.line, edit.col, edit.end_col, edit.text) == (8, 21, 26, "tfx.constant(n + 1)")


def test_control_flow_parameter_is_info_without_fix() -> None:
    (finding,) = _findings("HYB006", """
        import tensorflow as tf

        @tf.function
        def f(x, n):
            for _ in range(n):
                x = x * 2
            return x

        for n in range(4):
            f(tf.ones([2]), n)
    """)
    assert finding.severity.value == "info" and finding.fix is None


def test_parameter_fed_to_numpy_and_scipy_is_trace_time_arithmetic() -> None:
    # kgcnn's spherical harmonics (issue 10, corpusb): `l` sets Python-computed coefficients, so
    # `tf.constant(n)` would break the function; the finding is the by-design info note, with no fix.
    (finding,) = _findings("HYB006", """
        import numpy as np
        import scipy as sp
        import tensorflow as tf

        @tf.function
        def harmonics(theta, l=0):
            x = tf.cos(theta)
            prefactors = [float(sp.special.factorial(2 * l - 2 * k)) for k in range(0, int(np.floor(l / 2)) + 1)]
            out = tf.zeros_like(x)
            for p in prefactors:
                out = out + p * x
            return out * float(np.sqrt((2 * l + 1) / 4 / np.pi))

        cbf = [harmonics(tf.ones([3]), n) for n in range(7)]
    """)
    assert finding.severity.value == "info" and finding.fix is None
    assert "used only for Python control flow or shapes" in finding.message


def test_keras_train_step_is_not_a_call_target() -> None:
    assert not _findings("HYB006", """
        import tensorflow as tf

        class M(tf.keras.Model):
            def train_step(self, data):
                return {}

        def loop(m):
            for i in range(3):
                m.train_step(i)
    """)


def test_text_gate_skips_modules_that_never_name_a_hybrid_function() -> None:
    sources = {
        "a.py": b"import tensorflow as tf\n\n@tf.function\ndef step(x):\n    return x\n",
        "b.py": b"def other(xs):\n    for i in range(3):\n        print(i)\n",
    }
    summaries = []
    for path, data in sources.items():
        parsed = parse(path, data)
        summaries.append(build_summary(parsed, module_name_for(path)[0]))
    project = Project(summaries)
    ctx = ModuleContext(project, project.modules["b.py"], Config())
    assert list(iter_loop_calls(ctx)) == []
    other = project.modules["b.py"].top_functions["other"]
    assert id(other) not in project._bodies  # never walked
    rules = [get_rule("HYB006")(), get_rule("HYB008")()]
    assert check_module(project, project.modules["b.py"], Config(), rules, {"HYB006", "HYB008"}, None) == []


# ---- HYB008 ----------------------------------------------------------------------------------------

def test_subscripted_dataset_element_is_reported() -> None:
    found = _findings("HYB008", """
        import tensorflow as tf

        @tf.function
        def f(tokens):
            return tf.reduce_sum(tokens)

        def run(ds):
            ds = ds.padded_batch(8)
            for i, batch in enumerate(ds):
                f(batch["tokens"])
    """)
    assert [f.line for f in found] == [10]


def test_bucket_by_sequence_length_through_apply() -> None:
    found = _findings("HYB008", """
        import tensorflow as tf

        @tf.function
        def f(x):
            return tf.reduce_sum(x)

        def run(ds):
            ds = ds.apply(tf.data.experimental.bucket_by_sequence_length(len, [10, 20], [4, 4, 4]))
            for x in ds:
                f(x)
    """)
    assert [f.line for f in found] == [10]


def test_relax_shapes_true_silences_and_false_does_not() -> None:
    source = """
        import tensorflow as tf

        @tf.function(experimental_relax_shapes={flag})
        def f(x):
            return tf.reduce_sum(x)

        for n in range(1, 5):
            f(tf.zeros([n]))
    """
    assert not _findings("HYB008", source.format(flag="True"))
    assert len(_findings("HYB008", source.format(flag="False"))) == 1


def test_fix_adds_reduce_retracing_to_a_bare_decorator_in_the_same_file() -> None:
    source = """
        import tensorflow as tf

        @tf.function
        def f(x):
            return tf.reduce_sum(x)

        for n in range(1, 5):
            f(tf.range(n))
    """
    (finding,) = _findings("HYB008", source, config={"min-tensorflow-version": "2.16"})
    (edit,) = finding.fix.edits
    assert (edit.line, edit.text) == (3, "tf.function(reduce_retracing=True)")
    # No declared minimum TensorFlow (reduce_retracing needs 2.9): the signature the call site proves.
    (finding,) = _findings("HYB008", source)
    (edit,) = finding.fix.edits
    assert (edit.line, edit.text) == (3, "tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])")
    assert finding.fix.safety is FixSafety.GATED
    assert finding.fix.reason == (
        "every call of `f` is in this file and passes `x` as tensors whose rank and dtype its construction "
        "shows ([tf.TensorSpec([None], tf.int32)]); it reads no static shape and calls only TensorFlow")


def test_old_minimum_tensorflow_gets_input_signature_where_the_call_sites_prove_it() -> None:
    source = """
        import tensorflow as tf

        @tf.function
        def f(x):
            return tf.reduce_sum(x)

        for n in range(1, 5):
            f({arg})
    """
    (finding,) = _findings("HYB008", source.format(arg="tf.ones([n, 2])"), config={"min-tensorflow-version": "2.8"})
    assert finding.fix.safety is FixSafety.GATED
    assert finding.fix.edits[0].text == "tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32)])"
    # The rank of `tf.ones(shape)` is unknown when the shape is not a list literal: advice only.
    (finding,) = _findings("HYB008", source.format(arg="tf.ones(tf.stack([n, 2]))"),
                           config={"min-tensorflow-version": "2.8"})
    assert "input_signature" in finding.fix.description and not finding.fix.edits
    assert finding.fix.safety is FixSafety.SUGGESTION


def test_dataset_batch_without_drop_remainder_is_not_reported() -> None:
    assert not _findings("HYB008", """
        import tensorflow as tf

        @tf.function
        def f(x):
            return tf.reduce_sum(x)

        def run(ds):
            for x in ds.batch(64):
                f(x)
    """)


def test_tf_shape_is_a_dynamic_op_not_a_static_shape_read() -> None:
    source = """
        import tensorflow as tf

        @tf.function
        def f(x):
            return tf.reduce_sum(x) / tf.cast(tf.shape(x)[0], tf.float32){extra}

        for n in range(1, 5):
            f(tf.ones([n, 2]))
    """
    (finding,) = _findings("HYB008", source.format(extra=""), config={"min-tensorflow-version": "2.16"})
    assert finding.fix.safety is FixSafety.GATED
    (finding,) = _findings("HYB008", source.format(extra=" + x.shape[0]"), config={"min-tensorflow-version": "2.16"})
    assert finding.fix.safety is FixSafety.SUGGESTION and "reads `.shape` on line 5" in finding.fix.reason
