"""HYB014: `if tf.executing_eagerly():` inside graph code."""
from __future__ import annotations

import ast
from typing import Iterable

from ..model import Finding, FixSafety, Severity
from ._eager_guards import in_init_scope, is_executing_eagerly_call
from .base import Invalid, ModuleContext, Rule, Valid, via_text


class ExecutingEagerlyBranch(Rule):
    code = "HYB014"
    name = "executing-eagerly-branch"
    severity = Severity.INFO
    fix_safety = FixSafety.NONE
    summary = "Inside a tf.function `tf.executing_eagerly()` is False, so the eager branch never runs."
    what = """
        Finds `if`/`while` statements and conditional expressions in graph code (a `tf.function`, a Keras
        train step, or a project function they call) whose condition calls `tf.executing_eagerly()`,
        except under `with tf.init_scope():`, where the call really can return True.
    """
    why = """
        While TensorFlow traces a function, `tf.executing_eagerly()` returns False (unless
        `tf.config.run_functions_eagerly(True)` is set, or the call is inside `tf.init_scope()`). The
        eager branch is therefore dead code in the traced graph, which is often not what the author
        expected: a helper written for both modes silently takes its graph path. Deliberate dual-mode
        code is common, so this is informational.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def step(x):
            if tf.executing_eagerly():
                print("value:", x.numpy())
            return x * 2
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def step(x):
            tf.print("value:", x)
            return x * 2
    """
    fix_doc = "No automatic fix: whether the eager branch is meant to be dead in graphs is a design decision."
    references = (
        "https://www.tensorflow.org/api_docs/python/tf/executing_eagerly",
        "https://www.tensorflow.org/api_docs/python/tf/init_scope",
        "https://www.tensorflow.org/guide/function",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            def summarize(x):
                if tf.executing_eagerly():
                    return x.numpy()
                return x
        """, note="not graph code"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(x):
                with tf.init_scope():
                    if tf.executing_eagerly():
                        pass
                return x
        """, note="init_scope lifts the check out of the graph"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(x):
                if tf.executing_eagerly_outside_functions():
                    return x * 2
                return x
        """, note="executing_eagerly_outside_functions is the graph-safe query"),
        Valid("""
            import tensorflow as tf

            def executing_eagerly():
                return True

            @tf.function
            def step(x):
                if executing_eagerly():
                    return x * 2
                return x
        """, note="a project function of the same name"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def step(x):
                if tf.executing_eagerly():
                    return x * 3
                return x * 2
        """, lines=(5,)),
        Invalid("""
            import tensorflow as tf

            def describe(x):
                return x.numpy() if tf.executing_eagerly() else x

            @tf.function
            def step(x):
                return describe(x)
        """, lines=(4,), note="a callee, in a conditional expression"),
        Invalid("""
            import tensorflow as tf
            from tensorflow.python.eager import context

            class Model(tf.keras.Model):
                def train_step(self, data):
                    if not context.executing_eagerly() and data is not None:
                        return {}
                    return {"loss": 0.0}
        """, lines=(6,), note="negated, via the internal context module, in a Keras train_step"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            for stmt in body.of_type(ast.If, ast.While, ast.IfExp):
                for node in ast.walk(stmt.test):
                    if is_executing_eagerly_call(ctx, node) and not in_init_scope(ctx, body, stmt):
                        message = (
                            "`tf.executing_eagerly()` is False while a tf.function is traced, so this "
                            "condition always takes its graph branch" + via_text(gf)
                        )
                        yield ctx.report(self, node, message, fn=gf)
                        break
