"""Tensor parameters from the API summaries (issue 11): what Keras, tf.data and tf.distribute give back
is tensor-like when it reaches a project function. Expected values written out by hand."""
from __future__ import annotations

import pytest

from tests.facts.helpers import fn, repo

PROJECT = {
    "train.py": """
        import tensorflow as tf

        def penalty(v):
            return tf.nn.l2_loss(v)

        def project_step(h):
            return h + 1

        def consume(features):
            return features

        def first_half(part):
            return part

        def from_input(inp):
            return inp

        def watched(w):
            return w

        def run(model, strategy, ds, x):
            dense = tf.keras.layers.Dense(3)
            for v in model.trainable_variables:
                penalty(v)
            project_step(dense(x))
            for features, labels in strategy.experimental_distribute_dataset(ds):
                consume(features)
            left, right = tf.split(x, 2)
            first_half(left)
            from_input(tf.keras.Input(shape=(3,)))
            with tf.GradientTape() as tape:
                pass
            for w in tape.watched_variables():
                watched(w)
    """,
}


@pytest.mark.parametrize("qualname, param", [
    ("penalty", "v"),  # an element of model.trainable_variables
    ("project_step", "h"),  # the output of a Keras layer
    ("consume", "features"),  # a destructured element of a distributed dataset
    ("first_half", "part"),  # an item of tf.split's list
    ("from_input", "inp"),  # a Keras Input
    ("watched", "w"),  # an element of tape.watched_variables()
])
def test_tensor_parameters_from_api_summaries(qualname: str, param: str) -> None:
    facts = fn(repo(PROJECT), "train.py", qualname)
    assert facts.tensor_parameters[param].value is True
