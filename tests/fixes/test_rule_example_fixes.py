"""Every rule's embedded invalid examples, fixed with every safe and gated fix through the engine.

Each finding with a safe or gated fix must end up applied or withheld with a reason (never dropped
silently), and what the engine applied must leave the example with fewer findings of that rule.
"""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.config import config_from_table
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety
from hybridize_bot.analysis.rules import all_rules

WANTED = {FixSafety.SAFE, FixSafety.GATED}
EXAMPLES = [(rule.code, i, ex) for rule in all_rules() for i, ex in enumerate(rule.invalid)]


@pytest.mark.parametrize("code, index, example", EXAMPLES, ids=[f"{c}-{i}" for c, i, _ in EXAMPLES])
def test_fixes_of_rule_examples(code: str, index: int, example) -> None:  # type: ignore[no-untyped-def]
    files = example.files()
    config = config_from_table(dict(example.config))
    before = analyze_sources(files, config).findings
    fixable = [f for f in before if f.fix is not None and f.fix.safety in WANTED]
    result = apply_fixes(files, WANTED, config)
    accounted = {f.fingerprint for f in result.applied} | {f.fingerprint for f, _ in result.withheld}
    assert {f.fingerprint for f in fixable} <= accounted
    assert all(reason for _, reason in result.withheld)
    if result.applied:
        after = analyze_sources({**files, **result.changed}, config).findings
        for fixed_code in {f.code for f in result.applied}:
            assert sum(f.code == fixed_code for f in after) < sum(f.code == fixed_code for f in before)
