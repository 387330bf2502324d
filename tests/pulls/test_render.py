"""Markdown renderers: content, order, links, states, fences, escaping, GitHub's length limits, and how
GitHub renders the result (cmark-gfm, tests/github_markdown.py)."""
from __future__ import annotations

from hybridize_bot.analysis.model import Fix, FixSafety, Severity
from hybridize_bot.bot.publish.markers import SUMMARY_MARKER, parse_fingerprint_marker, parse_review_state
from hybridize_bot.bot.publish.render import (CHECK_OUTPUT_LIMIT, COMMENT_BODY_LIMIT, FollowupRef, IgnoredRule, Report,
                                              RuleInfo, annotation, cell, check_output, code_fence,
                                              followup_noted_body, ignored_comment_body, inline_code, inline_comment_body,
                                              resolved_comment_body, review_body, summary_comment_body,
                                              summary_with_followup,
                                              summary_markdown)
from hybridize_bot.bot.pulls.selection import Delta
from tests.github_markdown import assert_renders_clean, check_html, comment_html

from .helpers import finding, safe_fix

RULE = RuleInfo("HYB001", "print-in-graph", "print() runs once at trace time.", "https://example.invalid/HYB001")
REPO = "https://github.com/octo/tiny-tf"
SHA = "0123456789abcdef0123456789abcdef01234567"


def test_code_fence_is_longer_than_any_backtick_run():
    assert code_fence("x = 1", "suggestion") == "```suggestion\nx = 1\n```"
    fenced = code_fence("s = '````'", "suggestion")
    assert fenced.startswith("`````suggestion\n") and fenced.endswith("\n`````")
    assert inline_code("a`b") == "``a`b``"


def test_inline_comment_headline_fix_kind_doc_and_marker():
    f = finding(line=3, fix=safe_fix())
    body = inline_comment_body(f, RULE, suggestion_text="    tf.print(x)")
    assert body.startswith("\U0001F6D1 **HYB001** `print-in-graph` · error\n")
    assert "Why it matters: print() runs once at trace time." in body
    assert "**Fix** (one-click; safe: preserves behaviour): use tf.print." in body
    assert "```suggestion\n    tf.print(x)\n```" in body
    assert "[HYB001 documentation](https://example.invalid/HYB001)" in body
    assert parse_fingerprint_marker(body).fingerprint == f.fingerprint
    html = comment_html(body)
    assert "<strong>HYB001</strong> <code>print-in-graph</code>" in html
    assert_renders_clean(html)
    no_fix = inline_comment_body(finding(line=3), RULE)
    assert "suggestion" not in no_fix and "**Fix** (manual): no automatic fix" in no_fix


def test_inline_comment_says_when_the_followup_carries_the_same_fix():
    f = finding(line=3, fix=safe_fix())
    both = inline_comment_body(f, RULE, suggestion_text="    tf.print(x)", followup=2)
    assert "**Fix** (one-click, also in #2; safe: preserves behaviour)" in both
    only = inline_comment_body(f, RULE, followup=2)
    assert "**Fix** (in #2; safe: preserves behaviour)" in only and "```suggestion" not in only
    manual = inline_comment_body(finding(fix=Fix("use tf.print", FixSafety.SUGGESTION)), RULE)
    assert "**Fix** (manual; may change behaviour; a person must decide): use tf.print." in manual


def test_inline_comment_does_not_repeat_its_first_sentence_and_codes_dunders():
    rule = RuleInfo("HYB004", "outer-mutation", "Python state changed in __init__ once per trace.")
    f = finding(code="HYB004", name="outer-mutation",
                message="Python state changed in __init__ once per trace. Move it out of __call__.")
    body = inline_comment_body(f, rule)
    assert "Why it matters" not in body
    assert "Python state changed in `__init__` once per trace. Move it out of `__call__`." in body
    html = comment_html(body)
    assert "<code>__init__</code>" in html and "<strong>init</strong>" not in html
    assert_renders_clean(html)


def test_resolved_body_strikes_flags_and_removes_the_suggestion():
    body = inline_comment_body(finding(line=3, fix=safe_fix()), RULE, suggestion_text="    tf.print(x)")
    out = resolved_comment_body(body, "abcdef1234567890")
    first = out.split("\n", 1)[0]
    assert first == "~~\U0001F6D1 **HYB001** `print-in-graph` · error~~ ✅ **Resolved** in abcdef1"
    assert "```suggestion" not in out and "_Suggestion removed: the finding is gone._" in out
    marker = parse_fingerprint_marker(out)
    assert marker.resolved and marker.fingerprint == finding(line=3).fingerprint
    assert "<del>" in comment_html(out)


def test_ignored_body_says_who_and_how_to_undo_never_resolved():
    body = inline_comment_body(finding(line=3, fix=safe_fix()), RULE, suggestion_text="    tf.print(x)")
    out = ignored_comment_body(body, "HYB001", "alice", "hybridize-bot")
    assert out.split("\n", 1)[0].endswith("~~ 🔕 **Ignored** by @alice")
    assert "Resolved" not in out and "```suggestion" not in out
    assert "`@hybridize-bot unignore HYB001` reports it again." in out
    assert parse_fingerprint_marker(out).resolved  # never edited again


def _report(**kw):
    new = [finding(line=2, severity=Severity.WARNING, fix=safe_fix()),
           finding(line=9, code="HYB006", name="relax-shapes", severity=Severity.ERROR, message="uses `x`"),
           finding(line=5, code="HYB010", name="info-rule", severity=Severity.INFO)]
    pre = [finding(line=40), finding(line=41), finding(line=42)]
    defaults = dict(new=new, preexisting=pre, inline_posted=2, files_analyzed=5, files_reviewed=2, repo_url=REPO,
                    check_run_url="https://github.com/octo/tiny-tf/runs/9")
    return Report(SHA, "failure", **{**defaults, **kw})


def test_summary_comment_leads_with_new_findings_worst_first_linked_and_folds_the_rest():
    body = summary_comment_body(_report())
    assert body.startswith(SUMMARY_MARKER + "\n### hybridize: 3 new issues (1 error, 1 warning, 1 info)\n")
    lines = body.splitlines()
    rows = [line for line in lines if line.startswith("| ") and "m.py:" in line]
    assert [r.split(" | ")[0] for r in rows[:3]] == ["| \U0001F6D1 error", "| ⚠️ warning", "| ℹ️ info"]
    assert rows[0].startswith(f"| \U0001F6D1 error | [m.py:9]({REPO}/blob/{SHA}/m.py#L9) | HYB006 `relax-shapes`: uses `x`")
    assert rows[2].endswith("| summary only (info) |")
    assert "| HYB001 `print-in-graph` | 1 |" not in body  # no per-rule count table any more
    assert body.index("m.py:9") < body.index("<details><summary>3 pre-existing findings in touched files (not counted)")
    assert "Files this pull request does not touch are not reviewed." in body
    assert "<sub>Commit 0123456 · 2 changed Python files reviewed · 5 Python files analyzed · conclusion failure" in body
    assert "[check run](https://github.com/octo/tiny-tf/runs/9)" in body
    state = parse_review_state(body)
    assert state.sha == SHA and set(state.new.values()) == {"HYB001", "HYB006", "HYB010"}
    html = comment_html(body)
    assert "<h3>hybridize: 3 new issues (1 error, 1 warning, 1 info)</h3>" in html
    assert f'<a href="{REPO}/blob/{SHA}/m.py#L9">m.py:9</a>' in html
    assert "<details><summary>3 pre-existing findings" in html and "<table>" in html.split("<details>")[1]
    assert_renders_clean(html)


def test_check_run_summary_neither_repeats_its_title_nor_links_to_itself():
    out = check_output(_report())
    assert out["title"] == "3 new issues (1 error, 1 warning, 1 info)"
    assert out["title"] not in out["summary"] and "runs/9" not in out["summary"]
    assert SUMMARY_MARKER not in out["summary"] and "hybridize-bot:reviewed" not in out["summary"]
    assert ("3 pre-existing findings in files this pull request touches (not on changed lines) are not counted "
            "against it. Files this pull request does not touch are not reviewed.") in out["summary"]
    assert "Pre-existing findings in touched files" in out["text"]
    html = check_html(out["summary"])
    assert "<h3>" not in html
    assert_renders_clean(html)
    assert check_output(Report("0" * 40, "success"))["title"] == "No new hybridization issues"


def test_delta_and_followup_lead_the_summary():
    delta = Delta("abc1234def", fixed={"a" * 20: "HYB001", "b" * 20: "HYB001"}, new={"c" * 20: "HYB006"})
    fps = frozenset({_report().new[0].fingerprint})
    body = summary_comment_body(_report(delta=delta, followup=FollowupRef(2, fps)))
    lead = body.splitlines()[3]
    assert lead == ("**2 fixed (HYB001), 1 new since abc1234** · 1 safe fix is in #2 "
                    "(marked “in #2” below).")
    row = next(line for line in body.splitlines() if "m.py:2]" in line)
    assert "| in #2 |" in row
    assert_renders_clean(comment_html(body))


def test_findings_not_rechecked_are_counted_apart_from_fixed_ones():
    delta = Delta("abc1234def", fixed={}, new={}, unchecked={"a" * 20: "HYB004", "b" * 20: "HYB001"})
    body = summary_comment_body(_report(delta=delta))
    assert body.splitlines()[3] == ("**0 fixed, 0 new since abc1234** · 2 not re-checked (HYB001, HYB004): "
                                    "their files are no longer reviewed")
    assert_renders_clean(comment_html(body))


def test_ignored_rules_are_listed_with_who_and_how_to_undo():
    body = summary_comment_body(_report(ignored=[IgnoredRule("HYB001", "alice", 2)]))
    assert "<details><summary>Ignored on this pull request: HYB001</summary>" in body
    assert "- HYB001: ignored by @alice; 2 findings not reported. Undo: `@hybridize-bot unignore HYB001`" in body


def test_review_body_points_at_the_followup_and_the_summary():
    text = review_body(2, SHA, 3, followup=FollowupRef(4, frozenset({"x" * 20})), in_followup=1)
    assert text == ("hybridize found 2 new issues on lines changed at 0123456. 1 fix of these is also in #4; "
                    "commit a suggestion here or merge #4, not both. 3 more findings without an inline comment "
                    "(over the per-run limit, outside the diff, or info) are in the summary comment.")


def test_partial_and_config_problems_are_said_first():
    text = summary_markdown(_report(partial=("The pull request has more than 3,000 files.",),
                                    config_problems=("max-inline-comments must be an integer",)))
    assert text.startswith("> **Partial analysis.** The pull request has more than 3,000 files.\n"
                           "> **Configuration problem**")


def test_huge_reports_fit_the_limits_and_say_so():
    long = "x" * 500
    new = [finding(line=i, snippet=str(i), message=long) for i in range(1, 2000)]
    report = Report("0" * 40, "failure", new=new, preexisting=new)
    text = summary_markdown(report)
    assert len(text) <= CHECK_OUTPUT_LIMIT
    assert "more new findings not shown" in text
    assert text.rstrip().endswith("conclusion failure</sub>")  # the footer survives truncation
    out = check_output(report)
    assert len(out["text"]) <= CHECK_OUTPUT_LIMIT and "more pre-existing findings" in out["text"]
    body = summary_comment_body(report)
    assert len(body) <= COMMENT_BODY_LIMIT and parse_review_state(body).complete is False  # > MAX_STATE_ENTRIES new
    huge = inline_comment_body(finding(message="y" * 100_000), RULE)
    assert len(huge) <= COMMENT_BODY_LIMIT and parse_fingerprint_marker(huge) is not None


def test_table_cells_are_escaped():
    assert cell("a|b\nc") == "a\\|b c"
    report = Report("0" * 40, "failure", new=[finding(line=2, message="x | y")])
    assert "x \\| y" in summary_markdown(report)


def test_annotation_levels_columns_and_plain_text():
    a = annotation(finding(line=3, col=5, end_col=10, message="call `tf.print` in **graph** code"), RULE)
    assert a["annotation_level"] == "failure" and a["start_column"] == 5 and a["end_column"] == 9
    assert a["title"] == "HYB001 print-in-graph (error)"
    assert a["message"] == "call tf.print in graph code\n\nprint() runs once at trace time."
    multi = annotation(finding(line=3, end_line=5, severity=Severity.WARNING), RULE)
    assert "start_column" not in multi and multi["end_line"] == 5 and multi["annotation_level"] == "warning"
    assert annotation(finding(severity=Severity.INFO), RULE)["annotation_level"] == "notice"
    assert annotation(finding(), RULE, level="notice")["annotation_level"] == "notice"
    details = annotation(finding(fix=safe_fix("use `tf.print`")), RULE)["raw_details"]
    assert details == "Fix (safe): use tf.print\nDocumentation: https://example.invalid/HYB001"


def test_rule_info_comes_from_the_analysis_registry():
    from hybridize_bot.bot.publish.render import rule_info

    info = rule_info(finding(code="HYB001"))
    assert info.name == "print-in-graph" and info.summary and info.doc_url.endswith("HYB001.md")
    unknown = rule_info(finding(code="HYB999", name="not-a-rule"))
    assert (unknown.name, unknown.summary, unknown.doc_url) == ("not-a-rule", "", "")


def test_why_it_matters_only_when_it_adds_something():
    from hybridize_bot.bot.publish.markdown import repeats

    # HYB001's summary after its message: the same claim in other words.
    assert repeats("Python output in a tf.function runs once per trace, not once per call.",
                   "`print` in graph code runs once per trace, not on every call")
    assert repeats("Runs once.", "It runs once. Then never again.")
    assert not repeats("print() runs once at trace time.", "print() runs only while tracing")


def test_a_finding_below_or_above_its_rules_default_says_so():
    rule = RuleInfo("HYB001", "print-in-graph", "", "", Severity.WARNING)
    info = finding(severity=Severity.INFO)
    assert inline_comment_body(info, rule).startswith("ℹ️ **HYB001** `print-in-graph` · info (rule default: warning)\n")
    assert annotation(info, rule)["title"] == "HYB001 print-in-graph (info; rule default: warning)"
    same = finding(severity=Severity.WARNING)
    assert inline_comment_body(same, rule).startswith("⚠️ **HYB001** `print-in-graph` · warning\n")
    assert annotation(same, rule)["title"] == "HYB001 print-in-graph (warning)"


def test_a_timed_out_run_claims_no_findings():
    text = summary_markdown(Report("a" * 40, "timed_out", partial=("Stopped after 120 s.",)))
    assert text == ("> **Partial analysis.** Stopped after 120 s.\n\n"
                    "<sub>Commit aaaaaaa · conclusion timed_out</sub>")


def test_an_earlier_comment_learns_that_the_follow_up_carries_its_fix():
    f = finding(line=3, fix=safe_fix())
    body = inline_comment_body(f, RULE, suggestion_text="    tf.print(x)")
    noted = followup_noted_body(body, 2)
    assert "**Fix** (one-click, also in #2; safe: preserves behaviour)" in noted
    assert followup_noted_body(noted, 2) is None  # once
    assert "**Fix** (one-click, also in #5; safe" in followup_noted_body(noted, 5)  # a newer follow-up
    plain_fix = inline_comment_body(f, RULE)
    assert "**Fix** (in #2; safe: preserves behaviour)" in followup_noted_body(plain_fix, 2)
    assert followup_noted_body(inline_comment_body(finding(line=3), RULE), 2) is None  # manual


def test_analysis_text_keeps_angle_brackets_and_dunders_visible():
    from hybridize_bot.bot.publish.markdown import markdown_text

    text = markdown_text("reached from <lambda> in __init__ via `a<b` and `__call__`")
    assert text == "reached from &lt;lambda> in `__init__` via `a<b` and `__call__`"
    html = comment_html(text)
    assert "&lt;lambda&gt;" in html and "<code>__init__</code>" in html


def test_a_summary_published_before_the_follow_up_learns_its_number():
    fps = frozenset({_report().new[0].fingerprint})
    before = summary_comment_body(_report())
    after = summary_with_followup(before, FollowupRef(2, fps), {("m.py", 2)})
    lines = after.splitlines()
    assert lines[3] == "1 safe fix is in #2 (marked “in #2” below)." and lines[4] == ""
    (row,) = [line for line in lines if "m.py:2]" in line]
    assert row.endswith("| in #2 | inline |")
    assert [line for line in lines if "m.py:9]" in line][0].endswith("| manual | inline |")
    assert parse_review_state(after) == parse_review_state(before)
    again = summary_with_followup(after, FollowupRef(3, fps), {("m.py", 2)})
    assert again.splitlines()[3] == "1 safe fix is in #3 (marked “in #3” below)."
    assert again.count("in #2") == 0 and len(again.splitlines()) == len(lines)

    delta = Delta("abc1234def", fixed={"a" * 20: "HYB001"}, new={})
    with_delta = summary_with_followup(summary_comment_body(_report(delta=delta)), FollowupRef(2, fps), {("m.py", 2)})
    assert with_delta.splitlines()[3] == ("**1 fixed (HYB001), 0 new since abc1234** · "
                                          "1 safe fix is in #2 (marked “in #2” below).")
    assert_renders_clean(comment_html(with_delta))
