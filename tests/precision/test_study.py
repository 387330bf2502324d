"""The precision study's own machinery: keys, the stratified sample, the tally and the re-check.

Small hand-made findings, expected results written out by hand; the real run is test_recheck.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.precision.findings import StudyFinding, line_key, study_findings
from bench.precision.report import Study, Tally, markdown_tables, policy, recall_warnings, verdict_table
from bench.precision.sample import draw_sample
from bench.precision.verdicts import Verdict, load_verdicts, mark_fixed, save_verdicts


def finding(codebase: str, code: str, n: int, severity: str = "warning") -> StudyFinding:
    return StudyFinding(codebase, f"m{n}.py", code, severity, n, "f", "msg", (), f"{codebase}:m{n}.py:{code}:{n}")


def verdict(f: StudyFinding, value: str, fixed: bool = False) -> Verdict:
    return Verdict(f.key, f.code, f.codebase, f.path, f.line, value, fixed, "why")


def _report(*items: tuple[str, int, int]) -> dict:
    return {"findings": [{"code": code, "path": "pkg/m.py", "symbol": "step", "severity": "warning",
                          "message": "m", "location": {"line": line, "column": col}} for code, line, col in items]}


def test_key_survives_a_line_move_and_tells_identical_lines_apart(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text("def step():\n    print(1)\n    print(1)\n")
    before = study_findings("cb", tmp_path, _report(("HYB001", 2, 5), ("HYB001", 3, 5)))
    (tmp_path / "pkg" / "m.py").write_text("import os\n\n\ndef step():\n        print(1)\n    print(1)\n")
    after = study_findings("cb", tmp_path, _report(("HYB001", 5, 9), ("HYB001", 6, 5)))
    assert [f.key for f in before] == [f.key for f in after]  # re-indented and moved: same keys
    assert before[0].key != before[1].key  # the second identical line is the second occurrence
    assert before[0].key.startswith("cb:pkg/m.py:HYB001:")
    assert before[0].key == line_key("cb", "pkg/m.py", "HYB001", "step", "print(1)", 0)


def test_sample_takes_every_finding_of_a_small_rule_and_lets_code_bases_take_turns() -> None:
    big = [finding("a", "HYB002", n) for n in range(10)]
    small = [finding("b", "HYB002", n) for n in range(2)]
    rare = [finding("a", "HYB009", 1)]
    sample = draw_sample(big + small + rare, per_rule=4)
    by_rule = [f.code for f in sample]
    assert by_rule == ["HYB002"] * 4 + ["HYB009"]
    # Round robin over code bases in name order: a, b, a, b.
    assert [f.codebase for f in sample[:4]] == ["a", "b", "a", "b"]
    assert sample[4] is rare[0]


def test_sample_is_deterministic_and_stable_when_other_findings_disappear() -> None:
    findings = [finding("a", "HYB002", n) for n in range(30)]
    first = draw_sample(findings, per_rule=5)
    assert draw_sample(list(reversed(findings)), per_rule=5) == first  # input order does not matter
    gone = first[2]
    again = draw_sample([f for f in findings if f is not gone], per_rule=5)
    assert [f for f in again if f in first] == [f for f in first if f is not gone]  # the rest stays
    assert len(again) == 5
    assert draw_sample(findings, per_rule=5, seed=1) != first  # the seed matters


def test_tally_counts_debatable_as_wrong() -> None:
    t = Tally(findings=12, sampled=10)
    t.counts.update({"true": 7, "debatable": 2, "false": 1})
    assert t.judged == 10
    assert t.precision == pytest.approx(0.7)
    assert t.lower_bound == pytest.approx(0.3968, abs=1e-3)  # Wilson score, z = 1.96
    assert Tally().precision is None


def test_study_breaks_down_by_rule_and_severity_and_lists_unjudged() -> None:
    w1, w2, e1 = finding("a", "HYB001", 1), finding("a", "HYB001", 2), finding("b", "HYB004", 3, "error")
    study = Study([w1, w2, e1], [w1, w2, e1], {w1.key: verdict(w1, "true"), e1.key: verdict(e1, "false")})
    rules = study.by_rule()
    assert (rules["HYB001"].judged, rules["HYB001"].counts["true"]) == (1, 1)
    assert (rules["HYB004"].judged, rules["HYB004"].counts["false"]) == (1, 1)
    severity = study.by_severity()
    assert severity["error+warning"].precision == pytest.approx(0.5)
    assert severity["info"].findings == 0
    assert study.unjudged() == [w2]


def test_only_a_fixed_false_alarm_that_comes_back_is_a_regression() -> None:
    back, still = finding("a", "HYB015", 1), finding("a", "HYB015", 2)
    verdicts = {back.key: verdict(back, "false", fixed=True), still.key: verdict(still, "false")}
    study = Study([back, still], [back, still], verdicts)
    assert study.regressions() == [back]
    assert study.open_false_alarms() == [still]


def test_mark_fixed_marks_only_false_alarms_no_longer_reported(tmp_path: Path) -> None:
    gone, stays, right = finding("a", "HYB015", 1), finding("a", "HYB015", 2), finding("a", "HYB001", 3)
    verdicts = {f.key: verdict(f, v) for f, v in ((gone, "false"), (stays, "false"), (right, "true"))}
    marked = mark_fixed(verdicts, reported={stays.key})
    assert [marked[f.key].fixed for f in (gone, stays, right)] == [True, False, False]
    table = tmp_path / "verdicts.csv"
    save_verdicts(marked, table)
    assert load_verdicts(table) == marked
    assert table.read_text().splitlines()[0] == "key,rule,codebase,path,line,verdict,fixed,reason"


def test_verdict_table_rejects_unknown_verdicts(tmp_path: Path) -> None:
    table = tmp_path / "verdicts.csv"
    table.write_text("key,rule,codebase,path,line,verdict,fixed,reason\nk,HYB001,a,m.py,3,maybe,,why\n")
    with pytest.raises(ValueError, match="maybe"):
        load_verdicts(table)


def test_checked_in_table_is_well_formed() -> None:
    verdicts = load_verdicts()
    assert len(verdicts) >= 150
    for v in verdicts.values():
        assert v.key.split(":")[:3] == [v.codebase, v.path, v.rule]
        assert v.reason.strip(), v.key


def test_policy_keeps_warning_only_at_90_percent() -> None:
    nine, eight = Tally(), Tally()
    nine.counts.update({"true": 9, "false": 1})
    eight.counts.update({"true": 8, "debatable": 1, "false": 1})
    assert policy("warning", nine) == "keep"
    assert policy("error", eight) == "make info"
    assert policy("info", eight) == ""
    assert policy("warning", Tally()) == "not judged"


def test_verdict_table_counts_every_verdict_and_what_is_still_reported() -> None:
    a, b, c = finding("a", "HYB001", 1), finding("a", "HYB001", 2), finding("a", "HYB002", 3)
    verdicts = {a.key: verdict(a, "true"), b.key: verdict(b, "false"), c.key: verdict(c, "false")}
    table = verdict_table(Study([a, c], [a, c], verdicts)).splitlines()
    assert table[2] == "| HYB001 | 2 | 1 | 0 | 1 | 1 | 0 | 1 |"
    assert table[3] == "| HYB002 | 1 | 0 | 0 | 1 | 0 | 0 | 1 |"
    assert table[4] == "| all | 3 | 1 | 0 | 2 | 1 | 0 | 2 |"


def test_a_true_finding_no_longer_reported_is_a_recall_loss_of_an_analyzed_code_base() -> None:
    kept, lost, other = finding("a", "HYB205", 1), finding("a", "HYB205", 2), finding("b", "HYB205", 3)
    gone_false = finding("a", "HYB205", 4)
    verdicts = {kept.key: verdict(kept, "true"), lost.key: verdict(lost, "true"), other.key: verdict(other, "true"),
                gone_false.key: verdict(gone_false, "false")}
    study = Study([kept], [kept], verdicts, frozenset({"a"}))  # code base b was not analyzed in this run
    assert [v.key for v in study.recall_losses()] == ["a:m2.py:HYB205:2"]
    assert recall_warnings(study) == ["RECALL LOSS (judged true, no longer reported): a:m2.py:HYB205:2 a/m2.py:2: why"]
    assert verdict_table(study).splitlines()[2] == "| HYB205 | 4 | 3 | 0 | 1 | 1 | 1 | 1 |"
    # Without the analyzed code bases every verdict's code base counts.
    assert [v.key for v in Study([kept], [kept], verdicts).recall_losses()] == ["a:m2.py:HYB205:2", "b:m3.py:HYB205:3"]


def test_markdown_rule_row_carries_the_policy_column() -> None:
    a = finding("a", "HYB001", 1)
    text = markdown_tables(Study([a], [a], {a.key: verdict(a, "true")}))
    assert "| HYB001 | warning | 1 | 1 | 1 | 1 | 0 | 0 | 100% | 21% | keep |" in text.splitlines()
