"""HYB011: the deprecated `experimental_compile=` keyword of tf.function."""
from __future__ import annotations

from typing import Iterable

from ..model import Finding, FixSafety, Severity
from ..tfversion import JIT_COMPILE_SINCE  # evidence for the version: analysis/tfversion.py
from ._version_gate import version_gated_fix
from .base import Invalid, ModuleContext, Rule, Valid
from .deprecated_relax_shapes import tf_function_keywords



class DeprecatedExperimentalCompile(Rule):
    code = "HYB011"
    name = "deprecated-experimental-compile"
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    summary = "`experimental_compile` is deprecated; `jit_compile` does the same."
    what = """
        Finds `experimental_compile=...` passed to `tf.function`, as a decorator argument or in a
        `tf.function(f, ...)` call, or through `functools.partial(tf.function, ...)` (which forwards it unchanged).
    """
    why = """
        TensorFlow marks the keyword deprecated ("experimental_compile is deprecated, use jit_compile
        instead", logged when the function is defined before eager execution starts or in graph mode) and
        resolves it with `deprecated_argument_lookup("jit_compile", jit_compile, "experimental_compile",
        experimental_compile)`: the value is passed through unchanged, so `jit_compile` behaves the same,
        and the old name will be removed in a future version.
    """
    example = """
        import tensorflow as tf

        @tf.function(experimental_compile=True)
        def dense(x, w):
            return tf.matmul(x, w)
    """
    use_instead = """
        import tensorflow as tf

        @tf.function(jit_compile=True)
        def dense(x, w):
            return tf.matmul(x, w)
    """
    fix_doc = """
        Safe when the project's minimum TensorFlow version is 2.5 or later (where `jit_compile` exists):
        the keyword is renamed and its value kept. Without a declared minimum version, below 2.5, or when
        `jit_compile` is passed as well (TensorFlow raises if both are given), it is a suggestion.
    """
    references = (
        "https://www.tensorflow.org/api_docs/python/tf/function",
        "https://github.com/tensorflow/tensorflow/releases/tag/v2.5.0",
        "https://github.com/tensorflow/tensorflow/blob/v2.21.0/tensorflow/python/eager/polymorphic_function/polymorphic_function.py",
        "https://github.com/jax-ml/jax/pull/6391",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function(jit_compile=True)
            def dense(x, w):
                return tf.matmul(x, w)
        """, note="the new keyword"),
        Valid("""
            import keras

            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(optimizer="sgd", loss="mse", jit_compile=True)
        """, note="Keras' own jit_compile, not tf.function"),
        Valid("""
            import tensorflow as tf

            def compile_model(model, experimental_compile=False):
                return model

            compile_model(None, experimental_compile=True)
        """, note="the keyword on a project function"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function(experimental_compile=True)
            def dense(x, w):
                return tf.matmul(x, w)
        """, lines=(3,)),
        Invalid("""
            import tensorflow as tf

            def dense(x, w):
                return tf.matmul(x, w)

            fast_dense = tf.function(dense, experimental_compile=True)
        """, lines=(6,), config={"min-tensorflow-version": "2.5"}, note="safe fix: minimum TF 2.5"),
        Invalid("""
            import tensorflow as tf

            def make(step, xla):
                return tf.function(step,
                                   jit_compile=xla,
                                   experimental_compile=xla)
        """, lines=(6,), note="both keywords: suggestion only"),
        Invalid("""
            import functools
            import tensorflow as tf

            graph_fn = functools.partial(tf.function, experimental_compile=True)

            @graph_fn
            def step(x):
                return x + 1
        """, lines=(4,), note="a decorator made with functools.partial forwards the keyword to tf.function"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for kw, keywords, enclosing in tf_function_keywords(ctx, "experimental_compile"):
            both = "jit_compile" in keywords
            fix = version_gated_fix(
                "rename `experimental_compile=` to `jit_compile=` (same value)", ctx.min_tf_version,
                JIT_COMPILE_SINCE, "`jit_compile`",
                blocked="`jit_compile` is passed too; TensorFlow rejects both, keep one by hand" if both else None,
            )
            message = "`experimental_compile` is deprecated since TensorFlow 2.5; use `jit_compile`"
            yield ctx.report(self, kw, message, fn=enclosing, fix=fix)
