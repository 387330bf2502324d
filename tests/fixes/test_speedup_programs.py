"""The benchmark programs of bench/refactoring_speedup.py, analysis only (no TensorFlow run): every hot
function gets the gated HYB021 fix and no trap is touched (issue 15). The speedup itself is measured by the
benchmark; this keeps the decisions from regressing between its runs."""
from __future__ import annotations

from pathlib import Path

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

PROGRAMS = Path(__file__).resolve().parents[2] / "bench" / "speedup_programs"
HOT = {
    "eval_loop.py": "evaluate_batch", "feature_transform.py": "transform", "keras_inference.py": "score",
    "multi_op_loss.py": "detection_loss", "numerical_update.py": "adam_step",
    "rl_returns.py": "returns_and_advantages", "rnn_step.py": "lstm_sequence", "train_step.py": "train_step",
}
TRAPS = ("trap_python_value.py", "trap_side_effect.py", "trap_tiny.py")


def _sources() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in PROGRAMS.glob("*.py")}


def test_every_hot_function_and_nothing_else_is_converted() -> None:
    sources = _sources()
    assert set(HOT) | set(TRAPS) | {"_harness.py"} == set(sources)
    result = apply_fixes(sources, {FixSafety.SAFE, FixSafety.GATED}, Config())
    assert not result.withheld
    assert sorted((f.path, f.code, f.symbol) for f in result.applied) == sorted(
        (path, "HYB021", fn) for path, fn in HOT.items())
    for path, fn in HOT.items():
        assert f"@tf.function\ndef {fn}(" in result.changed[path].decode()
    assert not set(TRAPS) & set(result.changed)


def test_traps_are_not_even_suggested() -> None:
    findings = analyze_sources(_sources(), Config()).findings
    assert not [f for f in findings if f.code == "HYB021" and f.path in TRAPS]
