"""Issue 15 refactorings: identical results before and after under real TensorFlow (see test_fix_equivalence)."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

from hybridize_bot.analysis.config import Config

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


VARIABLES = """
import tensorflow as tf

BASE = [0.5, -1.0, 2.0]


class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.k = 3.0

    @tf.function
    def __call__(self, x):
        w = tf.Variable(BASE, trainable=False)  # per-call weights
        return tf.reduce_sum(x * w, axis=-1) + self.k


@tf.function
def shift(x):
    b = tf.Variable(tf.fill([3], 0.25))
    return x + tf.square(b) * 2.0


def main():
    scale = Scale()
    xs = [tf.reshape(tf.range(6, dtype=tf.float32), [2, 3]), tf.ones([4, 3]), tf.constant([[1.0, -2.0, 0.0]])]
    return [scale(x) for x in xs] + [shift(x) for x in xs]
"""


def test_hyb004_variable_hoisted_gives_the_eager_results_in_graph_mode() -> None:
    """Before the fix the functions fail in graph mode; run eagerly they give the intended results. After
    it, in graph mode, they give exactly those results (and keep giving them on later calls)."""
    import tensorflow as tf

    after = _fixed(VARIABLES, {FixSafety.SAFE, FixSafety.GATED}, code="HYB004")
    assert "self._w = tf.Variable(BASE, trainable=False)" in after and "w = self._w  # per-call weights" in after
    assert "_shift_b = tf.Variable(tf.fill([3], 0.25))" in after
    with pytest.raises(ValueError, match="singleton tf.Variables created on the first call"):
        _main(VARIABLES)
    tf.config.run_functions_eagerly(True)
    try:
        eager = _main(VARIABLES)
    finally:
        tf.config.run_functions_eagerly(False)
    graph = _main(after)
    assert _same(eager, graph)
    assert eager[0].numpy().tolist() == [6.0, 10.5] and eager[3].numpy().tolist() == [[0.125, 1.125, 2.125],
                                                                                       [3.125, 4.125, 5.125]]
    # The comparison can fail: a hoist that let the variable change between calls would drift.
    drifting = after.replace("b = _shift_b", "b = _shift_b\n    b.assign_add(tf.ones([3]))")
    assert not _same(eager[3:], _main(drifting)[3:])


SIGNATURE = """
import tensorflow as tf

@tf.function  # pools a batch
def pool(batch, scale):
    return tf.reduce_sum(tf.nn.relu(batch) * scale[:, None], axis=0) / tf.cast(tf.shape(batch)[0], tf.float32)

def main():
    out = []
    for n in range(1, 9):
        batch = tf.ones([n, 3])
        scale = tf.cast(tf.range(n), tf.float32)
        out.append(pool(batch, scale))
    return [v.numpy().tolist() for v in out], pool.experimental_get_tracing_count()
"""


def test_hyb008_input_signature_keeps_outputs_and_traces_once() -> None:
    """Without a declared minimum TensorFlow (so no `reduce_retracing`), the signature the call site
    proves: one trace instead of one per batch size, the same results."""
    result = apply_fixes({"example.py": SIGNATURE.encode()}, {FixSafety.SAFE, FixSafety.GATED}, Config())
    assert [f.code for f in result.applied] == ["HYB008"] and not result.withheld
    after = result.changed["example.py"].decode()
    assert ("@tf.function(input_signature=[tf.TensorSpec([None, None], tf.float32), "
            "tf.TensorSpec([None], tf.float32)])  # pools a batch") in after
    (out_a, traces_a), (out_b, traces_b) = _main(SIGNATURE), _main(after)
    assert _same(out_a, out_b) and out_a[0] == [0.0, 0.0, 0.0] and out_a[7] == [3.5, 3.5, 3.5]
    assert (traces_a, traces_b) == (8, 1)
    # The comparison can fail: a signature with the wrong dtype is rejected at the first call.
    with pytest.raises((TypeError, ValueError)):
        _main(after.replace("tf.TensorSpec([None], tf.float32)])", "tf.TensorSpec([None], tf.int32)])"))


WARMUP = """
import tensorflow as tf

BASE = tf.constant([0.1, 0.2])

@tf.function
def warmup(base, step):
    return base * tf.minimum(1.0, tf.cast(step, tf.float32) / 4.0)

def main():
    out = [warmup(BASE, step) for step in range(6)]
    for step in range(6, 9):
        out.append(warmup(BASE, step))  # the tail
    return [v.numpy().tolist() for v in out], warmup.experimental_get_tracing_count()
"""


def test_hyb006_tf_constant_for_a_cast_only_parameter_keeps_outputs_and_traces_once() -> None:
    after = _fixed(WARMUP, {FixSafety.SAFE, FixSafety.GATED})
    assert "out = [warmup(BASE, tf.constant(step)) for step in range(6)]" in after
    assert "out.append(warmup(BASE, tf.constant(step)))  # the tail" in after and "@tf.function" in after
    (out_a, traces_a), (out_b, traces_b) = _main(WARMUP), _main(after)
    assert _same(out_a, out_b) and (traces_a, traces_b) == (9, 1)
    assert out_a[2] == pytest.approx([0.05, 0.1]) and out_a[8] == pytest.approx([0.1, 0.2])
    # The comparison can fail: a rewrite that passed another value (`step * 2`) gives other results.
    assert not _same(out_a, _main(after.replace("tf.constant(step)", "tf.constant(step * 2)"))[0])
