"""The TensorFlow/Keras claims behind HYB026 (ignored `input_shape=`) and HYB027 (reductions without
`axis`), checked on the installed TensorFlow with each rule's own examples."""
from __future__ import annotations

import warnings

import pytest

from hybridize_bot.analysis.rules.base import Example
from hybridize_bot.analysis.rules.model_input_shape import ModelInputShape
from hybridize_bot.analysis.rules.reduction_without_axis import ReductionWithoutAxis
from tests.runtime.tfrun import run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")


def _namespace(example: Example) -> dict:
    return run_program(example.files()[example.path].decode()).namespace


@pytest.mark.parametrize("index, cls, args", [(0, "Classifier", ()), (1, "Encoder", (4,)), (2, "Regressor", ((3,),))])
def test_model_subclass_ignores_input_shape(index: int, cls: str, args: tuple) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras' "Do not pass an `input_shape`" UserWarning
        model = _namespace(ModelInputShape.invalid[index])[cls](*args)
    assert model.built is False
    assert model.weights == []
    with pytest.raises(ValueError):
        model.count_params()  # "You tried to call `count_params` on layer ..., but the layer isn't built"


def test_building_explicitly_gives_the_declared_shape() -> None:
    namespace = run_program(ModelInputShape.use_instead).namespace
    model = namespace["model"]
    assert model.built is True
    assert model.count_params() == 28 * 28 * 10 + 10  # Flatten -> Dense(10)


def _train_step_loss(source: str) -> float:
    namespace = run_program(source).namespace
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([tf.keras.Input(shape=(5,)), tf.keras.layers.Dense(10)])
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.0)  # no update: both programs see the same weights
    x = tf.ones([4, 5])
    y = tf.zeros([4, 10])
    return float(namespace["train_step"](model, optimizer, x, y))


def test_reduction_without_axis_divides_by_every_axis() -> None:
    everything = _train_step_loss(ReductionWithoutAxis.example)
    per_example = _train_step_loss(ReductionWithoutAxis.use_instead)
    # mean over [4, 10] divides the total by 40; the per-example sum then batch mean divides it by 4
    assert per_example == pytest.approx(10 * everything, rel=1e-5)


def test_reduction_without_axis_returns_a_scalar() -> None:
    loss_fn = _namespace(ReductionWithoutAxis.invalid[1])["loss_fn"]
    features = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    weights = tf.constant([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    result = loss_fn(features, weights)
    assert result.shape == ()
    assert float(result) == 1 + 2 + 3 + 3 + 4 + 7  # every entry of the [2, 3] product
