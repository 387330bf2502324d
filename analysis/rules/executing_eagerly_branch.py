"""HYB014: `if tf.executing_eagerly():` inside graph code."""
from __future__ import annotations

import ast
from typing import Iterable

from ..model import Finding, FixSafety, Severity
from ._eager_guards import eager_test_polarity, in_init_scope, is_executing_eagerly_call
from .base import Invalid, ModuleContext, Rule, Valid, via_text


class ExecutingEagerlyBranch(Rule):
    code = "HYB014"
    name = "executing-eagerly-branch"
    severity = Severity.INFO
    fix_safety = FixSafety.NONE
    summary = "Inside a tf.function `tf.executing_eagerly()` is False, so the eager branch never runs."
    what = """
        Finds `if tf.executing_eagerly():` statements in graph code (a `tf.function`, a Keras train step,
        or a project function they call) whose eager branch has no graph counterpart: no `else`, and the
        branch does not end in `return`/`raise` (after which the following code is the graph path). The
        work in such a branch is silently skipped in every graph. Deliberate dual-mode code, which
        handles both modes (an `else`, an early return, a conditional expression, a
        `not tf.executing_eagerly()` branch for graph-only work), is not reported; nor is anything under
        `with tf.init_scope():`, where the call really can return True.

        Recall note: until issue 10 every such condition was reported; on real code bases all 12 sampled
        findings were deliberate dual-mode code, so only one-sided eager branches are reported now.
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
        Valid("""
            import tensorflow as tf

            def describe(x):
                return x.numpy() if tf.executing_eagerly() else x

            @tf.function
            def step(x):
                if tf.executing_eagerly():
                    return x * 3
                if not tf.executing_eagerly():
                    tf.print("graph mode")
                if tf.executing_eagerly():
                    y = x.numpy()
                else:
                    y = x
                return describe(y) * 2
        """, note="deliberate dual-mode code: both modes handled (early return, else, conditional "
                  "expression, graph-only branch)"),
        Valid("""
            import tensorflow as tf

            def scope_name(name):
                if tf.executing_eagerly():
                    with tf.name_scope(name) as scope:
                        return scope
                return tf.compat.v1.get_default_graph().unique_name(name)

            @tf.function
            def crf(inputs, mask):
                first_mask = mask[:, 0]
                if first_mask is not None and tf.executing_eagerly():
                    left_padding = not tf.math.reduce_all(first_mask)
                    if left_padding:
                        raise NotImplementedError("left padding is not supported")
                with tf.name_scope(scope_name("crf")):
                    return inputs * 2
        """, note="an early return inside `with`, and an eager-only validation that graph mode skips on purpose"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            class Trainer(tf.Module):
                @tf.function
                def step(self, x):
                    if tf.executing_eagerly():
                        self.history.append(float(x))
                    return x * 2
        """, lines=(6,), note="the bookkeeping never happens in a graph"),
        Invalid("""
            import tensorflow as tf

            def check_finite(x):
                if tf.executing_eagerly() and x.dtype.is_floating:
                    tf.debugging.assert_all_finite(x, "x")
                return x

            @tf.function
            def step(x):
                return check_finite(x) * 2
        """, lines=(4,), note="a callee: the check is skipped whenever it runs in a graph"),
        Invalid("""
            import tensorflow as tf
            from tensorflow.python.eager import context

            class Model(tf.keras.Model):
                def train_step(self, data):
                    if context.executing_eagerly():
                        self.seen_batches += 1
                    return {"loss": 0.0}
        """, lines=(6,), note="via the internal context module, in a Keras train_step"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            for stmt in body.of_type(ast.If):
                if stmt.orelse or _exits(stmt.body) or _validation_only(stmt.body) \
                        or eager_test_polarity(ctx, stmt.test) is not True:
                    continue  # both modes handled (else, early return), or the branch is graph-only work
                if in_init_scope(ctx, body, stmt):
                    continue
                node = next(n for n in ast.walk(stmt.test) if is_executing_eagerly_call(ctx, n))
                message = (
                    "`tf.executing_eagerly()` is False while a tf.function is traced, and this eager-only "
                    "branch has no graph counterpart: its work is skipped in every graph" + via_text(gf)
                )
                yield ctx.report(self, node, message, fn=gf)


def _exits(stmts: list[ast.stmt]) -> bool:
    """The block ends in return/raise/continue/break (also inside a final `with` or if/else)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _exits(last.body)
    if isinstance(last, ast.If):
        return _exits(last.body) and _exits(last.orelse)
    return isinstance(last, (ast.Return, ast.Raise, ast.Continue, ast.Break))


def _validation_only(stmts: list[ast.stmt]) -> bool:
    """A branch that only checks values and raises (`if left_padding: raise ...`): an eager-only check
    that graph mode skips on purpose, because it needs concrete values."""
    for st in stmts:
        if isinstance(st, (ast.Assign, ast.AnnAssign, ast.Assert, ast.Pass)):
            continue
        if isinstance(st, ast.If) and _exits(st.body) and (not st.orelse or _validation_only(st.orelse)):
            continue
        return False
    return any(isinstance(st, (ast.Assert, ast.If)) for st in stmts)
