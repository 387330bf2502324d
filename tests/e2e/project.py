"""A small multi-file TensorFlow project with real tf.function misuse, and the PR changes to it."""
from __future__ import annotations

# Since the precision study (docs/precision.md) HYB001 and HYB004 are `info` by default, and info
# findings never go inline; this project's maintainers raise them, as the README's severity policy
# explains users can, so the review tests see inline comments with one-click suggestions.
PYPROJECT = b"""[project]
name = "tiny-tf"
dependencies = ["tensorflow>=2.16"]

[tool.hybridize]
severity = { HYB001 = "warning", HYB004 = "error" }
"""

LAYERS = """import tensorflow as tf


class Dense(tf.Module):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.w = None

    @tf.function
    def __call__(self, x):
        print("tracing Dense")
        return tf.matmul(x, tf.ones([x.shape[-1], self.units]))


def relu(x):
    return tf.nn.relu(x)
"""

TRAIN = """import tensorflow as tf

from model.layers import Dense


def make_model():
    return Dense(4)


def loss_fn(y, y_hat):
    return tf.reduce_mean(tf.square(y - y_hat))


def train(model, data, steps):
    # Run `steps` eager training steps over one batch.
    loss = None
    for step in range(steps):
        x, y = data
        loss = loss_fn(y, model(x))
        if step % 10 == 0:
            tf.summary.scalar("loss", loss, step=step)
    return loss


@tf.function
def evaluate(model, x, y):
    print("evaluating")
    return loss_fn(y, model(x))
"""

PIPELINE = """import tensorflow as tf


def scale(x):
    return x / 255.0


def dataset(values):
    return tf.data.Dataset.from_tensor_slices(values).map(scale).batch(32)
"""

BASE_FILES: dict[str, bytes] = {
    "pyproject.toml": PYPROJECT,
    "model/__init__.py": b"",
    "model/layers.py": LAYERS.encode(),
    "train.py": TRAIN.encode(),
    "data/pipeline.py": PIPELINE.encode(),
    "README.md": b"# tiny-tf\n",
}

# The PR: a new traced training step in train.py with a print, a tf.Variable created inside the
# graph and the deprecated relax-shapes flag; plus a new metrics module with another print.
TRAIN_PR = TRAIN.replace("""def train(model, data, steps):""", """@tf.function(experimental_relax_shapes=True)
def train_step(model, x, y):
    print("step", x)
    counter = tf.Variable(0)
    loss = loss_fn(y, model(x))
    return loss


def train(model, data, steps):""")

METRICS = """import tensorflow as tf


@tf.function
def accuracy(y, y_hat):
    print("computing accuracy")
    return tf.reduce_mean(tf.cast(tf.equal(y, y_hat), tf.float32))
"""

PR_FILES: dict[str, bytes] = {"train.py": TRAIN_PR.encode(), "metrics.py": METRICS.encode()}


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle` (so tests do not hard-code numbers)."""
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def many_prints(count: int) -> bytes:
    body = "\n".join(f"    print('value {i}', x)" for i in range(count))
    return f"import tensorflow as tf\n\n\n@tf.function\ndef noisy(x):\n{body}\n    return x\n".encode()
