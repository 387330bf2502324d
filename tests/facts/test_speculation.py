"""Hybridize's speculative keyword analysis (facts/speculation.py): a tensor assumed from a name only
where nothing else decides, and marked as such."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.facts.preconditions import SPECULATIVE_TENSOR_PARAMETER

from .helpers import fn, repo

_PROGRAM = """
    import tensorflow as tf
    from data import load, Model

    class Net(Model):
        def __call__(self, x):
            return tf.reduce_sum(x)

    class Box:
        def __call__(self, x):
            return tf.reduce_sum(x)

    def run_model(x):
        return tf.reduce_sum(x)

    def batch_inference(x):
        return tf.reduce_sum(x)

    def train_gan_step(x):
        return tf.reduce_sum(x)

    def step(x):
        return tf.reduce_sum(x)

    def inference_cost(x):
        return tf.reduce_sum(x)

    def main():
        value = load()
        for f in (Net(), Box()):
            f(value)
        Net().__call__(value)
        Box().__call__(value)
        run_model(value)
        batch_inference(value)
        train_gan_step(value)
        step(value)
        inference_cost(value)
        train_gan_step(tf.ones(3))
"""


@pytest.mark.parametrize("qualname, speculative", [
    ("Net.__call__", True),        # `__call__` of a class inheriting from one named Model
    ("Box.__call__", False),       # `__call__` of any other class: no hint
    ("run_model", True),
    ("batch_inference", True),     # `.*inference`
    ("step", False),               # `.*(train|test).*_step` needs train or test
    ("inference_cost", False),     # the pattern matches the whole name, not a prefix
])
def test_a_name_hint_assumes_a_tensor_only_where_the_kind_is_unknown(qualname: str, speculative: bool) -> None:
    ff = fn(repo({"prog.py": _PROGRAM}), "prog.py", qualname)
    fact = ff.tensor_parameters["x"]
    if speculative:
        assert (fact.value, fact.speculative) == (True, True)
        assert fact.reason.startswith("speculative: named like a training/inference step or model call")
        assert SPECULATIVE_TENSOR_PARAMETER in ff.undetermined
    else:
        assert (fact.value, fact.speculative) == (None, False)
        assert SPECULATIVE_TENSOR_PARAMETER not in ff.undetermined


def test_a_known_tensor_at_a_call_site_wins_over_the_name() -> None:
    ff = fn(repo({"prog.py": _PROGRAM}), "prog.py", "train_gan_step")
    fact = ff.tensor_parameters["x"]
    assert (fact.value, fact.speculative) == (True, False)
    assert fact.reason == "receives a tensor from main (prog.py:27) (prog.py:38)"
    assert SPECULATIVE_TENSOR_PARAMETER not in ff.undetermined
