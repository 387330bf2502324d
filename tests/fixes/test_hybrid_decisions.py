"""Issue 15: the safety of HYB021's fix follows the facts (gated only when every needed fact is known)."""
from __future__ import annotations

import textwrap

import pytest

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.fixes.engine import apply_fixes
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.model import FixSafety
from hybridize_bot.bot.followup.compute import compute_fix_plan, safeties_for

STEP = """
    import tensorflow as tf
    {imports}

    def step(x, scale):
        h = tf.matmul(x, x)
        return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)) * scale

    def run():
        scale = {scale}
        for _ in range(100):
            step(tf.ones((4, 4)), scale)

    if __name__ == "__main__":
        run()
"""


def _hyb021(imports: str, scale: str) -> list:
    src = textwrap.dedent(STEP.format(imports=imports, scale=scale)).lstrip().encode()
    return [f for f in analyze_sources({"train.py": src}).findings if f.code == "HYB021"]


def test_known_tensor_parameters_make_the_fix_gated() -> None:
    [finding] = _hyb021("", "tf.constant(2.0)")
    assert finding.fix is not None and finding.fix.safety is FixSafety.GATED


def test_an_unknown_parameter_makes_it_a_suggestion_not_silence() -> None:
    [finding] = _hyb021("from settings import load_scale", "load_scale()")
    assert finding.fix is not None and finding.fix.safety is FixSafety.SUGGESTION
    assert "`scale`: the value passed at train.py:11 is of unknown kind" in finding.fix.reason


def test_a_python_scalar_parameter_blocks_it() -> None:
    assert _hyb021("", "2.0") == []


SPECULATIVE = """
    import tensorflow as tf
    from data import load_batches

    def {name}(batch):
        h = tf.matmul(batch, tf.transpose(batch))
        return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))

    def main():
        for batch in load_batches():
            {name}(batch)
"""


def _speculative(name: str) -> dict[str, bytes]:
    return {"train.py": textwrap.dedent(SPECULATIVE.format(name=name)).lstrip().encode()}


def test_a_tensor_assumed_from_the_name_is_a_speculative_suggestion() -> None:
    [finding] = [f for f in analyze_sources(_speculative("train_step")).findings if f.code == "HYB021"]
    assert finding.fix is not None and finding.fix.safety is FixSafety.SUGGESTION
    assert "speculatively assumed to take tensors (`batch`, from its name)" in finding.message
    assert finding.fix.reason.startswith("speculative: `batch`: speculative: named like a training/inference step")
    assert "undeterminable: `batch`: the value passed at train.py:10 is of unknown kind" in finding.fix.reason


def test_without_a_name_hint_an_unknown_argument_stays_undecided() -> None:
    assert [f for f in analyze_sources(_speculative("transform")).findings if f.code == "HYB021"] == []


@pytest.mark.parametrize("sources", [
    _speculative("run_inference"),  # rests on a speculative fact
    {"train.py": textwrap.dedent(STEP.format(imports="from settings import load_scale",
                                             scale="load_scale()")).lstrip().encode()},  # on an unknown fact
], ids=["speculative", "unknown"])
def test_gated_autofix_never_applies_a_refactoring_resting_on_a_speculative_or_unknown_fact(
        sources: dict[str, bytes]) -> None:
    assert [f.code for f in analyze_sources(sources).findings if f.code == "HYB021"] == ["HYB021"]
    plan = compute_fix_plan(sources, Config(), safeties_for("gated", include_gated=False), ["train.py"])
    assert plan.empty
    assert main_fix(sources) == sources


def main_fix(sources: dict[str, bytes]) -> dict[str, bytes]:
    """What `hybridize fix --unsafe-fixes` writes for these sources."""
    result = apply_fixes(sources, safeties={FixSafety.SAFE, FixSafety.GATED}, config=Config())
    return {**sources, **result.changed}
