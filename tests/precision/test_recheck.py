"""The precision study's re-check on the real code bases: a judged false alarm, once fixed, stays gone.

Downloads the pinned code bases through the same cache as `python -m bench.precision` (`.ci/run` does it
up front) and runs the installed analyzer on each. About a minute on two cores.
"""
from __future__ import annotations

import pytest

from bench.precision.__main__ import collect
from bench.precision.findings import DEFAULT_ANALYZER
from bench.precision.report import Study
from bench.precision.sample import draw_sample
from bench.precision.verdicts import load_verdicts

pytestmark = pytest.mark.corpus


def test_judged_false_alarms_that_were_fixed_do_not_come_back() -> None:
    findings, sizes = collect(DEFAULT_ANALYZER)
    assert len(sizes) >= 8 and sum(lines for _, lines in sizes.values()) > 1_000_000
    study = Study(findings, draw_sample(findings), load_verdicts())
    back = [f"{f.key} (line {f.line}): {study.verdicts[f.key].reason}" for f in study.regressions()]
    assert back == []
