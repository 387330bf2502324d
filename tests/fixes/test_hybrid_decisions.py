"""Issue 15: the safety of HYB021's fix follows the facts (gated only when every needed fact is known)."""
from __future__ import annotations

import textwrap

from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.model import FixSafety

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
