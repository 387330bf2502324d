"""Building a review's plan: pure, no HTTP (issue 13). Expected values are written out by hand."""
from __future__ import annotations

from hybridize_bot.analysis.model import Severity
from hybridize_bot.bot.publish.markers import (ReviewState, fingerprint_marker, parse_fingerprint_marker,
                                               parse_review_state, path_key)
from hybridize_bot.bot.publish.plan import check_run_external_id
from hybridize_bot.bot.publish.render import FollowupRef
from hybridize_bot.bot.pulls.diff import FileDiff
from hybridize_bot.bot.pulls.review_plan import ReviewInputs, ReviewOptions, build_review_plan, rechecked_paths
from hybridize_bot.bot.pulls.selection import Delta, read_review_comments

from .helpers import finding

HEAD = "b" * 40
# RIGHT lines 1..5 shown, line 2 added; 11..14 shown, 12 and 13 added.
PATCH = "@@ -1,4 +1,5 @@\n a\n+b\n c\n d\n e\n@@ -10,3 +11,4 @@\n x\n-y\n+y2\n+z\n w"
DIFFS = {"m.py": FileDiff.from_patch("m.py", PATCH)}
BOT = {"login": "hybridize-bot[bot]", "type": "Bot"}
ALICE = {"login": "alice", "type": "User"}


def _conclusion(worst: str | None) -> str:
    return {"error": "failure", "warning": "neutral"}.get(worst or "", "success")


def inputs(findings, comments=(), *, hidden=(), ignored_by=None, followup=None, previous=None, max_inline=10,
           rechecked=("m.py",), previous_state=None):
    existing = read_review_comments(list(comments), lambda c: (c.get("user") or {}).get("type") == "Bot")
    return ReviewInputs(
        owner="octo", repo="proj", number=7, head_sha=HEAD, check_run={"id": 99, "html_url": "https://x/runs/99"},
        findings=list(findings), hidden=list(hidden), ignored_by=ignored_by or {}, diffs=DIFFS, existing=existing,
        previous_summary=previous, previous_state=previous_state, followup=followup, suggestions={},
        options=ReviewOptions(max_inline, False, _conclusion, "hybridize-bot"), rechecked=frozenset(rechecked),
        files_analyzed=3)


def own_comment(cid, fp, *, line=2, resolved=False, path="m.py"):
    return {"id": cid, "user": BOT, "path": path, "line": line,
            "body": f"old text\n\n**Fix** (`hybridize fix`)\n{fingerprint_marker(fp, resolved=resolved)}"}


def test_new_findings_become_one_review_and_the_run_completes_with_annotations():
    on_added = finding(line=2)                                   # new, error: inline
    info = finding(line=12, severity=Severity.INFO, code="HYB004")  # new, info: summary only
    pre = finding(line=4)                                        # pre-existing: annotated, not inline
    plan = build_review_plan(inputs([on_added, info, pre]))
    assert plan.check_run_id == 99 and plan.number == 7 and plan.head_sha == HEAD
    assert [c["line"] for c in plan.review.comments] == [2]
    assert plan.review.request([0])["commit_id"] == HEAD and plan.review.request([0])["event"] == "COMMENT"
    assert parse_fingerprint_marker(plan.review.comments[0]["body"]).fingerprint == on_added.fingerprint
    assert plan.edits == () and plan.resolve_threads == ()
    assert plan.report.conclusion == "failure"
    assert [a["start_line"] for a in plan.annotations] == [2, 12, 4]
    assert [a["annotation_level"] for a in plan.annotations] == ["failure", "notice", "notice"]
    assert plan.previous_summary is None and "hybridize-bot:summary" in plan.summary_body


def test_rerun_plans_nothing_twice():
    f = finding(line=2)
    plan = build_review_plan(inputs([f], [own_comment(5, f.fingerprint)]))
    assert plan.review is None  # the earlier attempt's comment carries the fingerprint
    assert plan.edits == () and plan.resolve_threads == ()
    assert plan.report.already_commented == 1


def test_gone_finding_is_marked_resolved_and_its_thread_resolved_unless_a_person_replied():
    gone_a, gone_b = "a" * 16, "c" * 16
    comments = [own_comment(5, gone_a), own_comment(6, gone_b, line=12),
                {"id": 7, "user": ALICE, "in_reply_to_id": 6, "body": "I still need this"}]
    plan = build_review_plan(inputs([], comments))
    assert [(e.comment_id, e.why) for e in plan.edits] == [(5, "resolved")]
    assert parse_fingerprint_marker(plan.edits[0].body).resolved
    assert plan.resolve_threads == (5,)
    assert plan.report.conclusion == "success"


def test_already_resolved_comment_is_left_alone():
    plan = build_review_plan(inputs([], [own_comment(5, "a" * 16, resolved=True)]))
    assert plan.edits == () and plan.resolve_threads == ()


def test_ignored_rule_comment_says_ignored_not_resolved():
    f = finding(line=2, code="HYB007")
    plan = build_review_plan(inputs([], [own_comment(5, f.fingerprint)], hidden=[f], ignored_by={"HYB007": "alice"}))
    assert [(e.comment_id, e.why) for e in plan.edits] == [(5, "ignored")]
    assert plan.resolve_threads == ()


def test_followup_is_noted_once_on_comments_whose_fix_it_carries():
    f = finding(line=2)
    ref = FollowupRef(12, frozenset({f.fingerprint}))
    plan = build_review_plan(inputs([f], [own_comment(5, f.fingerprint)], followup=ref))
    assert [(e.comment_id, e.why) for e in plan.edits] == [(5, "follow-up")]
    assert "**Fix** (in #12)" in plan.edits[0].body
    noted = {**own_comment(5, f.fingerprint), "body": plan.edits[0].body}
    assert build_review_plan(inputs([f], [noted], followup=ref)).edits == ()


def test_refused_comment_moves_to_the_summary():
    f = finding(line=2)
    plan = build_review_plan(inputs([f]))
    final = plan.after_refusals(list(plan.review.placements), ["GitHub refused the summary comment (403)."])
    assert final.report.inline_posted == 0 and list(final.report.not_inline) == [f]
    assert "GitHub refused 1 inline comment(s)" in final.check_output["summary"]
    assert plan.report.inline_posted == 1  # the plan itself is a value: unchanged
    assert plan.after_refusals([], []) is plan


def test_check_run_key_names_pull_request_and_head():
    assert check_run_external_id(7, HEAD) == "7:" + HEAD


def test_a_refused_review_lists_its_findings_in_the_summary():
    f = finding(line=2)
    plan = build_review_plan(inputs([f]))
    final = plan.after_refusals([], ["GitHub refused the review comments (403)."], list(plan.review.placements))
    assert final.report.inline_posted == 0 and list(final.report.not_inline) == [f]
    assert "GitHub refused the review comments (403)." in final.check_output["summary"]
    assert "inline comment(s)" not in final.check_output["summary"]


def test_comments_on_files_no_longer_rechecked_are_left_alone_and_not_counted_fixed():
    # Push 1 commented on m.py and old.py; this push no longer touches old.py (only m.py is rechecked)
    # and both findings are gone from what was analysed.
    on_m, on_old = "a" * 20, "b" * 20
    previous = ReviewState("c" * 40, {on_m: "HYB001", on_old: "HYB004"},
                           where={on_m: path_key("m.py"), on_old: path_key("old.py")})
    plan = build_review_plan(inputs([], [own_comment(5, on_m), own_comment(6, on_old, path="old.py")],
                                    previous_state=previous))
    assert [(e.comment_id, e.why) for e in plan.edits] == [(5, "resolved")]
    assert plan.resolve_threads == (5,)
    assert plan.report.delta == Delta("c" * 40, {on_m: "HYB001"}, {}, {on_old: "HYB004"})
    assert "**1 fixed (HYB001), 0 new since ccccccc** · 1 not re-checked (HYB004): its file is no longer " \
           "reviewed" in plan.summary_body
    # The next summary remembers what it showed, for a re-run of the same commit.
    state = parse_review_state(plan.summary_body)
    assert state.left == {on_old: "HYB004"} and state.fixed == {on_m: "HYB001"}


def test_a_file_that_failed_to_parse_or_was_skipped_or_excluded_is_not_rechecked():
    broken = finding(path="broken.py", code="HYB000", name="parse-failure")
    other = finding(path="ok.py")
    assert rechecked_paths(["ok.py", "broken.py", "huge.py", "vendored.py"], lambda p: p == "vendored.py",
                           [broken, other], ["huge.py"]) == frozenset({"ok.py"})
