"""HYB005's examples: the code it must leave alone (`VALID`) and the code it must report (`INVALID`).

Tests and documentation of `StaleOuterRead` (stale_outer_read.py), like every rule's `valid` / `invalid`;
kept apart because they are most of the rule (every false alarm the precision studies found is one of
them, bench/precision/patterns.md), and the rule's own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

VALID = (
    Valid("""
        import tensorflow as tf

        EPS = 1e-6

        @tf.function
        def normalize(x):
            return x / (tf.norm(x) + EPS)
    """, note="a constant bound once"),
    Valid("""
        import tensorflow as tf

        scale = tf.Variable(1.0)

        @tf.function
        def apply(x):
            return x * scale

        def anneal():
            global scale
            scale.assign(scale * 0.5)
    """, note="a tf.Variable is read on every call"),
    Valid("""
        import tensorflow as tf

        threshold = 0.5
        threshold = 0.7

        def eager_mask(x):
            return x > threshold
    """, note="not graph code"),
    Valid("""
        import tensorflow as tf

        class Scaler(tf.Module):
            def __init__(self):
                self.factor = 2.0

            @tf.function
            def __call__(self, x):
                return x * self.factor
    """, note="set only in __init__"),
    Valid("""
        import tensorflow as tf

        class Layer(tf.Module):
            def __init__(self):
                self._built = False

            def reset(self):
                self._built = False

            @tf.function
            def __call__(self, x):
                if not self._built:
                    self.w = tf.Variable(tf.ones_like(x))
                    self._built = True
                return x * self.w
    """, note="an `if not self._built:` guard: build bookkeeping decided at the first trace"),
    Valid("""
        import tensorflow as tf

        class SeedStream:
            def __init__(self, seed):
                self._seed = seed
                self._count = 0

            def __call__(self):
                self._count += 1
                return tf.random.experimental.stateless_fold_in([self._seed, 0], self._count)

        _scope_count = 0

        def unique_name(base):
            global _scope_count
            _scope_count += 1
            return f"{base}_{_scope_count}"

        @tf.function
        def sample(x, stream):
            with tf.name_scope(unique_name("sample")):
                return x + tf.random.stateless_normal(tf.shape(x), seed=stream())
    """, note="counters and seed streams read by the code that advances them: trace-time bookkeeping"),
    Valid("""
        import contextlib
        import tensorflow as tf

        _IN_SCOPE = False

        @contextlib.contextmanager
        def instance_scope():
            global _IN_SCOPE
            was_in_scope = _IN_SCOPE
            _IN_SCOPE = True
            try:
                yield
            finally:
                _IN_SCOPE = was_in_scope

        def scope_name(name):
            global _IN_SCOPE
            return name if _IN_SCOPE else name + "/"

        @tf.function
        def f(x):
            with instance_scope():
                with tf.name_scope(scope_name("inner")):
                    return x + 1
    """, note="a dynamic-scope flag, set and restored in a `finally`: the same value on every trace"),
    Valid("""
        import tensorflow as tf

        _TABLE = None

        def table():
            global _TABLE
            if _TABLE is None:
                _TABLE = tf.constant([1.0, 2.0, 3.0])
            return _TABLE

        @tf.function
        def lookup(i):
            return tf.gather(table(), i)
    """, note="a global set lazily once, under an `is None` guard"),
    Valid("""
        import random
        import tensorflow as tf

        GLOBAL_SEED_SET = False

        def set_random_seeds(seed=0):
            global GLOBAL_SEED_SET
            if seed is not None:
                random.seed(seed)
                GLOBAL_SEED_SET = True
            tf.random.set_seed(seed)

        @tf.function
        def random_uniform_strong(minval, maxval, seed=None):
            if GLOBAL_SEED_SET:
                seed = None
            return tf.random.uniform([], minval=minval, maxval=maxval, seed=seed)
    """, note="issue 10 P23-precfix: a one-way configuration switch, set to one constant by a set-up "
              "function (tf-models' YOLO preprocessing_ops)"),
    Valid("""
        import tensorflow as tf

        class Model(tf.keras.Model):
            def compile(self, optimizer="adam", loss=None, **kwargs):
                self._using_dummy_loss = loss is None
                super().compile(optimizer=optimizer, loss=loss, **kwargs)

            def train_step(self, data):
                x, y = data
                if self._using_dummy_loss:
                    x = {"inputs": x, "labels": y}
                return self.compute_metrics(x, y, self(x), None)
    """, note="set by compile(), after which Keras traces new step functions (issue 10 P29-corpusb, transformers)"),
    Valid("""
        import tensorflow as tf

        class AsrModel(tf.keras.Model):
            def compile(self, optimizer, loss, **kwargs):
                self.use_loss_scale = False
                if kwargs.pop("mixed_precision", False):
                    self.use_loss_scale = True
                super().compile(optimizer=optimizer, loss=loss, **kwargs)

            def train_step(self, batch):
                inputs, y_true = batch
                with tf.GradientTape() as tape:
                    loss = self.loss(y_true, self(inputs, training=True))
                    if self.use_loss_scale:
                        loss = self.optimizer.scale_loss(loss)
                grads = tape.gradient(loss, self.trainable_weights)
                self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
                return {"loss": loss}
    """, note="set in compile(), read by a Keras step: Keras traces its steps again after compile (issue 10 "
              "P32-corpusa, TensorFlowASR)"),
    Valid("""
        import tensorflow as tf

        def configure(scale):
            global noise_scale
            noise_scale = scale

        @tf.function
        def add_noise(x):
            return x + tf.random.normal(tf.shape(x)) * noise_scale
    """, note="bound through `global` by one function only: configured once, before tracing"),
    Valid("""
        import tensorflow as tf

        class Denoiser(tf.Module):
            def __init__(self):
                self.noise_scale = 0.1

            @tf.function
            def __call__(self, x):
                return x * self.noise_scale

        model = Denoiser()
        settings = dict()
        settings.noise_scale = 0.5
    """, note="an attribute of an object that is not an instance of the class"),
    Valid("""
        import tensorflow as tf

        SWAP_MEMORY = True

        def set_swap_memory(value):
            \"\"\"Must be called before constructing the model in order to be accounted.\"\"\"
            global SWAP_MEMORY
            SWAP_MEMORY = value

        @tf.function
        def power_iteration(w, u):
            return tf.while_loop(lambda i, u: i < 10, lambda i, u: (i + 1, tf.linalg.matvec(w, u)),
                                 (0, u), swap_memory=SWAP_MEMORY)
    """, note="a default plus one setter of a parameter, called before building (issue 10 P45-fixb: "
              "deel-lip's set_swap_memory, tf-encrypted's set_protocol/get_protocol)"),
    Valid("""
        import tensorflow as tf

        _LABEL_KEY = "tips"
        _FEATURE_KEYS = ["fare", "trip_miles"]
        _LABEL_KEY = "tips"

        @tf.function
        def serve(features):
            return features[_LABEL_KEY]
    """, note="a constant assigned twice with the same literal, never another value (issue 10 P42-corpusc, "
              "TFX's airflow workshop taxi_utils)"),
    Valid("""
        import tensorflow as tf

        topology = None

        def setUpModule():
            global topology
            if tf.config.list_logical_devices("TPU"):
                topology = tf.tpu.experimental.initialize_tpu_system()
            else:
                topology = None

        @tf.function
        def device_count(x):
            return x if topology is None else x * 2
    """, note="issue 10 P59-growb (jax2tf): a global set only in `setUpModule`, once before any test "
              "traces"),
    Valid("""
        import tensorflow as tf

        class Params:
            def __init__(self):
                self._immutable = False
                self._values = {}

            def define(self, name, value):
                if self._immutable:
                    raise TypeError("This Params instance is immutable.")
                self._values[name] = value

            def freeze(self):
                self._immutable = True

        def cluster_params():
            p = Params()
            p.define("mode", "async")
            return p

        DEFAULTS = Params()
        DEFAULTS.define("job", "trainer")
        DEFAULTS.freeze()

        @tf.function
        def step(x):
            cluster_params()
            return x * 2
    """, note="lingvo's `Params.Define`: in graph code it only runs on the object its graph caller builds "
              "in the same trace (eager code defines on a long-lived one), so nothing it reads is stale "
              "(P5-tfmava)"),
)


INVALID = (
    Invalid("""
        import tensorflow as tf

        learning_rate = 0.1

        @tf.function
        def update(w, g):
            return w - learning_rate * g

        def decay():
            global learning_rate
            learning_rate = learning_rate * 0.5
    """, lines=(7,)),
    Invalid("""
        import tensorflow as tf

        threshold = 0.5

        @tf.function
        def mask(x):
            return x > threshold

        threshold = 0.9
    """, lines=(7,)),
    Invalid("""
        import tensorflow as tf

        class Annealer(tf.Module):
            def __init__(self):
                self.temperature = 1.0

            def cool(self):
                self.temperature = self.temperature * 0.9

            @tf.function
            def __call__(self, logits):
                return logits / self.temperature
    """, lines=(12,)),
    Invalid("""
        import tensorflow as tf

        training = False

        @tf.function
        def dropout(x):
            return tf.nn.dropout(x, 0.5) if training else x

        def train():
            global training
            training = True

        def evaluate():
            global training
            training = False
    """, lines=(7,), note="a switch flipped both ways is state, not one-way configuration"),
    Invalid("""
        import tensorflow as tf

        def configure(scale):
            global noise_scale
            noise_scale = scale

        @tf.function
        def add_noise(x):
            return x + tf.random.normal(tf.shape(x)) * noise_scale

        def anneal():
            global noise_scale
            noise_scale = noise_scale * 0.5
    """, lines=(9,), note="bound only through `global` statements in functions (issue 11, mining study)"),
    Invalid("""
        import tensorflow as tf

        def step_counter():
            global step
            step += 1

        @tf.function
        def schedule(x):
            return x * 0.99 ** step
    """, lines=(9,), note="a global only a function updates in place"),
    Invalid("""
        import tensorflow as tf

        learning_rate = 0.1

        def set_learning_rate(value):
            global learning_rate
            learning_rate = value

        @tf.function
        def update(w, g):
            return w - learning_rate * g

        def train(w, grads):
            for epoch, g in enumerate(grads):
                set_learning_rate(0.1 / (epoch + 1))
                w = update(w, g)
    """, lines=(11,), note="a setter driven from a loop: the value changes between calls"),
    Invalid("""
        import tensorflow as tf

        class Denoiser(tf.Module):
            def __init__(self):
                self.noise_scale = 0.1

            @tf.function
            def __call__(self, x):
                return x + tf.random.normal(tf.shape(x)) * self.noise_scale

        def train(data):
            model = Denoiser()
            for epoch, x in enumerate(data):
                model.noise_scale = 0.1 / (epoch + 1)
                model(x)
    """, lines=(9,), note="`self.noise_scale` rebound by code holding an instance (issue 11)"),
)
