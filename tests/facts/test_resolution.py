"""F-CG: call resolution across a repository (imports, classes, Keras dispatch, callbacks)."""
from __future__ import annotations

from .helpers import callees, fn, repo


def test_aliases_relative_imports_and_reexports() -> None:
    facts = repo({
        "pkg/__init__.py": "from .impl import helper as exported\n",
        "pkg/impl.py": """
            def helper(x):
                return x
        """,
        "pkg/sub/__init__.py": "",
        "pkg/sub/use.py": """
            from .. import exported
            from ..impl import helper as h
            import pkg.impl as impl_mod

            def a(x):
                return exported(x)

            def b(x):
                return h(x)

            def c(x):
                return impl_mod.helper(x)

            def d(x):
                f = h          # a function stored in a variable
                return f(x)
        """,
    })
    for name in ("a", "b", "c", "d"):
        assert callees(facts, "pkg/sub/use.py", name) == {"pkg/impl.py:helper"}, name


def test_src_layout_and_several_roots() -> None:
    facts = repo({
        "src/lib/__init__.py": "",
        "src/lib/core.py": "def run(x):\n    return x\n",
        "tools/__init__.py": "",
        "tools/cli.py": "from lib.core import run\n\ndef main(x):\n    return run(x)\n",
    })
    assert callees(facts, "tools/cli.py", "main") == {"src/lib/core.py:run"}


def test_star_import_of_a_project_module() -> None:
    facts = repo({
        "pkg/__init__.py": "",
        "pkg/ops.py": "def double(x):\n    return x * 2\n",
        "pkg/use.py": "from pkg.ops import *\n\ndef f(x):\n    return double(x)\n",
    })
    assert callees(facts, "pkg/use.py", "f") == {"pkg/ops.py:double"}


def test_methods_through_cross_module_bases_and_super() -> None:
    facts = repo({
        "base.py": """
            class Base:
                def helper(self, x):
                    return x

                def run(self, x):
                    return x
        """,
        "child.py": """
            from base import Base

            class Child(Base):
                def run(self, x):
                    return super().run(self.helper(x))

                @staticmethod
                def make():
                    return Child()
        """,
    })
    assert callees(facts, "child.py", "Child.run") == {"base.py:Base.run", "base.py:Base.helper"}
    # A class without __init__ of its own: the constructor call allocates, nothing to follow.
    assert callees(facts, "child.py", "Child.make") == set()


def test_keras_dispatch_model_call_and_layers_on_self() -> None:
    facts = repo({
        "layers.py": """
            import tensorflow as tf

            class Block(tf.keras.layers.Layer):
                def call(self, x):
                    return x * 2
        """,
        "model.py": """
            import tensorflow as tf
            from layers import Block

            class Net(tf.keras.Model):
                def __init__(self):
                    super().__init__()
                    self.block = Block()

                def call(self, x):
                    return self.block(x)

            def predict(x):
                model = Net()
                return model(x)
        """,
    })
    assert callees(facts, "model.py", "Net.call") == {"layers.py:Block.call"}
    assert callees(facts, "model.py", "predict") == {"model.py:Net.__init__", "model.py:Net.call"}


def test_tfdata_callbacks_are_roots_and_py_function_callbacks_run_eagerly() -> None:
    facts = repo({
        "data.py": """
            import tensorflow as tf

            def parse(x):
                return tf.strings.to_number(x)

            def log_it(x):
                print(x)
                return x

            def inner(x):
                return tf.py_function(log_it, [x], tf.string)

            ds = tf.data.Dataset.from_tensor_slices(["1"]).map(parse)
            ds2 = tf.data.Dataset.from_tensor_slices(["1"]).map(inner)
        """,
    })
    assert fn(facts, "data.py", "parse").in_graph
    assert fn(facts, "data.py", "inner").in_graph
    assert not fn(facts, "data.py", "log_it").in_graph, "py_function runs its callback eagerly"
    assert fn(facts, "data.py", "parse").tensor_parameters["x"].value is True  # tf.data elements


def test_strategy_run_is_a_call_edge_and_marks_graph_use() -> None:
    facts = repo({
        "dist.py": """
            import tensorflow as tf

            strategy = tf.distribute.MirroredStrategy()

            def replica_step(x):
                return x * 2

            @tf.function
            def step(x):
                return strategy.run(replica_step, args=(x,))
        """,
    })
    assert fn(facts, "dist.py", "replica_step").in_graph
    assert fn(facts, "dist.py", "replica_step").graph_required


def test_cycles_between_modules_and_recursion() -> None:
    facts = repo({
        "a.py": "import b\n\ndef ping(n):\n    return b.pong(n - 1)\n",
        "b.py": "import a\n\ndef pong(n):\n    return a.ping(n)\n\ndef leaf(n):\n    return n\n",
    })
    assert fn(facts, "a.py", "ping").recursive.value is True
    assert fn(facts, "b.py", "pong").recursive.value is True
    assert fn(facts, "b.py", "leaf").recursive.value is False


def test_decorators_stacked_with_tf_function_still_make_a_root() -> None:
    facts = repo({
        "m.py": """
            import functools
            import tensorflow as tf

            def helper(x):
                return x + 1

            @functools.lru_cache(maxsize=None)
            @tf.function
            def f(x):
                return helper(x)
        """,
    })
    assert fn(facts, "m.py", "f").hybrid
    assert fn(facts, "m.py", "helper").in_graph


def test_unresolved_calls_stay_unknown_never_pure() -> None:
    facts = repo({
        "m.py": """
            import mystery

            def f(x):
                return mystery.transform(x)
        """,
    })
    ff = fn(facts, "m.py", "f")
    assert ff.side_effects.value is None
    assert "mystery.transform" in ff.side_effects.reason


def test_test_files_are_eager_callers() -> None:
    facts = repo({
        "lib.py": "import tensorflow as tf\n\n@tf.function\ndef _f(x):\n    return x\n\n@tf.function\ndef g(x):\n    return _f(x)\n",
        "tests/test_lib.py": "from lib import _f\n\ndef test_f():\n    assert _f(1) == 1\n",
    })
    covered = fn(facts, "lib.py", "_f").callers_covered
    assert covered.value is False and "tests/test_lib.py" in covered.reason


def test_super_init_of_a_plain_class_is_pure() -> None:
    facts = repo({"m.py": """
        class Plain:
            def __init__(self, n):
                super().__init__()
                self.n = n

        def make(n):
            return Plain(n)
    """})
    assert fn(facts, "m.py", "make").side_effects.value is False


def test_nested_function_handed_to_tfdata_map_is_a_root() -> None:
    facts = repo({"m.py": """
        import tensorflow as tf

        def make(files):
            def parse(line):
                return tf.strings.to_number(line)
            return tf.data.TextLineDataset(files).map(parse)
    """})
    assert fn(facts, "m.py", "make.parse").in_graph
    assert fn(facts, "m.py", "make").refactoring is not None
    assert "RETURNS_PYTHON_FUNCTION" not in fn(facts, "m.py", "make").blocked_by


def test_a_factory_returning_a_nested_function_cannot_be_hybridized() -> None:
    facts = repo({"m.py": """
        import tensorflow as tf

        def factory(x):
            y = tf.reduce_sum(x)
            def inner(z):
                return z + y
            return inner

        factory(tf.ones(2))
    """})
    assert "RETURNS_PYTHON_FUNCTION" in fn(facts, "m.py", "factory").blocked_by


def test_api_for_rules_call_sites_callers_and_site_at() -> None:
    from hybridize_bot.analysis.config import Config
    from hybridize_bot.analysis.pipeline.load import load_project

    from .helpers import files

    loaded = load_project(files({"m.py": """
        import tensorflow as tf

        @tf.function
        def step(x, n):
            return x * n

        def train():
            for i in range(3):
                step(tf.ones(2), i)

        if __name__ == "__main__":
            train()
    """}), Config())
    project = loaded.project
    step = project.modules["m.py"].top_functions["step"]
    callers = project.callers_of(step)
    assert [(c.qualname, s.in_loop, s.arg_kinds) for c, s in callers] == [
        ("train", True, {"x": "tensor", "n": "loop-varying Python value"})]
    site = callers[0][1]
    assert project.facts.site_at("m.py", site.line, site.col)[0].callee == site.callee
    assert project.facts.tensor_param(step, "x").value is True
    assert project.facts.primitive_param(step, "n").value is True
    assert project.facts.in_loop(step).value is True


def test_property_getters_are_called_by_attribute_reads() -> None:
    facts = repo({"m.py": """
        import tensorflow as tf

        LOG = []

        class Model:
            @property
            def scale(self):
                LOG.append("read")
                return 2.0

            @tf.function
            def step(self, x):
                return x * self.scale
    """})
    assert fn(facts, "m.py", "Model.scale").in_graph
    assert fn(facts, "m.py", "Model.step").side_effects.value is True


def test_a_function_returning_a_plain_project_object_cannot_be_hybridized() -> None:
    # TF 2.21 raises "must return zero or more Tensors or ExtensionTypes" for any other object
    # (TF Quant Finance's DateTensor, issue 10 P28-corpusa).
    facts = repo({"dates.py": """
        import tensorflow as tf

        class DateTensor:
            def __init__(self, ordinals):
                self.ordinals = ordinals

        class Span(tf.experimental.ExtensionType):
            start: tf.Tensor

            def __init__(self, start):
                self.start = start

        def from_ordinals(ordinals):
            return DateTensor(tf.cast(ordinals, tf.int32) + 1)

        def convert(values):
            return from_ordinals(tf.convert_to_tensor(values))

        def span(start):
            return Span(tf.cast(start, tf.int32) * 2)
    """})
    assert "RETURNS_PYTHON_OBJECT" in fn(facts, "dates.py", "from_ordinals").blocked_by
    assert "RETURNS_PYTHON_OBJECT" in fn(facts, "dates.py", "convert").blocked_by
    assert "RETURNS_PYTHON_OBJECT" not in fn(facts, "dates.py", "span").blocked_by
