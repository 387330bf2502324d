"""HYB002-HYB004 beyond their embedded examples: edge cases of receivers, guards and name resolution."""
from __future__ import annotations

import textwrap

import pytest

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.model import FixSafety, Severity


def findings(code: str, source: str | dict[str, str]):
    files = {"example.py": source} if isinstance(source, str) else source
    data = {p: textwrap.dedent(s).lstrip("\n").encode() for p, s in files.items()}
    return [f for f in analyze_sources(data).findings if f.code == code]


def lines(code: str, source: str | dict[str, str]) -> list[int]:
    return sorted(f.line for f in findings(code, source))


# ---- HYB002 -----------------------------------------------------------------------------------------

def test_hyb002_container_methods_need_container_evidence_for_ambiguous_names() -> None:
    src = """
        import tensorflow as tf

        class M(tf.Module):
            def __init__(self, tracker):
                self.cache = {}
                self.tracker = tracker

            @tf.function
            def __call__(self, x):
                self.cache.update({"x": 1})
                self.tracker.update(x)
                self.tracker.update_state(x)
                self.add_loss(x)
                return x
    """
    assert lines("HYB002", src) == [10]


def test_hyb002_nonlocal_rebinding_and_del_are_reported() -> None:
    src = """
        import tensorflow as tf

        CACHE = {"a": 1}

        def make():
            count = 0

            @tf.function
            def f(x):
                nonlocal count
                count = count + 1
                del CACHE["a"]
                return x

            return f
    """
    found = findings("HYB002", src)
    assert [f.line for f in found] == [11, 12]
    assert "nonlocal `count`" in found[0].message


def test_hyb002_guarded_lazy_creation_is_not_reported() -> None:
    src = """
        import tensorflow as tf

        v = None

        class Slots(tf.Module):
            def __init__(self):
                self.slots = {}

            @tf.function
            def get(self, x):
                global v
                if v is None:
                    v = tf.Variable(1.0)
                if "acc" not in self.slots:
                    self.slots["acc"] = tf.Variable(tf.zeros_like(x))
                return self.slots["acc"].assign_add(x) * v
    """
    assert lines("HYB002", src) == []


def test_hyb002_guarded_store_of_a_graph_tensor_is_still_a_leak() -> None:
    src = """
        import tensorflow as tf

        class M(tf.Module):
            def __init__(self):
                self.first = None

            @tf.function
            def __call__(self, x):
                if self.first is None:
                    self.first = tf.reduce_sum(x)
                return x
    """
    found = findings("HYB002", src)
    assert [f.line for f in found] == [10]
    assert "symbolic graph tensor" in found[0].message


def test_hyb002_helper_filling_its_parameter_is_not_reported_but_outer_state_in_helper_is() -> None:
    src = """
        import tensorflow as tf

        SEEN = []

        def fill(parts, x):
            parts.append(x)
            SEEN.append(1)

        @tf.function
        def f(x):
            parts = []
            fill(parts, x)
            return tf.add_n(parts)
    """
    found = findings("HYB002", src)
    assert [f.line for f in found] == [7]
    assert "reached from tf.function `f`" in found[0].message
    assert found[0].fix is not None and found[0].fix.safety is FixSafety.SUGGESTION


def test_hyb002_modules_builtins_and_staticmethods_are_not_outer_state() -> None:
    src = """
        import numpy as np
        import tensorflow as tf

        class Ops:
            @staticmethod
            @tf.function
            def f(x):
                y = tf.add(x, 1)
                z = np.add(1, 2)
                items = [i for i in range(3)]
                items.append(z)
                return y
    """
    assert lines("HYB002", src) == []


def test_hyb002_nested_helper_using_the_methods_self_and_rebound_argument() -> None:
    src = """
        import tensorflow as tf

        class M(tf.Module):
            def __init__(self):
                self.log = []

            @tf.function
            def __call__(self, x, out):
                out = []
                out.append(x)

                def note(v):
                    self.log.append(v)

                note(x)
                return x
    """
    assert lines("HYB002", src) == [13]


# ---- HYB003 -----------------------------------------------------------------------------------------

def test_hyb003_from_imports_and_pathlib_io_are_reported() -> None:
    src = """
        from pathlib import Path
        from random import randint
        import tensorflow as tf

        @tf.function
        def f(x):
            Path("out.txt").write_text("traced")
            return x + randint(0, 9)
    """
    found = findings("HYB003", src)
    assert [f.line for f in found] == [7, 8]
    randint_fix = found[1].fix
    assert randint_fix is not None and "includes b" in randint_fix.description


def test_hyb003_shadowed_random_and_pure_helpers_are_not_reported() -> None:
    src = """
        import json
        import os
        import random
        import tensorflow as tf

        rng = tf.random.Generator.from_seed(0)

        @tf.function
        def f(x, path):
            random = rng
            name = os.path.join("a", "b")
            blob = json.dumps({"name": name})
            return x + random.normal([]), blob
    """
    assert lines("HYB003", src) == []


def test_hyb003_module_level_rebinding_of_random_is_not_the_module() -> None:
    src = """
        import random
        import tensorflow as tf

        random = tf.random.Generator.from_seed(0)

        @tf.function
        def f(x):
            return x + random.normal([])
    """
    assert lines("HYB003", src) == []


# ---- HYB004 -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("guard", [
    "if self.v is None and x.shape[0] > 0:",
    "if not hasattr(self, 'v'):",
    "if not self.v:",
])
def test_hyb004_once_guards(guard: str) -> None:
    src = f"""
        import tensorflow as tf

        class S(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def __call__(self, x):
                {guard}
                    self.v = tf.Variable(tf.ones_like(x))
                return self.v * x
    """
    assert lines("HYB004", src) == []


def test_hyb004_early_return_guard() -> None:
    src = """
        import tensorflow as tf

        class S(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def init(self, x):
                if self.v is not None:
                    return self.v
                self.v = tf.Variable(x)
                return self.v
    """
    assert lines("HYB004", src) == []


def test_hyb004_keras_functions_and_schedules_are_not_constructors_but_metrics_and_models_are() -> None:
    src = """
        import tensorflow as tf

        @tf.function
        def f(a, b):
            s = tf.keras.layers.add([a, b])
            lr = tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
            m = tf.keras.metrics.Mean()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            return s
    """
    found = findings("HYB004", src)
    assert [f.line for f in found] == [7, 8, 8]
    assert all(f.severity is Severity.INFO for f in found)  # issue 10 severity policy: HYB004 is info


def test_hyb004_project_class_whose_constructor_creates_a_variable() -> None:
    src = """
        import tensorflow as tf

        class Acc:
            def __init__(self):
                self.v = tf.Variable(0.0)

        @tf.function
        def f(x):
            acc = Acc()
            return acc.v.assign_add(x)
    """
    found = findings("HYB004", src)
    assert [f.line for f in found] == [9]
    assert "constructor creates a variable" in found[0].message
