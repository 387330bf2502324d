"""HYB004's examples: the code it must leave alone (`VALID`) and the code it must report (`INVALID`).

Tests and documentation of `VariableInGraph` (variable_in_graph.py), like every rule's `valid` / `invalid`;
kept apart because they are most of the rule (every false alarm the precision studies found is one of
them, bench/precision/patterns.md), and the rule's own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

VALID = (
    Valid("""
        import tensorflow as tf

        class Scale(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def __call__(self, x):
                if self.v is None:
                    self.v = tf.Variable(tf.ones_like(x))
                return self.v * x
    """, note="the guard idiom from the TF guide"),
    Valid("""
        import tensorflow as tf

        class Scale(tf.Module):
            @tf.function
            def __call__(self, x):
                if not hasattr(self, "v"):
                    self.v = tf.Variable(2.0)
                return self.v * x
    """, note="hasattr guard"),
    Valid("""
        import tensorflow as tf

        class Counter(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def __call__(self, x):
                self.v = tf.Variable(0.0) if self.v is None else self.v
                return self.v.assign_add(x)
    """, note="the guard as a conditional expression (issue 11)"),
    Valid("""
        import tensorflow as tf

        class Dense(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = tf.Variable(tf.random.normal([input_shape[-1], 4]))
                self.b = self.add_weight(shape=(4,), initializer="zeros")

            @tf.function
            def forward(self, x):
                if not self.built:
                    self.build(x.shape)
                return x @ self.w + self.b
    """, note="variables created in Keras build"),
    Valid("""
        import tensorflow as tf

        v = tf.Variable(0.0)
        opt = tf.keras.optimizers.Adam(1e-3)
        layer = tf.keras.layers.Dense(4)

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(x)) * v
            grads = tape.gradient(loss, layer.trainable_variables)
            opt.apply_gradients(zip(grads, layer.trainable_variables))
            return loss
    """, note="created once outside graph code, used inside"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x):
            x = tf.keras.layers.Flatten()(x)
            return tf.keras.layers.ReLU()(x)
    """, note="layers without weights create no variables"),
    Valid("""
        import tensorflow as tf

        class Cache(tf.Module):
            def __init__(self):
                self.slots = {}

            def _make(self, key, shape):
                return tf.Variable(tf.zeros(shape))

            @tf.function
            def get(self, x):
                key = "acc"
                if key not in self.slots:
                    self.slots[key] = self._make(key, x.shape)
                return self.slots[key].assign_add(x)
    """, note="a helper called only under a once-guard"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def client_update(data):
            with tf.init_scope():
                metric = tf.keras.metrics.Mean()
            metric.update_state(data)
            return metric.result()
    """, note="tf.init_scope() lifts the creation out of the trace: it runs eagerly"),
    Valid("""
        import tensorflow as tf

        class DecodeCell(tf.keras.layers.AbstractRNNCell):
            def __init__(self, transitions, **kw):
                super().__init__(**kw)
                self._transitions = transitions

            def call(self, inputs, state):
                return inputs, [state[0] + inputs]

        @tf.function
        def decode(x, transitions):
            layer = tf.keras.layers.RNN(DecodeCell(transitions), return_sequences=True)
            cell = DecodeCell(transitions)
            backward = tf.keras.layers.RNN(cell, go_backwards=True)
            return layer(x) + backward(x)
    """, note="an RNN wrapper over a project cell that makes no weights creates no variables"),
)


INVALID = (
    Invalid("""
        import tensorflow as tf

        @tf.function
        def step(x):
            v = tf.Variable(tf.zeros_like(x))
            return v.assign_add(x)
    """, lines=(5,), note="fails on the first call"),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def train_step(x, y):
            model = tf.keras.layers.Dense(1)
            optimizer = tf.keras.optimizers.Adam(0.01)
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean((model(x) - y) ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
    """, lines=(5, 6), note="layers and optimizers create variables on first use"),
    Invalid("""
        import tensorflow as tf

        class Scale(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def __call__(self, x):
                if self.v is None or x.shape[-1] > 1:
                    self.v = tf.Variable(tf.ones_like(x))
                return self.v * x
    """, lines=(10,), note="`or` lets the creation run again on the second trace"),
    Invalid({
        "pkg/__init__.py": "",
        "pkg/state.py": """
            import tensorflow as tf

            def new_counter():
                return tf.keras.Variable(0, dtype="int64")
        """,
        "pkg/loop.py": """
            import tensorflow as tf
            from pkg.state import new_counter

            @tf.function
            def count(x):
                c = new_counter()
                c.assign_add(1)
                return x
        """,
    }, path="pkg/state.py", lines=(4,), note="interprocedural, across modules"),
    Invalid("""
        import tensorflow as tf

        class Block(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], 4))

            def call(self, x):
                return x @ self.w

        @tf.function
        def forward(x):
            return Block()(x)
    """, lines=(12,), note="a project Keras layer built inside the function"),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def regularize(x):
            return tf.keras.layers.Dropout(0.5)(x, training=True)
    """, lines=(5,), note="Keras 3 dropout layers keep a seed variable"),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def noise(x):
            gen = tf.random.Generator.from_seed(1)
            return x + gen.normal(tf.shape(x))
    """, lines=(5,), note="a tf.random.Generator holds its state in a variable"),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def shift(x):
            b = tf.Variable(tf.fill([2], 0.5))
            return x + b * 2.0
    """, lines=(5,), note="gated fix: created once at module level (`_shift_b`), since it is only read"),
)
