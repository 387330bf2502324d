"""What api_kinds / value_kinds say about single expressions (expected kinds written out by hand)."""
from __future__ import annotations

import ast

import pytest

from hybridize_bot.analysis.facts.api_kinds import call_kind
from hybridize_bot.analysis.facts.value_kinds import LocalKinds
from hybridize_bot.analysis.imports import ImportTable


def _kinds(source: str, seeds: set[str]) -> tuple[LocalKinds, ast.Module]:
    tree = ast.parse(source)
    imports = ImportTable(module="example")
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.add_import(node)
    return LocalKinds.of(imports.qualify, list(ast.walk(tree)), seeds), tree


@pytest.mark.parametrize("qual, kind", [
    ("tensorflow.nest.flatten", "structure"),
    ("tensorflow.nest.is_nested", "python"),
    ("tensorflow.get_static_value", "python"),
    ("tensorflow.executing_eagerly", "python"),
    ("tensorflow.compat.dimension_value", "python"),
    ("tensorflow.TensorShape", "python"),
    ("tensorflow.is_tensor", "python"),
    ("tensorflow.reduce_sum", "tensor"),
    ("tensorflow.shape", "tensor"),
    ("tensorflow.Variable", "variable"),
    ("tensorflow.lookup.StaticHashTable", "unknown"),  # a resource object, not a tensor (P31-corpusb)
    ("tensorflow.lookup.KeyValueTensorInitializer", "unknown"),
    ("tensorflow.data.Dataset.range", "dataset"),
    ("builtins.isinstance", "python"),
    ("builtins.len", "python"),
    ("builtins.hasattr", "python"),
    ("builtins.callable", "python"),
    ("mylib.helper", "unknown"),
    (None, "unknown"),
])
def test_call_kinds(qual: str | None, kind: str) -> None:
    assert call_kind(qual) == kind


@pytest.mark.parametrize("expr, kind", [
    ("x", "tensor"),
    ("x + 1", "tensor"),
    ("x[0]", "tensor"),
    ("x > 0", "tensor"),
    ("x is None", "python"),
    ("x is not None and flag", "unknown"),
    ("x.shape", "python"),
    ("x.shape.rank", "python"),
    ("x.shape[0] is None", "python"),
    ("x.shape[0] > 1", "python"),
    ("x.dtype.is_floating", "python"),
    ("x.shape.as_list()", "python"),
    ("tf.get_static_value(x) is not None", "python"),
    ("tf.nest.flatten(x)", "structure"),
    ("flat", "structure"),
    ("flat[0]", "unknown"),
    ("len(flat) > 1", "python"),
    ("y", "tensor"),
    ("not x", "tensor"),
    ("not tf.executing_eagerly()", "python"),
    ("(x, y)", "structure"),
    ("n", "python"),
    ("mixed", "tensor"),
    ("self._built", "unknown"),
])
def test_expression_kinds(expr: str, kind: str) -> None:
    source = (
        "import tensorflow as tf\n"
        "flat = tf.nest.flatten(inputs)\n"
        "y = tf.reduce_sum(x)\n"
        "n = x.shape[0]\n"
        "mixed = 0\n"
        "mixed = mixed + y\n"
    )
    kinds, _ = _kinds(source, {"x"})
    assert kinds.kind(ast.parse(expr, mode="eval").body) == kind


@pytest.mark.parametrize("qual, kind", [
    ("tensorflow.python.util.nest.flatten", "structure"),
    ("tensorflow_probability.python.internal.nest_util.flatten_up_to", "structure"),
    ("tree.flatten", "structure"),
    ("tensorflow.python.util.nest.is_nested", "python"),
    ("tensorflow.unstack", "tensors"),
    ("tensorflow.split", "tensors"),
])
def test_nest_libraries_and_list_returning_ops(qual: str, kind: str) -> None:
    assert call_kind(qual) == kind


def test_parameters_used_as_structures_are_not_tensor_seeds() -> None:
    source = (
        "import tensorflow as tf\n"
        "if isinstance(sigma, (list, tuple)):\n"
        "    pass\n"
        "flat = tf.nest.flatten(inputs)\n"
        "pairs = list(zip(a, b))\n"
        "values = []\n"
        "values = tf.stack(values)\n"
        "idx, vals = [], []\n"
        "vals = tf.stack(vals)\n"
    )
    kinds, _ = _kinds(source, {"sigma", "inputs", "a", "x"})
    assert [kinds.kind(ast.parse(n, mode="eval").body) for n in ("sigma", "inputs", "a", "x")] == [
        "unknown", "unknown", "unknown", "tensor"]
    assert kinds.kind(ast.parse("values", mode="eval").body) == "tensor"
    assert kinds.maybe_structure(ast.parse("values", mode="eval").body)
    assert not kinds.maybe_structure(ast.parse("x", mode="eval").body)
    assert kinds.maybe_structure(ast.parse("vals", mode="eval").body)  # bound by tuple unpacking
    assert kinds.kind(ast.parse("idx", mode="eval").body) == "structure"


# ---- issue 11: API summaries of the values Keras, tf.data and tf.distribute give back -----------------
@pytest.mark.parametrize("qual, kind", [
    ("keras.Input", "tensor"),
    ("keras.layers.Input", "tensor"),
    ("keras.layers.Dense", "layer"),
    ("keras.layers.concatenate", "tensor"),
    ("keras.layers.deserialize", "unknown"),
    ("keras.Sequential", "layer"),
    ("keras.models.load_model", "layer"),
    ("keras.applications.ResNet50", "layer"),
    ("keras.applications.resnet50.preprocess_input", "unknown"),
])
def test_keras_call_kinds(qual: str, kind: str) -> None:
    assert call_kind(qual) == kind


_KERAS_AND_DATA = (
    "import tensorflow as tf\n"
    "from tensorflow import keras\n"
    "inp = keras.Input(shape=(4,))\n"
    "dense = keras.layers.Dense(3)\n"
    "model = keras.Sequential([dense])\n"
    "out = model(x)\n"
    "hidden = dense(inp)\n"
    "first = model.trainable_variables[0]\n"
    "rest = model.trainable_variables[1:]\n"
    "kernel, bias = dense.weights\n"
    "for v in model.trainable_weights:\n"
    "    pass\n"
    "for g, w in zip(grads, model.trainable_variables):\n"
    "    pass\n"
    "for i, u in enumerate(tape.watched_variables()):\n"
    "    pass\n"
    "ds = tf.data.Dataset.range(10).batch(2)\n"
    "dist = strategy.experimental_distribute_dataset(ds)\n"
    "for features, labels in dist:\n"
    "    pass\n"
    "for batch in ds:\n"
    "    pass\n"
    "left, right = tf.split(x, 2)\n"
    "rows = tf.unstack(x)\n"
    "row = rows[0]\n"
    "config_weights = cfg.weights\n"
    "norms = [tf.norm(r) for r in tf.unstack(x)]\n"
)


@pytest.mark.parametrize("expr, kind", [
    ("inp", "tensor"),
    ("dense", "layer"),
    ("model", "layer"),
    ("out", "tensor"),
    ("hidden", "tensor"),
    ("model.trainable_variables", "variables"),
    ("model.weights", "variables"),
    ("first", "variable"),
    ("rest", "variables"),
    ("kernel", "variable"),
    ("bias", "variable"),
    ("v", "variable"),
    ("w", "variable"),
    ("g", "unknown"),
    ("i", "python"),
    ("u", "variable"),
    ("ds", "dataset"),
    ("dist", "dataset"),
    ("features", "tensor"),
    ("labels", "tensor"),
    ("batch", "unknown"),  # one element may be a tuple or dict of tensors
    ("left", "tensor"),
    ("right", "tensor"),
    ("rows", "tensors"),
    ("row", "tensor"),
    ("r", "tensor"),
    ("config_weights", "unknown"),  # `weights` of an unknown object: a common word, no claim
    ("cfg.variables", "unknown"),
])
def test_api_summaries(expr: str, kind: str) -> None:
    kinds, _ = _kinds(_KERAS_AND_DATA, set())
    assert kinds.kind(ast.parse(expr, mode="eval").body) == kind


def test_names_bound_to_different_objects_are_unknown() -> None:
    source = (
        "import tensorflow as tf\n"
        "layer = tf.keras.layers.Dense(2)\n"
        "layer = make_layer()\n"
        "y = layer(x)\n"
    )
    kinds, _ = _kinds(source, set())
    assert kinds.kind(ast.parse("layer", mode="eval").body) == "unknown"
    assert kinds.kind(ast.parse("y", mode="eval").body) == "unknown"


def test_gradients_of_a_variable_list_are_a_python_list() -> None:
    """issue 10 P23-fixa: `tape.gradient(loss, sources)` mirrors `sources`; a name assigned into
    (`grads[i:j] = ...`) is a Python container, and a slice of it may be one too."""
    source = (
        "import tensorflow as tf\n"
        "grads = tape.gradient(loss, model.trainable_variables)\n"
        "pair = tape.gradient(loss, [a, b])\n"
        "one = tape.gradient(loss, x)\n"
        "named = tape.gradient(loss, sources=model.trainable_variables)\n"
        "g = other.gradient(loss, obj.variables)\n"
        "g[0:2] = [-t for t in g[0:2]]\n"
        "head = g[0:2]\n"
        "g = tf.dynamic_stitch(idx, g)\n"
    )
    kinds, _ = _kinds(source, {"x"})
    kind = lambda e: kinds.kind(ast.parse(e, mode="eval").body)  # noqa: E731
    assert [kind(n) for n in ("grads", "grads[0]", "grads[1:]", "pair", "one", "named")] == [
        "tensors", "tensor", "tensors", "structure", "unknown", "tensors"]
    assert kind("g") == "tensor"
    assert kinds.maybe_structure(ast.parse("g", mode="eval").body)
    assert kinds.maybe_structure(ast.parse("head", mode="eval").body)
