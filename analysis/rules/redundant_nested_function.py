"""HYB023: a tf.function only ever called from other graph code (a redundant nested trace boundary)."""
from __future__ import annotations

import ast
from typing import Iterable

from ..facts.preconditions import IS_TEST_CODE
from ..facts.rulesupport import decorator_node
from ..fixes.catalog import fix_for
from ..model import Finding, FixSafety, Severity
from .base import Invalid, ModuleContext, Rule, Valid

# Arguments that change what the inner function does (dtype casting through the signature, XLA): with
# them the nested decorator is not redundant (study §3.2 HYB023, FP risks).
_MEANINGFUL_ARGS = frozenset({"input_signature", "jit_compile", "experimental_compile"})


class RedundantNestedFunction(Rule):
    code = "HYB023"
    name = "redundant-nested-tf-function"
    severity = Severity.INFO
    fix_safety = FixSafety.GATED
    summary = "Every caller of this tf.function is already graph code, so its own decorator adds nothing."
    what = """
        Finds a `@tf.function` whose every known caller in the repository (tests and scripts included) runs
        in graph context: another tf.function, a Keras train step, a tf.data callback, or a function they
        call. Public API functions are skipped (callers outside the repository may call them eagerly), and
        so are decorators with `input_signature` or `jit_compile`, which change behaviour.
    """
    why = """
        A tf.function called from inside another one is traced inline into the caller's graph; its own
        decorator only adds a nested trace boundary and its retracing bookkeeping. The study's
        "Redundant decorator" category (Hybridize HAS_COVERED_CALLERS) comes from exactly this pattern:
        an inner function decorated as well as the outer one that calls it.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def _inner(x):
            return x * 2

        @tf.function
        def outer(x):
            return _inner(x) + 1
    """
    use_instead = """
        import tensorflow as tf

        def _inner(x):
            return x * 2

        @tf.function
        def outer(x):
            return _inner(x) + 1
    """
    fix_doc = """
        Gated: removes the inner decorator when it has no arguments, the function is not public API and
        every caller is known to be graph code. A decorator with other arguments (`reduce_retracing`,
        `autograph`) gives a suggestion only.
    """
    references = (
        "https://www.tensorflow.org/guide/function",
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring/issues/767",
    )
    valid = (
        Valid({
            "pkg/__init__.py": "",
            "pkg/model.py": """
                import abc

                class Model(abc.ABC):
                    @abc.abstractmethod
                    def predict_on_batch(self, x):
                        ...
            """,
            "pkg/keras_utils.py": """
                import tensorflow as tf
                from pkg.model import Model

                class _KerasModel(Model):
                    def __init__(self, keras_model):
                        self._keras_model = keras_model

                    @tf.function
                    def predict_on_batch(self, x):
                        return self._keras_model(x)

                    @tf.function
                    def forward_pass(self, x):
                        return self.predict_on_batch(x) * 2.0

                def from_keras_model(keras_model) -> Model:
                    return _KerasModel(keras_model)
            """,
        }, path="pkg/keras_utils.py", note="issue 10 P29-precfix: a private class's method that implements a public "
                                          "base class's interface: users call it through the base type"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def _inner(x):
                return x * 2

            @tf.function
            def outer(x):
                return _inner(x) + 1

            _inner(tf.constant(1.0))
        """, note="also called eagerly at module level"),
        Valid({
            "pkg/__init__.py": "",
            "pkg/ops.py": """
                import tensorflow as tf

                @tf.function
                def inner(x):
                    return x * 2

                @tf.function
                def outer(x):
                    return inner(x) + 1
            """,
        }, path="pkg/ops.py", note="public API of a package: callers outside the repository are possible"),
        Valid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
            def _inner(x):
                return x * 2

            @tf.function
            def outer(x):
                return _inner(x) + 1
        """, note="input_signature changes casting: not redundant"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def _inner(x):
                return x * 2
        """, note="no known caller: coverage undeterminable"),
        Valid({
            "app.py": """
                import tensorflow as tf

                @tf.function
                def _inner(x):
                    return x * 2

                @tf.function
                def outer(x):
                    return _inner(x)
            """,
            "tests/test_app.py": """
                from app import _inner

                def test_inner():
                    assert _inner(2) == 4
            """,
        }, path="app.py", note="a test calls it eagerly"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def _inner(x):
                return x * 2

            @tf.function
            def outer(x):
                return _inner(x) + 1

            def test_nested_tracing():
                assert outer(tf.constant(1)) == 3
        """, path="tests/test_nesting.py", note="in a test, nested tf.functions are what is being tested"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def _inner(x):
                return x * 2

            @tf.function
            def outer(x):
                return _inner(x) + 1
        """, lines=(3,)),
        Invalid({
            "model.py": """
                import tensorflow as tf
                from helpers import _scale

                class Net(tf.keras.Model):
                    def train_step(self, data):
                        return {"loss": _scale(data)}
            """,
            "helpers.py": """
                import tensorflow as tf

                @tf.function(reduce_retracing=True)
                def _scale(x):
                    return x * 2
            """,
        }, path="helpers.py", lines=(3,), note="the only caller is a Keras train_step in another module"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def _parse(record):
                return tf.strings.to_number(record)

            def _prep(record):
                return _parse(record) + 1

            ds = tf.data.Dataset.from_tensor_slices(["1", "2"]).map(_prep)
        """, lines=(3,), note="called from a tf.data callback (always traced)"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        facts = ctx.project.facts
        pf = facts.pf
        for fn in ctx.summary.functions:
            site = fn.hybrid
            if site is None or site.kind != "decorator":
                continue
            fid = facts.fid(fn)
            if fid is None or not pf.callers[fid]:
                continue
            if set(site.keywords) & _MEANINGFUL_ARGS:
                continue
            ff = facts.of(fid)
            if ff is None or ff.callers_covered.value is not True or ff.public.value is not False:
                continue
            if IS_TEST_CODE in ff.blocked_by:
                continue  # a test's tf.function is its subject (tracing), not a redundant boundary
            has_args = isinstance(site.node, ast.Call) and bool(site.node.args or site.node.keywords)
            message = (f"the tf.function decorator on `{fn.qualname}` is redundant: "
                       f"{ff.callers_covered.reason}, which trace it inline")
            if has_args:
                fix = fix_for(self.code, FixSafety.SUGGESTION,
                              reason="the decorator has arguments; check they are not needed before removing it")
            else:
                fix = fix_for(self.code, FixSafety.GATED,
                              reason="bare decorator, not public API, every known caller is graph code")
            yield ctx.report(self, decorator_node(fn), message, fn=fn, fix=fix)
