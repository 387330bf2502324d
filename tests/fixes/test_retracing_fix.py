"""HYB008's gated codemod: `@tf.function` -> `@tf.function(reduce_retracing=True)` (issue 15)."""
from __future__ import annotations

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

GATED = {FixSafety.SAFE, FixSafety.GATED}
CONFIG = Config(min_tf_version=(2, 12))
BEFORE = b"""import tensorflow as tf


@tf.function  # keep me
def score(prefix):
    return tf.reduce_sum(prefix)


def run(tokens):
    for n in range(1, 9):
        score(tokens[:n])
"""
AFTER = BEFORE.replace(b"@tf.function  # keep me", b"@tf.function(reduce_retracing=True)  # keep me")


def test_applied_verified_and_idempotent() -> None:
    result = apply_fixes({"m.py": BEFORE}, GATED, CONFIG)
    assert [f.code for f in result.applied] == ["HYB008"] and not result.withheld
    assert result.changed["m.py"] == AFTER
    again = apply_fixes({"m.py": AFTER}, GATED, CONFIG)
    assert not again.applied and not again.changed


def test_not_without_unsafe_fixes() -> None:
    result = apply_fixes({"m.py": BEFORE}, {FixSafety.SAFE}, CONFIG)
    assert not result.changed and result.gated_available == 1


def _fix_of(source: bytes, config: Config):  # type: ignore[no-untyped-def]
    [finding] = [f for f in analyze_sources({"m.py": source}, config).findings if f.code == "HYB008"]
    return finding.fix


def test_a_static_shape_read_or_an_unknown_version_makes_it_a_suggestion() -> None:
    shaped = BEFORE.replace(b"tf.reduce_sum(prefix)", b"tf.reduce_sum(prefix) / prefix.shape[0]")
    fix = _fix_of(shaped, CONFIG)
    assert fix.safety is FixSafety.SUGGESTION and "reads `.shape` on line 6" in fix.reason
    helper = BEFORE.replace(b"tf.reduce_sum(prefix)", b"normalize(prefix)")
    assert "calls `normalize` on line 6" in _fix_of(helper, CONFIG).reason
    assert _fix_of(BEFORE, Config()).safety is FixSafety.SUGGESTION
    assert _fix_of(BEFORE, CONFIG).safety is FixSafety.GATED


SIGNATURE_BEFORE = b"""import tensorflow as tf


@tf.function  # sums rows
def total(x):
    return tf.reduce_sum(x, axis=-1)


for n in range(1, 6):
    total(tf.ones([n, 4], dtype=tf.float64))
"""
SIGNATURE_AFTER = b"""import tensorflow as tf


@tf.function(input_signature=[tf.TensorSpec([None, None], tf.float64)])  # sums rows
def total(x):
    return tf.reduce_sum(x, axis=-1)


for n in range(1, 6):
    total(tf.ones([n, 4], dtype=tf.float64))
"""


def test_input_signature_from_the_call_site_is_written_once_and_verified() -> None:
    from hybridize_bot.analysis.fixes import apply_fixes
    from hybridize_bot.analysis.model import FixSafety

    wanted = {FixSafety.SAFE, FixSafety.GATED}
    result = apply_fixes({"m.py": SIGNATURE_BEFORE}, wanted)  # no minimum TensorFlow declared
    assert [f.code for f in result.applied] == ["HYB008"] and not result.withheld
    assert result.changed["m.py"] == SIGNATURE_AFTER
    assert not apply_fixes({"m.py": SIGNATURE_AFTER}, wanted).changed  # idempotent: nothing left to do
