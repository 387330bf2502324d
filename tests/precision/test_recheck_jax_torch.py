"""The JAX/PyTorch study's re-check on its real code bases: a judged false alarm, once fixed, stays gone.

Same cache as `python -m bench.precision.jax_torch` (`.ci/run` downloads it up front); about 4 minutes on
two shared cores (3 million lines, `--select HYB1,HYB2`).
"""
from __future__ import annotations

import pytest

from bench.precision.findings import DEFAULT_ANALYZER
from bench.precision.jax_torch import PER_RULE, TABLE, collect
from bench.precision.report import Study
from bench.precision.sample import draw_sample
from bench.precision.verdicts import load_verdicts

pytestmark = pytest.mark.corpus


def test_judged_false_alarms_of_the_jax_and_torch_rules_that_were_fixed_do_not_come_back() -> None:
    findings, sizes = collect(DEFAULT_ANALYZER)
    assert len(sizes) >= 4 and sum(s.lines for s in sizes.values()) > 1_000_000
    study = Study(findings, draw_sample(findings, PER_RULE), load_verdicts(TABLE))
    back = [f"{f.key} (line {f.line}): {study.verdicts[f.key].reason}" for f in study.regressions()]
    assert back == []
    assert study.unjudged() == []  # every finding of these rules is judged (add its verdict to the table)
