"""Issue 15 refactorings: identical results before and after under real TensorFlow (see test_fix_equivalence)."""
from __future__ import annotations

import pytest

from .test_fix_equivalence import _fixed, _main, _same

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
