"""HYB025: `tf.gather(..., validate_indices=...)`, a deprecated argument TensorFlow ignores."""
from __future__ import annotations

import ast
from typing import Iterable

from ..fixes.catalog import fix_for
from ..model import Finding, FixSafety, Severity
from .base import Invalid, ModuleContext, Rule, Valid

# Every public name of the function; all of them reach `array_ops.gather`, whose body starts with
# `del validate_indices` (TF 2.21, tensorflow/python/ops/array_ops.py).
GATHER_NAMES = frozenset({
    "tensorflow.gather", "tensorflow.compat.v1.gather", "tensorflow.compat.v2.gather",
    "tensorflow.python.ops.array_ops.gather", "tensorflow.python.ops.array_ops.gather_v2",
})


class GatherValidateIndices(Rule):
    code = "HYB025"
    name = "gather-validate-indices"
    severity = Severity.INFO
    fix_safety = FixSafety.SAFE
    requires_text = ("validate_indices",)
    summary = "`validate_indices` of `tf.gather` is deprecated and has no effect."
    what = """
        Finds `validate_indices=` passed by keyword to `tf.gather` (or `tf.compat.v1.gather`).
    """
    why = """
        TensorFlow ignores the argument: `array_ops.gather` begins with `del validate_indices`, and the
        argument is marked deprecated ("The `validate_indices` argument has no effect. Indices are always
        validated on CPU and never validated on GPU."). Passing it suggests a check that does not happen
        and will break when the argument is removed.
    """
    example = """
        import tensorflow as tf

        def lookup(table, ids):
            return tf.gather(table, ids, validate_indices=True)
    """
    use_instead = """
        import tensorflow as tf

        def lookup(table, ids):
            return tf.gather(table, ids)
    """
    fix_doc = """
        Safe: deletes the keyword argument (and its comma; an argument alone on its line goes with the
        line), since the value is discarded whatever it is. Not applied when the value has a visible effect
        of its own (a call or a walrus), which would be lost: then it is a suggestion. Positional use (the
        third argument) is not reported: removing it would shift the arguments after it.
    """
    references = (
        "https://www.tensorflow.org/api_docs/python/tf/gather",
        "https://github.com/tensorflow/tensorflow/blob/v2.21.0/tensorflow/python/ops/array_ops.py",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            def lookup(table, ids):
                return tf.gather(table, ids, axis=0)
        """),
        Valid("""
            def gather(x, validate_indices=False):
                return x

            gather([1], validate_indices=True)
        """, note="a project function of the same name"),
        Valid("""
            import tensorflow as tf

            def lookup(table, ids):
                return tf.gather(table, ids, True)
        """, note="positional: removing it would shift the arguments after it"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            def lookup(table, ids):
                return tf.gather(table, ids, validate_indices=True)
        """, lines=(4,)),
        Invalid("""
            from tensorflow.compat import v1 as tf1

            rows = tf1.gather(
                [[1, 2], [3, 4]],
                [1],
                validate_indices=False,  # legacy
            )
        """, lines=(3,), note="compat.v1, argument on its own line"),
        Invalid("""
            import tensorflow as tf

            def lookup(table, ids, options):
                return tf.gather(table, ids, validate_indices=options.pop("validate"))
        """, lines=(4,), note="a value with effects of its own: suggestion only"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for node in ast.walk(ctx.summary.source.tree):
            if not isinstance(node, ast.Call) or ctx.qualify(node.func) not in GATHER_NAMES:
                continue
            for kw in node.keywords:
                if kw.arg != "validate_indices":
                    continue
                effectful = any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await, ast.Yield))
                                for n in ast.walk(kw.value))
                if effectful:
                    fix = fix_for(self.code, FixSafety.SUGGESTION,
                                  reason="the value is computed by a call whose effects would be lost")
                else:
                    fix = fix_for(self.code, FixSafety.SAFE,
                                  reason="TensorFlow discards the argument (`del validate_indices`)")
                message = ("`validate_indices` has no effect (TensorFlow deletes it: indices are always checked "
                           "on CPU, never on GPU) and is deprecated; drop it")
                yield ctx.report(self, node, message, fix=fix)
