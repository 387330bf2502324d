"""HYB021's examples: the code it must leave alone (`VALID`) and the code it must report (`INVALID`).

Tests and documentation of `ConvertToHybrid` (convert_to_hybrid.py), like every rule's `valid` / `invalid`;
kept apart because they are most of the rule (every false alarm the precision studies found is one of
them, bench/precision/patterns.md), and the rule's own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

VALID = (
    Valid("""
        import tensorflow as tf

        def step(x):
            return x + 1

        for i in range(10):
            step(tf.ones(3))
    """, note="too little tensor work: a graph would be slower"),
    Valid("""
        import tensorflow as tf

        history = []

        def step(x, w):
            h = tf.matmul(x, w)
            history.append(h)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        w = tf.ones((4, 4))
        for _ in range(100):
            step(tf.ones((4, 4)), w)
    """, note="Python side effect (appends to a global list)"),
    Valid("""
        import tensorflow as tf

        def step(x, scale):
            h = tf.matmul(x, x)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)) * scale

        for i in range(100):
            step(tf.ones((4, 4)), i)
    """, note="a loop-varying Python int argument would retrace on every call"),
    Valid("""
        import tensorflow as tf

        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        step(tf.ones((4, 4)), tf.ones((4, 4)))
    """, note="called once, not from a loop"),
    Valid("""
        import tensorflow as tf

        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)).numpy()

        for _ in range(100):
            step(tf.ones((4, 4)), tf.ones((4, 4)))
    """, note="eager-only .numpy() call"),
    Valid("""
        import tensorflow as tf
        from helpers import unknown

        def step(x, w):
            h = tf.matmul(x, w)
            unknown(h)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        for _ in range(100):
            step(tf.ones((4, 4)), tf.ones((4, 4)))
    """, note="an unresolved call makes side effects undeterminable: no report"),
    Valid("""
        import tensorflow as tf

        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        def test_step():
            w = tf.ones((4, 4))
            for _ in range(100):
                step(tf.random.normal((4, 4)), w)
    """, path="tests/test_step.py", note="a test helper is not worth compiling"),
    Valid({
        "pkg/__init__.py": "",
        "pkg/backend/__init__.py": """
            import os

            if os.environ.get("KERAS_2"):
                import pkg.backend.keras2 as keras
            else:
                import keras
        """,
        "pkg/backend/keras2.py": "from tf_keras import *\n",
        "pkg/layers.py": """
            import tensorflow as tf
            from pkg.backend import keras

            class Block(keras.layers.Layer):
                def call(self, x):
                    w = tf.ones((4, 4))
                    for _ in range(3):
                        h = tf.matmul(x, w)
                        x = tf.nn.relu(h) * tf.exp(-h)
                    return x

            def main():
                block = Block()
                for _ in range(10):
                    block.call(tf.ones((4, 4)))
        """,
    }, path="pkg/layers.py", note="a Keras layer's call() (Keras re-exported by the project): Keras already "
                                  "runs it in its own tf.function"),
    Valid("""
        import tensorflow as tf

        def transform(x, w):
            print("transform")

            def step(v, m):
                h = tf.matmul(v, m)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            return step(x, w)

        for _ in range(10):
            transform(tf.ones((4, 4)), tf.ones((4, 4)))
    """, note="a nested helper: as a tf.function it would be re-created and retraced on every call of "
              "its enclosing function"),
    Valid("""
        import tensorflow as tf

        def mix(h: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
            h = tf.matmul(h, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h), axis=0, keepdims=True) * h

        def body(i, h):
            for _ in range(3):
                h = mix(h, tf.ones((4, 4)))
            return i + 1, h

        @tf.function
        def run(h):
            return tf.while_loop(lambda i, h: i < 10, body, (0, h))

        if __name__ == "__main__":
            run(tf.ones((4, 4)))
    """, note="issue 10 P20: the loop is in a tf.while_loop body of a tf.function: already graph code"),
    Valid("""
        import tensorflow as tf

        def level_loss(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
            h = tf.matmul(logits, labels)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        class DetectionLoss:
            def __call__(self, outputs, labels):
                total = tf.zeros(())
                for level in range(3):
                    total += level_loss(outputs[level], labels[level])
                return total
    """, note="issue 10 P22: the looping caller (a loss's __call__) is reached from no eager entry point; "
              "the train step that calls it is graph code the call graph cannot follow"),
    Valid({
        "pkg/__init__.py": "",
        "pkg/random_data.py": """
            import tensorflow as tf

            def random_features(sizes: tf.Tensor, weights: tf.Tensor) -> tf.Tensor:
                h = tf.matmul(tf.random.uniform(sizes), weights)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h), axis=-1)

            def random_graph(spec):
                out = {}
                for name in spec:
                    out[name] = random_features(tf.constant([2, 4]), tf.ones((4, 4)))
                return out
        """,
        "pkg/random_data_test.py": """
            from pkg.random_data import random_graph

            def test_random_graph():
                assert random_graph(["a", "b"])
        """,
    }, path="pkg/random_data.py", note="issue 10 P22: library code only a test runs eagerly is not a hot path"),
    Valid("""
        import tensorflow as tf

        class DateTensor:
            def __init__(self, ordinals, days):
                self.ordinals, self.days = ordinals, days

        def from_ordinals(ordinals, w):
            h = tf.matmul(tf.cast(ordinals, tf.float32), w)
            return DateTensor(ordinals, tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)))

        w = tf.ones((4, 4))
        for _ in range(100):
            from_ordinals(tf.ones((4, 4), tf.int32), w)
    """, note="returns a plain Python object, which a tf.function cannot return (issue 10 P28-corpusa, "
              "TF Quant Finance's DateTensor)"),
    Valid("""
        from functools import partial
        import tensorflow as tf
        from .backends import get_backend

        compiled_jit = partial(get_backend("tensorflow").jit, jit_compile=True)

        @compiled_jit
        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        def train():
            w = tf.ones((4, 4))
            for _ in range(100):
                step(tf.random.normal((4, 4)), w)

        if __name__ == "__main__":
            train()
    """, note="issue 10 P48-fixa: a decorator the analysis cannot follow (here a backend's jit, which "
              "returns a tf.function) decides what callers call; a tf.function on top is redundant"),
    Valid("""
        import tensorflow.compat.v1 as tf

        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        def main(_):
            for _ in range(3):
                tf.reset_default_graph()
                w = tf.ones((4, 4))
                step(tf.random.normal((4, 4)), w)

        if __name__ == "__main__":
            tf.disable_v2_behavior()
            tf.app.run(main)
    """, note="issue 10 P49-fixa: a TF1 program (eager execution turned off at its entry point) builds a "
              "graph; its loops run nothing eagerly"),
    Valid("""
        import tensorflow as tf
        from data import load_batches

        def transform(batch):
            h = tf.matmul(batch, tf.transpose(batch))
            return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))

        def main():
            for batch in load_batches():
                transform(batch)
    """, note="the argument's kind is unknown and the name hints nothing: no tensor parameter is known"),
    Valid("""
        import tensorflow.compat.v1 as tf

        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        def main(_):
            w = tf.ones((4, 4))
            for _ in range(3):
                step(tf.random.normal((4, 4)), w)

        def console_entry_point():
            tf.disable_v2_behavior()
            tf.app.run(main)

        if __name__ == "__main__":
            console_entry_point()
    """, note="magenta's scripts: the TF1 switch sits in the top-level function the module's entry calls "
              "before `tf.app.run(main)`; a graph program, its loops run nothing eagerly (P2-tfmava)"),
    Valid("""
        import tensorflow as tf

        def block(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        def model_fn(features, labels, mode):
            w = tf.ones((4, 4))
            total = 0.0
            for _ in range(10):
                total += block(features, w)
            return tf.estimator.EstimatorSpec(mode, loss=total)

        def main():
            estimator = tf.estimator.Estimator(model_fn=model_fn)
            estimator.train(input_fn=lambda: tf.data.Dataset.from_tensors(tf.ones((4, 4))), steps=1)
    """, note="an Estimator builds its `model_fn` into a graph: what it calls in loops is not eager code "
              "(magenta's onsets-frames metrics, P6-lead10)"),
)


INVALID = (
    Invalid("""
        import tensorflow as tf

        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        w = tf.ones((4, 4))
        for _ in range(100):
            step(tf.random.normal((4, 4)), w)
    """, lines=(3,)),
    Invalid({
        "train.py": """
            import tensorflow as tf
            from ops import block

            def run(batches):
                w = tf.Variable(tf.ones((8, 8)))
                for b in batches:
                    block(tf.convert_to_tensor(b), w)

            if __name__ == "__main__":
                run([[[1.0] * 8] * 8] * 10)
        """,
        "ops.py": """
            import tensorflow as tf

            def _mix(h):
                return tf.nn.relu(h) * tf.exp(-h)

            def block(x, w):
                h = tf.matmul(x, w)
                return tf.reduce_sum(_mix(h))
        """,
    }, path="ops.py", lines=(6,), note="tensor arguments and the loop are in another module"),
    Invalid("""
        import tensorflow as tf

        def layer_norm(x: tf.Tensor, gamma: tf.Tensor) -> tf.Tensor:
            mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
            y = (x - mean) * tf.math.rsqrt(var + 1e-6)
            return tf.matmul(y, gamma)

        def loop(data, gamma):
            while True:
                layer_norm(data, gamma)

        def main():
            loop(tf.ones((2, 4)), tf.ones((4, 4)))
    """, lines=(3,), note="tensor type hints seed the parameters; a module's main() runs eagerly"),
    Invalid("""
        import tensorflow as tf
        from settings import load_scale

        def step(x, scale):
            h = tf.matmul(x, x)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)) * scale

        scale = load_scale()
        for _ in range(100):
            step(tf.ones((4, 4)), scale)
    """, lines=(4,), note="one parameter of unknown kind next to a known tensor: reported, as a suggestion only"),
    Invalid("""
        import tensorflow as tf

        FEATURES = tf.random.normal((64, 8))
        DATASET = tf.data.Dataset.from_tensor_slices(FEATURES).batch(8)

        def transform(batch):
            h = tf.matmul(batch, tf.transpose(batch))
            return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))

        def run():
            for batch in DATASET:
                transform(batch)

        if __name__ == "__main__":
            run()
    """, lines=(6,), note="a module-level tf.data dataset: its elements are tensors"),
    Invalid("""
        import tensorflow as tf
        from data import load_batches

        def train_step(batch):
            h = tf.matmul(batch, tf.transpose(batch))
            return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))

        def main():
            for batch in load_batches():
                train_step(batch)
    """, lines=(4,), note="the argument's kind is unknown, but the name is a training step's: speculatively a "
                          "tensor (Hybridize's keyword analysis), so a suggestion only"),
)
