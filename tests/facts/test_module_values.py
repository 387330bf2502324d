"""Issue 15: values read from module-level variables and containers of tensors get their kind."""
from __future__ import annotations

import pytest

from .helpers import fn, repo

STEP = """
def step(x, y):
    h = tf.matmul(x, y)
    return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))
"""


@pytest.mark.parametrize("setup,loop", [
    ("X = tf.random.normal((4, 4))\nW = tf.ones((4, 4))", "for _ in range(10):\n        step(X, W)"),
    ("DATASET = tf.data.Dataset.from_tensor_slices((tf.ones((8, 4, 4)), tf.ones((8, 4, 4)))).batch(2)",
     "for x, y in DATASET:\n        step(x, y)"),
    ("BATCHES = [(tf.ones((4, 4)), tf.zeros((4, 4))) for _ in range(3)]",
     "for x, y in BATCHES:\n        step(x, y)"),
    ("WEIGHTS = [tf.ones((4, 4)), tf.zeros((4, 4))]", "a, b = WEIGHTS\n    for _ in range(3):\n        step(a, b)"),
    ("SEQ = tf.ones((4, 3, 4))", "for x in tf.unstack(SEQ, axis=1):\n        step(x, x)"),
])
def test_module_level_tensors_reach_parameters(setup: str, loop: str) -> None:
    facts = repo({"m.py": f"import tensorflow as tf\n{setup}\n{STEP}\n\ndef run():\n    {loop}\n"})
    ff = fn(facts, "m.py", "step")
    assert ff.tensor_parameters["x"].value is True, ff.tensor_parameters["x"].reason
    assert ff.tensor_parameters["y"].value is True
    assert ff.refactoring == "convert-to-hybrid" and not ff.blocked_by


def test_a_module_name_bound_twice_is_not_taken_for_a_tensor() -> None:
    facts = repo({"m.py": "import tensorflow as tf\nX = tf.ones((4, 4))\nX = load()\n" + STEP
                  + "\ndef run():\n    for _ in range(3):\n        step(X, X)\n"})
    ff = fn(facts, "m.py", "step")
    assert ff.tensor_parameters["x"].value is None


def test_an_unknown_parameter_next_to_a_tensor_is_a_suggestion_with_its_reason() -> None:
    from hybridize_bot.analysis.facts.explain import verdict

    facts = repo({"m.py": "import tensorflow as tf\nfrom cfg import load\n" + STEP
                  + "\ndef main():\n    s = load()\n    for _ in range(3):\n        step(tf.ones((4, 4)), s)\n"})
    ff = fn(facts, "m.py", "step")
    assert not ff.blocked_by and ff.undetermined == ("UNDETERMINABLE_PRIMITIVE_PARAMETER",)
    assert verdict(ff) == ("suggestion only", {
        "UNDETERMINABLE_PRIMITIVE_PARAMETER": "`y`: the value passed at m.py:11 is of unknown kind"})
