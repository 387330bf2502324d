"""`tf` taken from a project module that imports TensorFlow (issue 11: the mining study's misses)."""
from __future__ import annotations

import ast

import pytest

from hybridize_bot.analysis.imports import ImportTable


@pytest.mark.parametrize("module, statement, expected", [
    ("app.model", "from .tensorflow_wrapper import tf", "tensorflow.function"),
    ("app.model", "from . import tf", "tensorflow.function"),
    ("app.model", "from app.compat import tf", "tensorflow.function"),
    ("scripts.train", "from utils.tf_compat import tf", "tensorflow.function"),
    ("scripts.train", "from common.tensorflow import tensorflow as tf", "tensorflow.function"),
    ("scripts.train", "from thirdparty.backend import tf", "thirdparty.backend.tf.function"),
    ("app.model", "from .backend import np as tf", "app.backend.np.function"),
    ("app.model", "from tensorflow.compat import v1 as tf", "tensorflow.compat.v1.function"),
    ("app.model", "import tensorflow as tf", "tensorflow.function"),
])
def test_tf_from_a_project_module(module: str, statement: str, expected: str) -> None:
    table = ImportTable(module=module)
    table.add_import(ast.parse(statement).body[0])  # type: ignore[arg-type]
    assert table.qualify(ast.parse("tf.function", mode="eval").body) == expected
