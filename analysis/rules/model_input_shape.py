"""HYB026: `input_shape=` passed to `super().__init__` of a Keras `Model` subclass, where Keras ignores it."""
from __future__ import annotations

import ast
from typing import Iterable

from ..model import Finding, Fix, FixSafety, Severity
from ..summary import KERAS_MODEL_BASES, ClassInfo, ModuleSummary
from .base import Invalid, ModuleContext, Rule, Valid

# A subclassed Model builds from its first call, never from these constructor arguments (checked on
# TF 2.21 / Keras 3.15: the model stays unbuilt with 0 parameters; Keras only warns "Do not pass an
# `input_shape`/`input_dim` argument to a layer").
IGNORED_KEYWORDS = ("input_shape", "input_dim")
_MODEL_BASES = frozenset(b for b in KERAS_MODEL_BASES if b.endswith("Model"))


def is_model_subclass(summary: ModuleSummary, cls: ClassInfo, _seen: frozenset[str] = frozenset()) -> bool:
    """`cls` derives from `keras.Model`, directly or through classes of the same module."""
    if any(b in _MODEL_BASES for b in cls.bases if b):
        return True
    for name in cls.base_names:
        base = summary.classes.get(name)
        if base is not None and base is not cls and name not in _seen \
                and is_model_subclass(summary, base, _seen | {cls.name}):
            return True
    return False


def _is_base_init(ctx: ModuleContext, call: ast.Call) -> bool:
    """`super().__init__(...)`, `super(Cls, self).__init__(...)` or `keras.Model.__init__(self, ...)`."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr != "__init__":
        return False
    receiver = func.value
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super":
        return True
    return ctx.qualify(receiver) in _MODEL_BASES


class ModelInputShape(Rule):
    code = "HYB026"
    name = "model-input-shape-ignored"
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    requires_text = ("input_shape", "input_dim")
    summary = "A subclassed Keras `Model` ignores `input_shape=`: the model stays unbuilt until its first call."
    what = """
        Finds `input_shape=` (or `input_dim=`) passed by keyword to the base `__init__` (`super().__init__`,
        `super(Cls, self).__init__`, `keras.Model.__init__(self, ...)`) inside `__init__` of a class that
        derives from `keras.Model` / `tf.keras.Model` (directly or through classes of the same module).
    """
    why = """
        A subclassed model has no static graph of layers: Keras builds it from the shape of the first
        input it is called on. The keyword is accepted and dropped (Keras 3 only warns "Do not pass an
        `input_shape`/`input_dim` argument to a layer"), so `model.summary()` shows unbuilt layers with 0
        parameters, `model.count_params()` fails, and weights cannot be loaded before a first call —
        while the code reads as if the shape had been declared. Checked on TensorFlow 2.21 (Keras 3.15).
    """
    example = """
        import tensorflow as tf

        class Classifier(tf.keras.Model):
            def __init__(self):
                super().__init__(input_shape=(28, 28))
                self.flatten = tf.keras.layers.Flatten()
                self.out = tf.keras.layers.Dense(10)

            def call(self, x):
                return self.out(self.flatten(x))
    """
    use_instead = """
        import tensorflow as tf

        class Classifier(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.flatten = tf.keras.layers.Flatten()
                self.out = tf.keras.layers.Dense(10)

            def call(self, x):
                return self.out(self.flatten(x))

        model = Classifier()
        model(tf.keras.Input(shape=(28, 28)))  # builds every layer for this input shape
    """
    fix_doc = """
        Suggestion only: drop the keyword and build the model with a first call on `tf.keras.Input(shape)`
        (on Keras 3, `model.build(shape)` of a subclassed model without a `build` method marks it built
        without building its layers); where to build depends on the caller.
    """
    references = (
        "https://keras.io/guides/making_new_layers_and_models_via_subclassing/",
        "https://www.tensorflow.org/api_docs/python/tf/keras/Model",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            class Classifier(tf.keras.Model):
                def __init__(self, **kwargs):
                    super().__init__(**kwargs)
                    self.out = tf.keras.layers.Dense(10)

                def call(self, x):
                    return self.out(x)
        """),
        Valid("""
            import tensorflow as tf

            class Scale(tf.keras.layers.Layer):
                def __init__(self):
                    super().__init__(input_shape=(4,))
        """, note="a Layer, not a Model: the Sequential idiom (only warned about by Keras)"),
        Valid("""
            import tensorflow as tf

            model = tf.keras.Sequential([tf.keras.layers.Dense(2, input_shape=(4,))])
        """, note="a layer inside Sequential: the shape builds the model"),
        Valid("""
            import tensorflow as tf

            class Head(tf.keras.Model):
                def __init__(self, input_shape):
                    super().__init__()
                    self.proj = tf.keras.layers.Dense(input_shape[-1])
        """, note="a parameter named input_shape, used by the model itself"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            class Classifier(tf.keras.Model):
                def __init__(self):
                    super().__init__(input_shape=(28, 28))
                    self.flatten = tf.keras.layers.Flatten()
                    self.out = tf.keras.layers.Dense(10)

                def call(self, x):
                    return self.out(self.flatten(x))
        """, lines=(5,)),
        Invalid("""
            from tensorflow import keras

            class Base(keras.Model):
                pass

            class Encoder(Base):
                def __init__(self, dim):
                    super(Encoder, self).__init__(input_dim=dim, name="encoder")
                    self.dense = keras.layers.Dense(dim)

                def call(self, x):
                    return self.dense(x)
        """, lines=(8,), note="through a project base class, super(Cls, self), input_dim"),
        Invalid("""
            import keras

            class Regressor(keras.Model):
                def __init__(self, shape):
                    keras.Model.__init__(self, input_shape=shape)
                    self.out = keras.layers.Dense(1)

                def call(self, x):
                    return self.out(x)
        """, lines=(5,), note="explicit base __init__ call, Keras 3 imported directly"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        summary = ctx.summary
        for fn in summary.functions:
            cls = fn.cls
            if cls is None or fn.name != "__init__" or fn.parent is not None or not is_model_subclass(summary, cls):
                continue
            for node in ast.walk(fn.node):
                if not isinstance(node, ast.Call) or not _is_base_init(ctx, node):
                    continue
                for kw in node.keywords:
                    if kw.arg in IGNORED_KEYWORDS:
                        message = (f"`{kw.arg}=` is ignored by a subclassed `keras.Model` (`{cls.name}`): the model "
                                   f"stays unbuilt (0 parameters) until its first call; build it explicitly")
                        yield ctx.report(self, kw, message, fn=fn, fix=Fix(
                            "drop the argument and build the model by calling it on `tf.keras.Input(shape)`",
                            FixSafety.SUGGESTION))
