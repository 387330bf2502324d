"""Markdown renderers: content, fences, escaping, and GitHub's length limits."""
from __future__ import annotations

from hybridize_bot.analysis.model import Severity
from hybridize_bot.bot.publish.markers import SUMMARY_MARKER, parse_fingerprint_marker
from hybridize_bot.bot.publish.render import (CHECK_OUTPUT_LIMIT, COMMENT_BODY_LIMIT, Report, RuleInfo, annotation, cell,
                                check_output, code_fence, inline_code, inline_comment_body, resolved_comment_body,
                                summary_comment_body, summary_markdown)

from .helpers import finding, safe_fix

RULE = RuleInfo("HYB001", "print-in-graph", "print() runs once at trace time.", "https://example.invalid/HYB001")


def test_code_fence_is_longer_than_any_backtick_run():
    assert code_fence("x = 1", "suggestion") == "```suggestion\nx = 1\n```"
    fenced = code_fence("s = '````'", "suggestion")
    assert fenced.startswith("`````suggestion\n") and fenced.endswith("\n`````")
    assert inline_code("a`b") == "``a`b``"


def test_inline_comment_has_rule_reason_fix_doc_and_marker():
    f = finding(line=3, fix=safe_fix())
    body = inline_comment_body(f, RULE, suggestion_text="    tf.print(x)")
    assert "HYB001" in body and "print-in-graph" in body
    assert "print() runs once at trace time." in body
    assert "use tf.print" in body and "safe" in body
    assert "```suggestion\n    tf.print(x)\n```" in body
    assert "https://example.invalid/HYB001" in body
    assert parse_fingerprint_marker(body).fingerprint == f.fingerprint
    no_fix = inline_comment_body(finding(line=3), RULE)
    assert "suggestion" not in no_fix and "no automatic fix" in no_fix


def test_resolved_body_strikes_and_flags():
    body = inline_comment_body(finding(line=3), RULE)
    out = resolved_comment_body(body, "abcdef1234567890")
    first = out.split("\n", 1)[0]
    assert first.startswith("~~**HYB001") and first.endswith("~~ **Resolved** in abcdef1")
    marker = parse_fingerprint_marker(out)
    assert marker.resolved and marker.fingerprint == finding(line=3).fingerprint


def test_summary_counts_new_and_preexisting_separately():
    new = [finding(line=2), finding(line=3, code="HYB006", name="relax-shapes", severity=Severity.WARNING)]
    pre = [finding(line=40), finding(line=41), finding(line=42)]
    report = Report("0123456789", "failure", new=new, preexisting=pre, elsewhere_count=7, inline_posted=2,
                    files_analyzed=5, partial=("The pull request has more than 3,000 files.",),
                    config_problems=("max-inline-comments must be an integer",))
    text = summary_markdown(report)
    assert "2 new issues (1 error, 1 warning)" in text
    assert "| HYB001 `print-in-graph` | 1 | 3 |" in text
    assert "| HYB006 `relax-shapes` | 1 | 0 |" in text
    assert "3 pre-existing findings" in text and "7 findings in other files" in text
    assert "Partial analysis" in text and "Configuration problem" in text
    assert SUMMARY_MARKER not in text
    assert summary_comment_body(report).startswith(SUMMARY_MARKER)
    out = check_output(report)
    assert out["title"] == "2 new issues (1 error, 1 warning)"
    assert "Pre-existing findings in touched files" in out["text"]
    assert check_output(Report("0" * 40, "success"))["title"] == "No new hybridization issues"


def test_huge_reports_fit_the_limits_and_say_so():
    long = "x" * 500
    new = [finding(line=i, snippet=str(i), message=long) for i in range(1, 2000)]
    report = Report("0" * 40, "failure", new=new, preexisting=new)
    text = summary_markdown(report)
    assert len(text) <= CHECK_OUTPUT_LIMIT
    assert "more new findings not shown" in text
    assert text.rstrip().endswith("not counted against it.")  # the footer survives truncation
    out = check_output(report)
    assert len(out["text"]) <= CHECK_OUTPUT_LIMIT and "more pre-existing findings" in out["text"]
    assert len(summary_comment_body(report)) <= COMMENT_BODY_LIMIT
    huge = inline_comment_body(finding(message="y" * 100_000), RULE)
    assert len(huge) <= COMMENT_BODY_LIMIT and parse_fingerprint_marker(huge) is not None


def test_table_cells_are_escaped():
    assert cell("a|b\nc") == "a\\|b c"
    report = Report("0" * 40, "failure", new=[finding(line=2, message="x | y")])
    assert "x \\| y" in summary_markdown(report)


def test_annotation_levels_and_columns():
    a = annotation(finding(line=3, col=5, end_col=10), RULE)
    assert a["annotation_level"] == "failure" and a["start_column"] == 5 and a["end_column"] == 9
    assert a["title"] == "HYB001 print-in-graph" and "trace time" in a["message"]
    multi = annotation(finding(line=3, end_line=5, severity=Severity.WARNING), RULE)
    assert "start_column" not in multi and multi["end_line"] == 5 and multi["annotation_level"] == "warning"
    assert annotation(finding(severity=Severity.INFO), RULE)["annotation_level"] == "notice"
    assert "Fix (safe)" in annotation(finding(fix=safe_fix()), RULE)["raw_details"]


def test_rule_info_comes_from_the_analysis_registry():
    from hybridize_bot.bot.publish.render import rule_info

    info = rule_info(finding(code="HYB001"))
    assert info.name == "print-in-graph" and info.summary and info.doc_url.endswith("HYB001.md")
    unknown = rule_info(finding(code="HYB999", name="not-a-rule"))
    assert (unknown.name, unknown.summary, unknown.doc_url) == ("not-a-rule", "", "")
