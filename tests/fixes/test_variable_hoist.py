"""HYB004's gated refactoring: a variable created on every call moves to `__init__` or module level.

Before/after written out by hand; the refusals name the fact that failed. The engine runs the rule, the
codemod and the verification (re-parse, re-analyze: finding gone, nothing new, idempotent)."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

GATED = {FixSafety.SAFE, FixSafety.GATED}

METHOD = b'''import tensorflow as tf

BASE = [1.0, 2.0]


class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.k = 2.0

    @tf.function
    def __call__(self, x):
        w = tf.Variable(BASE, trainable=False)  # the weights
        return x * w + self.k
'''
METHOD_FIXED = b'''import tensorflow as tf

BASE = [1.0, 2.0]


class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.k = 2.0
        self._w = tf.Variable(BASE, trainable=False)

    @tf.function
    def __call__(self, x):
        w = self._w  # the weights
        return x * w + self.k
'''

FUNCTION = b'''import tensorflow as tf


# shifts a batch
@tf.function
def shift(x):
    b = tf.Variable(
        tf.zeros([2]),  # starts at zero
    )
    return x + tf.square(b) * 2.0
'''
FUNCTION_FIXED = b'''import tensorflow as tf


_shift_b = tf.Variable(
    tf.zeros([2]),  # starts at zero
)


# shifts a batch
@tf.function
def shift(x):
    b = _shift_b
    return x + tf.square(b) * 2.0
'''


@pytest.mark.parametrize("before, after", [(METHOD, METHOD_FIXED), (FUNCTION, FUNCTION_FIXED)],
                         ids=["method-to-init", "function-to-module-level"])
def test_hoisted_with_comments_kept_and_verified(before: bytes, after: bytes) -> None:
    (finding,) = [f for f in analyze_sources({"m.py": before}).findings if f.code == "HYB004"]
    assert finding.fix is not None and finding.fix.safety is FixSafety.GATED
    assert "created from module-level values only, bound once, and only read" in finding.fix.reason
    result = apply_fixes({"m.py": before}, GATED, select=["HYB004"])
    assert not result.withheld and [f.code for f in result.applied] == ["HYB004"]
    assert result.changed["m.py"] == after
    # Idempotent: nothing left to apply on the fixed file, and no HYB004 any more.
    again = apply_fixes({"m.py": after}, GATED, select=["HYB004"])
    assert not again.changed and not again.applied
    assert not [f for f in analyze_sources({"m.py": after}).findings if f.code == "HYB004"]


SUGGESTED = [
    ("reads-a-parameter", "v = tf.Variable(tf.zeros_like(x))\n    return x + v",
     "its initial value reads `x` from the call"),
    ("assigned", "v = tf.Variable(0.0)\n    v.assign_add(1.0)\n    return x + v", "`v` is used as `v.assign_add`"),
    ("returned", "v = tf.Variable(0.0)\n    return v", "`v` is returned"),
    ("passed-on", "v = tf.Variable(0.0)\n    return helper(x, v)", "is passed to a function that is not a TensorFlow op"),
    ("random", "v = tf.Variable(tf.random.normal([2]))\n    return x + v", "its initial value is random"),
    ("in-a-branch", "if x.shape[0]:\n        v = tf.Variable(0.0)\n        return x + v\n    return x",
     "not assigned to a name directly in the function's body"),
    ("keras-layer", "layer = tf.keras.layers.Dense(2)\n    return layer(x)", None),
]


@pytest.mark.parametrize("body, why", [(b, w) for _, b, w in SUGGESTED], ids=[i for i, _, _ in SUGGESTED])
def test_a_failed_precondition_keeps_it_a_suggestion_that_says_why(body: str, why: str | None) -> None:
    source = f"import tensorflow as tf\n\ndef helper(a, b):\n    return a\n\n@tf.function\ndef f(x):\n    {body}\n"
    (finding,) = [f for f in analyze_sources({"m.py": source.encode()}).findings if f.code == "HYB004"]
    assert finding.fix is not None and finding.fix.safety is FixSafety.SUGGESTION
    if why is not None:
        assert finding.fix.reason.startswith("not moved automatically: ") and why in finding.fix.reason
    assert not apply_fixes({"m.py": source.encode()}, GATED, select=["HYB004"]).changed


def test_a_class_without_init_or_a_name_in_use_is_not_refactored() -> None:
    no_init = METHOD.replace(b"    def __init__(self):\n        super().__init__()\n        self.k = 2.0\n\n", b"    k = 2.0\n\n")
    (finding,) = [f for f in analyze_sources({"m.py": no_init}).findings if f.code == "HYB004"]
    assert finding.fix.reason == "not moved automatically: class `Scale` has no `__init__(self, ...)` to create it in"
    taken = FUNCTION.replace(b"import tensorflow as tf\n", b"import tensorflow as tf\n_shift_b = 1\n")
    (finding,) = [f for f in analyze_sources({"m.py": taken}).findings if f.code == "HYB004"]
    assert finding.fix.reason == "not moved automatically: the module already uses the name `_shift_b`"


def test_a_name_that_init_shadows_is_not_moved_into_init() -> None:
    shadowing = METHOD.replace(b"    def __init__(self):\n", b"    def __init__(self, BASE=None):\n")
    (finding,) = [f for f in analyze_sources({"m.py": shadowing}).findings if f.code == "HYB004"]
    assert finding.fix.reason == "not moved automatically: `Scale.__init__` binds `BASE` too"
