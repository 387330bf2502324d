"""Import resolution and detection of every way a function becomes a tf.function (issue 2's list)."""
from __future__ import annotations

import ast
import textwrap

import pytest

from hybridize_bot.analysis.imports import ImportTable
from hybridize_bot.analysis.source import parse
from hybridize_bot.analysis.summary import ModuleSummary, build_summary


def summarize(code: str, module: str = "pkg.mod", path: str = "pkg/mod.py") -> ModuleSummary:
    parsed = parse(path, textwrap.dedent(code).encode())
    assert not hasattr(parsed, "reason"), parsed
    return build_summary(parsed, module)  # type: ignore[arg-type]


def hybrid(summary: ModuleSummary) -> dict[str, tuple[str, dict[str, str]]]:
    """qualname -> (how it became hybrid, its tf.function keyword arguments as source text)."""
    return {
        fn.qualname: (fn.hybrid.kind, {k: ast.unparse(v) for k, v in fn.hybrid.keywords.items()})
        for fn in summary.functions if fn.hybrid is not None
    }


# ---- import resolution ---------------------------------------------------------------------------------

@pytest.mark.parametrize("imports,expr,expected", [
    ("import tensorflow as tf", "tf.function", "tensorflow.function"),
    ("import tensorflow.compat.v2 as tf", "tf.function", "tensorflow.function"),
    ("import tensorflow.compat.v1 as tf", "tf.function", "tensorflow.compat.v1.function"),
    ("import tensorflow", "tensorflow.function", "tensorflow.function"),
    ("from tensorflow import function", "function", "tensorflow.function"),
    ("from tensorflow import function as tff", "tff", "tensorflow.function"),
    ("from tensorflow import *", "function", "tensorflow.function"),
    ("import tensorflow as tf", "tf.keras.layers.Dense", "keras.layers.Dense"),
    ("from tensorflow import keras", "keras.Model", "keras.Model"),
    ("import tf", "tf.function", "tf.function"),  # a local module named tf.py is not TensorFlow
    ("import numpy as np", "np.random.rand", "numpy.random.rand"),
    ("", "print", "builtins.print"),
])
def test_names_resolve_to_qualified_names(imports: str, expr: str, expected: str) -> None:
    table = ImportTable(module="pkg.mod")
    for node in ast.parse(imports).body:
        table.add_import(node)  # type: ignore[arg-type]
    assert table.qualify(ast.parse(expr, mode="eval").body) == expected


def test_relative_imports_resolve_against_the_package() -> None:
    table = ImportTable(module="pkg.sub.mod")
    table.add_import(ast.parse("from ..util import helper").body[0])  # type: ignore[arg-type]
    table.add_import(ast.parse("from . import sibling").body[0])  # type: ignore[arg-type]
    assert table.qualify(ast.Name("helper")) == "pkg.util.helper"
    assert table.qualify(ast.Name("sibling")) == "pkg.sub.sibling"
    init = ImportTable(module="pkg.sub", is_package=True)
    init.add_import(ast.parse("from .impl import run").body[0])  # type: ignore[arg-type]
    assert init.qualify(ast.Name("run")) == "pkg.sub.impl.run"


def test_a_user_function_named_function_shadows_the_import() -> None:
    summary = summarize("""
        from tensorflow import function

        def function(f):
            return f

        @function
        def g(x):
            return x
    """)
    assert hybrid(summary) == {}


def test_tensorflow_imported_inside_try_still_counts() -> None:
    summary = summarize("""
        try:
            import tensorflow as tf
        except ImportError:
            tf = None

        @tf.function
        def g(x):
            return x
    """)
    assert hybrid(summary) == {"g": ("decorator", {})}


# ---- hybrid functions --------------------------------------------------------------------------------

def test_every_form_of_tf_function_is_found_with_its_arguments() -> None:
    summary = summarize("""
        import tensorflow as tf
        from tensorflow import function as tff

        @tf.function
        def plain(x):
            return x

        @tf.function(input_signature=[tf.TensorSpec([None])], jit_compile=True, reduce_retracing=True)
        def configured(x):
            return x

        @tf.function(experimental_relax_shapes=True, experimental_compile=True, autograph=False)
        def deprecated(x):
            return x

        def wrapped(x):
            return x

        fast = tf.function(wrapped)

        def called_once(x):
            return x

        tf.function(called_once)(1.0)

        square = tff(lambda v: v * v)

        class Model(tf.Module):
            def __init__(self):
                self.step = tf.function(self.train)

            def train(self, x):
                return x

            @tf.function
            def __call__(self, x):
                return x

        def outer(x):
            @tf.function
            def inner(y):
                return y
            return inner(x)
    """)
    found = hybrid(summary)
    assert found == {
        "plain": ("decorator", {}),
        "configured": ("decorator", {"input_signature": "[tf.TensorSpec([None])]", "jit_compile": "True",
                                     "reduce_retracing": "True"}),
        "deprecated": ("decorator", {"experimental_relax_shapes": "True", "experimental_compile": "True",
                                     "autograph": "False"}),
        "wrapped": ("call", {}),
        "called_once": ("call", {}),
        "<lambda:27>": ("call", {}),
        "Model.train": ("call", {}),
        "Model.__call__": ("decorator", {}),
        "outer.inner": ("decorator", {}),
    }
    assert summary.hybrid_aliases["fast"].qualname == "wrapped"


def test_keras_train_step_of_a_model_subclass_is_traced_by_keras() -> None:
    summary = summarize("""
        import tensorflow as tf

        class Net(tf.keras.Model):
            def train_step(self, data):
                return {}

            def helper(self):
                return 1

        class NotAModel:
            def train_step(self, data):
                return {}
    """)
    assert hybrid(summary) == {"Net.train_step": ("keras", {})}


def test_tf_function_in_a_loop_is_marked_as_such() -> None:
    summary = summarize("""
        import tensorflow as tf

        def g(x):
            return x

        for i in range(3):
            h = tf.function(g)
    """)
    (site,) = summary.hybrid_sites
    assert site.kind == "call" and site.in_loop and site.target is not None and site.target.name == "g"


@pytest.mark.parametrize("code, expr, expected", [
    ("import tensorflow as tf\nks = tf.keras\n", "ks.layers.Layer", "keras.layers.Layer"),
    ("import tensorflow as tf\nlayers = tf.keras.layers\n", "layers.Dense", "keras.layers.Dense"),
    ("import tensorflow as tf\ntfc = tf.compat.v1\n", "tfc.placeholder", "tensorflow.compat.v1.placeholder"),
    # Not an API path: the name is the module's own binding, as before.
    ("import numpy as np\nks = np.linalg\n", "ks.norm", "pkg.mod.ks.norm"),
    ("import tensorflow as tf\nks = make_keras()\n", "ks.layers.Layer", "pkg.mod.ks.layers.Layer"),
])
def test_module_level_alias_of_an_api_path(code: str, expr: str, expected: str) -> None:
    """`ks = tf.keras` at module level is another name for Keras (issue 10 P47-fixb, kgcnn)."""
    summary = summarize(code)
    assert summary.imports.qualify(ast.parse(expr, mode="eval").body) == expected


def test_a_tf_function_decorator_is_one_site_beside_a_tf_function_call() -> None:
    # trax's `jit` (tf_numpy/extensions.py): a `@tf.function(...)` decorator in a module that also calls
    # tf.function(...) was recorded as a decorator site and again as a call site, so HYB011 reported its
    # `experimental_compile=` twice.
    summary = summarize("""
        import tensorflow as tf

        g = tf.function(lambda x: x)

        @tf.function(experimental_compile=True, input_signature=[tf.TensorSpec(None)])
        def h(x):
            return x
    """)
    assert sorted((s.kind, s.node.lineno) for s in summary.hybrid_sites) == [("call", 4), ("decorator", 6)]
