"""Every rule's embedded examples are its specification: invalid ones must be reported, valid ones not."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.config import config_from_table
from hybridize_bot.analysis.rules import all_rules
from hybridize_bot.analysis.rules.base import Example, Rule


def _cases(kind: str):
    for rule in all_rules():
        for i, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind}-{i}")


def _run(rule: type[Rule], example: Example):
    config = config_from_table(dict(example.config)) if example.config else None
    result = analyze_sources(example.files(), config)
    return [f for f in result.findings if f.code == rule.code]


@pytest.mark.parametrize("rule,example", list(_cases("invalid")))
def test_invalid_example_is_reported(rule: type[Rule], example: Example) -> None:
    findings = _run(rule, example)
    assert findings, f"{rule.code} did not report:\n{example.display()}"
    if example.lines is not None:
        lines = sorted({f.line for f in findings if f.path == example.path})
        assert lines == sorted(example.lines), (
            f"{rule.code} reported lines {lines}, expected {sorted(example.lines)}:\n{example.display()}\n"
            + "\n".join(f"{f.path}:{f.line}: {f.message}" for f in findings)
        )


@pytest.mark.parametrize("rule,example", list(_cases("valid")))
def test_valid_example_is_not_reported(rule: type[Rule], example: Example) -> None:
    findings = _run(rule, example)
    assert not findings, f"{rule.code} reported on valid code:\n{example.display()}\n" + "\n".join(
        f"{f.path}:{f.line}: {f.message}" for f in findings
    )


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_metadata_is_complete(rule: type[Rule]) -> None:
    assert rule.code.startswith(("HYB", "BEY")) and len(rule.code) == 6
    assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name
    for attr in ("summary", "what", "why", "example", "use_instead", "fix_doc"):
        assert getattr(rule, attr).strip(), f"{rule.code} lacks {attr}"
    assert len(rule.invalid) >= 3 and len(rule.valid) >= 3, f"{rule.code} needs 3 valid and 3 invalid examples"
    doc = rule.doc()
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety", "## References"):
        assert section in doc
