"""Issue 15 refactorings: identical results before and after under real TensorFlow (see test_fix_equivalence)."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

from .test_fix_equivalence import CONFIG, _fixed, _main, _same

pytestmark = pytest.mark.runtime

GATHER = """
import tensorflow as tf

TABLE = tf.reshape(tf.range(12, dtype=tf.float32), [4, 3])

def lookup(ids):
    return tf.gather(TABLE, ids, validate_indices={value})

@tf.function
def lookup_graph(ids):
    return tf.gather(TABLE, ids, axis=1, validate_indices={value})

def main():
    out = [lookup(tf.constant([3, 0, 3])), lookup_graph(tf.constant([2, 1]))]
    try:
        lookup(tf.constant([7]))
    except tf.errors.InvalidArgumentError:
        out.append("out of range rejected")
    return out
"""


@pytest.mark.parametrize("value", ["True", "False", "None"])
def test_hyb025_dropping_validate_indices_keeps_outputs_and_errors(value: str) -> None:
    before = GATHER.format(value=value)
    after = _fixed(before, code="HYB025")
    assert "validate_indices" not in after and "axis=1" in after
    a, b = _main(before), _main(after)
    assert a[2] == "out of range rejected" and _same(a, b)
    assert a[0].numpy().tolist() == [[9.0, 10.0, 11.0], [0.0, 1.0, 2.0], [9.0, 10.0, 11.0]]
    # The comparison can fail: a rewrite that lost `axis=1` gathers rows instead of columns.
    wrong = _main(after.replace("axis=1", "axis=0"))[1]
    assert a[1].numpy().tolist() == [[2.0, 1.0], [5.0, 4.0], [8.0, 7.0], [11.0, 10.0]]
    assert wrong.shape != a[1].shape


RETRACE = """
import tensorflow as tf

@tf.function  # scores a prefix
def score(prefix):
    return tf.reduce_sum(tf.nn.softplus(prefix)) / tf.cast(tf.size(prefix), tf.float32)

def main():
    tokens = tf.range(12, dtype=tf.float32) / 7.0
    out = []
    for n in range(1, 9):
        prefix = tokens[:n]
        out.append(score(prefix))
    return [float(v) for v in out], score.experimental_get_tracing_count()
"""


def test_hyb008_reduce_retracing_keeps_outputs_and_traces_less() -> None:
    after = _fixed(RETRACE, {FixSafety.SAFE, FixSafety.GATED}, code="HYB008")
    assert "@tf.function(reduce_retracing=True)  # scores a prefix" in after
    (out_a, traces_a), (out_b, traces_b) = _main(RETRACE), _main(after)
    assert _same(out_a, out_b)
    assert traces_a == 8 and traces_b < traces_a  # one trace per length before; generalized after


def test_hyb008_is_not_gated_when_the_function_reads_a_static_shape() -> None:
    source = RETRACE.replace("tf.cast(tf.size(prefix), tf.float32)", "prefix.shape[0]")
    result = apply_fixes({"example.py": source.encode()}, {FixSafety.SAFE, FixSafety.GATED}, CONFIG)
    assert not result.applied
    # ... and rightly so: with dynamic shapes `prefix.shape[0]` is None and the program breaks.
    wrong = source.replace("@tf.function", "@tf.function(reduce_retracing=True)")
    with pytest.raises(ValueError, match="None values not supported"):
        _main(wrong)


DECAY = """
import tensorflow as tf

X = tf.reshape(tf.range(16, dtype=tf.float32), [4, 4]) / 16.0

@tf.function
def decay_step(x, step):
    rate = 0.5 ** (step / 10)
    return tf.reduce_sum(tf.matmul(x, x) * rate)

def main():
    return [decay_step(X, step) for step in range(5)]
"""


def test_hyb006_stays_a_suggestion_because_tf_constant_changes_the_dtype() -> None:
    """Why HYB006's `tf.constant(step)` is never gated: a Python int becomes an int32 tensor, `step / 10` a
    float64 tensor, and mixing it with float32 tensors fails where the Python number was converted silently."""
    result = apply_fixes({"example.py": DECAY.encode()}, {FixSafety.SAFE, FixSafety.GATED}, CONFIG)
    # What is applied instead is Hybridize's P3 refactoring: de-hybridize (HYB022), with the same results.
    assert [f.code for f in result.applied] == ["HYB022"]
    assert _same(_main(DECAY), _main(result.changed["example.py"].decode()))
    with pytest.raises(Exception, match="float64|double"):
        _main(DECAY.replace("decay_step(X, step)", "decay_step(X, tf.constant(step))"))
