"""F-SE, F-TEN, F-LIT, F-LOOP, F-CALLERS, tensor computation: one small project per fact."""
from __future__ import annotations

import pytest

from .helpers import fn, repo

TF = "import tensorflow as tf\n"


@pytest.mark.parametrize("body,expected,kind", [
    ("global counter\n    counter += 1\n    return x", True, "global-write"),
    ("x.attr = 1\n    return x", True, "attr-write"),
    ("print(x)\n    return x", True, "print"),
    ("open('f.txt', 'w').write('a')\n    return x", True, "io"),
    ("import random\n    return x * random.random()", True, "nondeterminism"),
    ("HISTORY.append(x)\n    return x", True, "mutation"),
    ("out = []\n    out.append(x)\n    return out", False, None),
    ("v = tf.Variable(1.0)\n    v.assign(x)\n    tf.print(x)\n    return v", False, None),
    ("import math\n    return math.sqrt(x) + len([x])", False, None),
])
def test_side_effects_of_a_function(body: str, expected: bool, kind: str | None) -> None:
    facts = repo({"m.py": TF + "HISTORY = []\ncounter = 0\n\ndef f(x):\n    " + body + "\n"})
    ff = fn(facts, "m.py", "f")
    assert ff.side_effects.value is expected, ff.side_effects.reason
    if kind:
        assert ff.side_effect_reasons[0].kind == kind
        assert ff.side_effect_reasons[0].path == "m.py"


def test_side_effects_are_transitive_across_modules_with_location() -> None:
    facts = repo({
        "util.py": "state = {}\n\ndef remember(k, v):\n    state[k] = v\n",
        "main.py": "from util import remember\n\ndef outer(x):\n    remember('x', x)\n    return x\n",
    })
    ff = fn(facts, "main.py", "outer")
    assert ff.side_effects.value is True
    assert ff.side_effect_reasons[0].location() == "util.py:4"


def test_mutating_a_parameter_is_local_when_the_caller_passes_a_fresh_list() -> None:
    facts = repo({"m.py": """
        def add(items, x):
            items.append(x)

        def build(x):
            out = []
            add(out, x)
            return out

        def leak(x, shared):
            add(shared, x)
    """})
    assert fn(facts, "m.py", "add").side_effects.value is True
    assert fn(facts, "m.py", "build").side_effects.value is False
    assert fn(facts, "m.py", "leak").side_effects.value is True


def test_keras_build_may_create_weights_and_constructors_initialise_fresh_objects() -> None:
    facts = repo({"m.py": TF + """
class Dense(tf.keras.layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.units = units

    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1], self.units))

def make():
    return Dense(3)
"""})
    assert fn(facts, "m.py", "Dense.build").side_effects.value is False
    assert fn(facts, "m.py", "Dense.__init__").side_effects.value is True  # writes its receiver
    assert fn(facts, "m.py", "make").side_effects.value is False  # ...which `make` allocates


def test_tensor_parameters_seeded_and_propagated_across_files() -> None:
    facts = repo({
        "ops.py": """
            def scale(t, k):
                return t * k

            def wrap(a):
                return scale(a, 2)
        """,
        "main.py": """
            import tensorflow as tf
            from ops import wrap, scale

            def make():
                return tf.ones(3)

            def run():
                x = make()               # through a return
                y = x                    # through an assignment
                wrap(y)                  # through call-site arguments, two levels
                inp = tf.keras.Input(shape=(2,))
                scale(inp, 1.5)
        """,
    })
    wrap = fn(facts, "ops.py", "wrap")
    scale = fn(facts, "ops.py", "scale")
    assert wrap.tensor_parameters["a"].value is True
    assert "main.py" in wrap.tensor_parameters["a"].reason
    assert scale.tensor_parameters["t"].value is True
    assert scale.tensor_parameters["k"].value is False
    assert scale.primitive_parameters["k"].value is True
    assert scale.keras_tensor_arguments and scale.keras_tensor_arguments[0].path == "main.py"


def test_tensor_type_hints_and_unknown_sites() -> None:
    facts = repo({"m.py": TF + """
def hinted(x: tf.Tensor, n: int):
    return x

def unknown(x):
    return x

def caller(cfg):
    unknown(cfg.value)
"""})
    hinted = fn(facts, "m.py", "hinted")
    assert hinted.tensor_parameters["x"].value is True
    assert hinted.primitive_parameters["n"].value is True
    assert fn(facts, "m.py", "unknown").tensor_parameters["x"].value is None


def test_booleans_are_tracked_apart_from_other_literals() -> None:
    facts = repo({"m.py": TF + """
def f(x, training, steps):
    return x

for i in range(3):
    f(tf.ones(1), True, i)
    f(tf.ones(1), False, 5)
"""})
    ff = fn(facts, "m.py", "f")
    assert ff.primitive_parameters["training"].value is True
    assert any("training" in n for n in ff.notes)
    assert ff.primitive_parameters["steps"].value is True
    assert ff.primitive_parameters["x"].value is False


def test_loop_context_is_transitive_and_callers_coverage() -> None:
    facts = repo({"m.py": TF + """
def leaf(x):
    return x

def mid(x):
    return leaf(x)

def once(x):
    return x

@tf.function
def g(x):
    return once(x)

for _ in range(3):
    mid(1)
"""})
    assert fn(facts, "m.py", "leaf").called_in_loop.value is True
    assert fn(facts, "m.py", "once").called_in_loop.value is False
    assert fn(facts, "m.py", "once").callers_covered.value is True
    assert fn(facts, "m.py", "mid").callers_covered.value is False
    assert fn(facts, "m.py", "g").callers_covered.value is None  # no known caller


def test_tensor_computation_transitive_and_unknown() -> None:
    facts = repo({"m.py": TF + """
import mystery

def compute(x):
    return tf.reduce_sum(x)

def calls_compute(x):
    return compute(x)

def pure_python(x):
    return x + 1

def opaque(x):
    return mystery.f(x)

pure_python(1)
"""})
    assert fn(facts, "m.py", "calls_compute").tensor_computation.value is True
    assert fn(facts, "m.py", "pure_python").tensor_computation.value is False
    assert fn(facts, "m.py", "opaque").tensor_computation.value is None


def test_public_api() -> None:
    facts = repo({
        "pkg/__init__.py": "",
        "pkg/api.py": "def run(x):\n    return x\n\ndef _hidden(x):\n    return x\n",
        "script.py": "def main(x):\n    return x\n",
    })
    assert fn(facts, "pkg/api.py", "run").public.value is True
    assert fn(facts, "pkg/api.py", "_hidden").public.value is False
    assert fn(facts, "script.py", "main").public.value is False


def test_arithmetic_on_parameters_of_unknown_kind_is_not_no_tensor_computation() -> None:
    facts = repo({"m.py": TF + "@tf.function\ndef step(x):\n    tf.print(x)\n    return x * 2\n"})
    ff = fn(facts, "m.py", "step")
    assert ff.tensor_computation.value is None
    assert ff.blocked_by  # P6 cannot be claimed: no HYB022


def test_nonlocal_writes_in_closures_are_side_effects_of_the_inner_function() -> None:
    facts = repo({"m.py": """
        def make_counter():
            count = 0

            def bump(x):
                nonlocal count
                count += 1
                return x

            return bump
    """})
    bump = fn(facts, "m.py", "make_counter.bump")
    assert bump.side_effects.value is True
    assert bump.side_effect_reasons[0].kind == "nonlocal-write"
    assert fn(facts, "m.py", "make_counter").side_effects.value is False


def test_keras_layer_results_seed_tensor_parameters() -> None:
    facts = repo({"m.py": TF + """
def post(h):
    return h

class Net(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(4)

    def call(self, x):
        h = self.dense(x)
        return post(h)
"""})
    assert fn(facts, "m.py", "post").tensor_parameters["h"].value is True
