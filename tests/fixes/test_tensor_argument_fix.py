"""HYB006's gated codemod: `tf.constant(value)` at the call site, only for a parameter read through
tf.cast alone; before/after written out by hand, applied through the verifying engine."""
from __future__ import annotations

from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

GATED = {FixSafety.SAFE, FixSafety.GATED}

BEFORE = b"""import tensorflow as tnf


@tnf.function
def decay(x, step):
    return x * 0.99 ** tnf.cast(step, tnf.float32)


for step in range(5):
    decay(tnf.ones([3]), step)  # decays
"""
AFTER = BEFORE.replace(b"decay(tnf.ones([3]), step)", b"decay(tnf.ones([3]), tnf.constant(step))")


def test_cast_only_parameter_gets_a_tensor_and_the_graph_stays() -> None:
    result = apply_fixes({"m.py": BEFORE}, GATED)
    assert [f.code for f in result.applied] == ["HYB006"] and not result.withheld  # no HYB022 de-hybridizing
    assert result.changed["m.py"] == AFTER
    assert not apply_fixes({"m.py": AFTER}, GATED).changed  # idempotent


def test_any_other_use_keeps_it_a_suggestion() -> None:
    for body in (b"x * 0.99 ** step", b"x * tnf.cast(step, tnf.float32) + step", b"x * tnf.cast(step * 2, tnf.float32)"):
        source = BEFORE.replace(b"x * 0.99 ** tnf.cast(step, tnf.float32)", body)
        (finding,) = [f for f in analyze_sources({"m.py": source}).findings if f.code == "HYB006"]
        assert finding.fix is not None and finding.fix.safety is FixSafety.SUGGESTION, body
