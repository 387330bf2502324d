"""New vs pre-existing, inline placement inside hunks, caps, dedupe, outdated comments."""
from __future__ import annotations

from dataclasses import dataclass

from hybridize_bot.analysis.model import Severity
from hybridize_bot.bot.publish.markers import ReviewState, fingerprint_marker, mark_resolved, path_key
from hybridize_bot.bot.pulls.diff import FileDiff
from hybridize_bot.bot.pulls.selection import (Delta, annotation_level, classify, delta_since, outdated_comments,
                                               OwnComment, place_inline, plan_inline, read_review_comments,
                                               split_retired, worst_severity)

from .helpers import finding

# Hunk 1 shows RIGHT lines 1..5 (line 2 added); hunk 2 shows 11..14 (12, 13 added).
PATCH = "@@ -1,4 +1,5 @@\n a\n+b\n c\n d\n e\n@@ -10,3 +11,4 @@\n x\n-y\n+y2\n+z\n w"
DIFFS = {"m.py": FileDiff.from_patch("m.py", PATCH)}


@dataclass(frozen=True)
class Rep:
    first_line: int
    last_line: int
    text: str


def test_classify_new_preexisting_elsewhere():
    new1 = finding(line=2)
    new2 = finding(line=11, end_line=12)  # range touches an added line
    pre = finding(line=4)
    other = finding(path="other.py", line=2)
    c = classify([other, pre, new2, new1], DIFFS)
    assert c.new == [new1, new2] and c.preexisting == [pre] and c.elsewhere == [other]
    assert worst_severity(c.new) == "error" and worst_severity([]) is None
    assert worst_severity([finding(severity=Severity.INFO), finding(line=3, severity=Severity.WARNING)]) == "warning"


def test_placement_inside_hunks_only():
    diff = DIFFS["m.py"]
    assert place_inline(finding(line=2), diff).line == 2
    p = place_inline(finding(line=11, end_line=13), diff)
    assert (p.start_line, p.line) == (11, 13)
    # Range crosses hunks: anchored on the first added line inside it, single-line.
    p = place_inline(finding(line=4, end_line=12), diff)
    assert (p.start_line, p.line) == (None, 12)
    assert place_inline(finding(line=8), diff) is None


def test_suggestion_only_when_its_range_is_in_one_hunk():
    diff = DIFFS["m.py"]
    p = place_inline(finding(line=12), diff, Rep(12, 13, "new"))
    assert p.suggestion is not None and (p.start_line, p.line) == (12, 13)
    p = place_inline(finding(line=12), diff, Rep(12, 12, "new"))
    assert p.suggestion is not None and (p.start_line, p.line) == (None, 12)
    p = place_inline(finding(line=2), diff, Rep(2, 11, "spans hunks"))
    assert p.suggestion is None and p.line == 2
    p = place_inline(finding(line=2), diff, Rep(7, 7, "outside"))
    assert p.suggestion is None


def test_plan_caps_dedupes_and_puts_errors_first():
    findings = [finding(line=12, severity=Severity.WARNING, snippet="w"), finding(line=2, snippet="e1"),
                finding(line=13, snippet="e2")]
    existing = {findings[2].fingerprint}
    plan = plan_inline(findings, DIFFS, existing, max_comments=1)
    assert [p.finding for p in plan.to_post] == [findings[1]]
    assert plan.already_commented == [findings[2]]
    assert plan.not_inline == [findings[0]]
    zero = plan_inline(findings, DIFFS, set(), max_comments=0)
    assert zero.to_post == [] and len(zero.not_inline) == 3


def test_plan_uses_suggestions_from_callback():
    f = finding(line=2)
    plan = plan_inline([f], DIFFS, set(), 25, suggest=lambda x: Rep(2, 2, "fixed"))
    assert plan.to_post[0].suggestion.text == "fixed"


def _comment(cid, body, login="hybridize-bot[bot]", type_="Bot", reply_to=None, path="m.py"):
    c = {"id": cid, "body": body, "user": {"login": login, "type": type_}, "path": path}
    if reply_to is not None:
        c["in_reply_to_id"] = reply_to
    return c


def test_existing_comments_outdated_and_human_replies():
    fp_a, fp_b, fp_c, fp_d = "a" * 20, "b" * 20, "c" * 20, "d" * 20
    comments = [
        _comment(1, "x\n" + fingerprint_marker(fp_a)),
        _comment(2, "x\n" + fingerprint_marker(fp_b)),
        _comment(3, "thanks, will fix", login="alice", type_="User", reply_to=2),
        _comment(4, mark_resolved("x\n" + fingerprint_marker(fp_c))),
        _comment(5, "quoting you\n> " + fingerprint_marker(fp_d), login="mallory", type_="User"),
        _comment(6, "x\n" + fingerprint_marker("e" * 20)),
        _comment(7, "bot echo", login="other[bot]", reply_to=6),
    ]
    existing = read_review_comments(comments, is_own=lambda c: c["user"]["login"] == "hybridize-bot[bot]")
    assert existing.active_fingerprints == {fp_a, fp_b, "e" * 20}
    assert set(existing.resolved) == {fp_c}
    assert existing.human_replied == {2}
    # Nothing current: comment 1 and 6 are outdated; 2 has a human reply and is left alone.
    assert [c.id for c in outdated_comments(existing, set(), {"m.py"})] == [1, 6]
    assert outdated_comments(existing, {fp_a, "e" * 20}, {"m.py"}) == []


def test_comments_on_files_not_rechecked_are_not_outdated():
    # Comment 1 is on m.py, which this push checked again; comment 2 on old.py, which it no longer
    # touches: its finding was not looked for, so it is not "gone".
    comments = [_comment(1, "x\n" + fingerprint_marker("a" * 20)),
                _comment(2, "x\n" + fingerprint_marker("b" * 20), path="old.py")]
    existing = read_review_comments(comments, is_own=lambda c: c["user"]["login"] == "hybridize-bot[bot]")
    assert existing.paths == {"a" * 20: "m.py", "b" * 20: "old.py"}
    assert [c.id for c in outdated_comments(existing, set(), {"m.py"})] == [1]
    assert outdated_comments(existing, set(), set()) == []


# ---------------------------------------------------------------- property: placements GitHub accepts
import difflib  # noqa: E402

from hypothesis import given, settings, strategies as st  # noqa: E402

_lines = st.lists(st.sampled_from(["a", "b", "x = 1", "", "print(x)"]), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(before=_lines, after=_lines, spans=st.lists(st.tuples(st.integers(1, 30), st.integers(0, 4),
                                                            st.integers(-2, 4), st.integers(0, 4)), max_size=8))
def test_every_planned_comment_lies_in_one_hunk(before, after, spans):
    patch = "\n".join(list(difflib.unified_diff(before, after, lineterm="", n=2))[2:])
    diff = FileDiff.from_patch("m.py", patch) if patch else FileDiff.from_patch("m.py", "")
    findings = [finding(line=min(s, len(after)), end_line=min(s + n, len(after)), snippet=f"{i}")
                for i, (s, n, _, _) in enumerate(spans)]
    reps = {f.fingerprint: Rep(max(1, f.line + d0), max(1, f.line + d0) + d1, "x") for f, (_, _, d0, d1) in zip(findings, spans)}
    new = classify(findings, {"m.py": diff}).new
    plan = plan_inline(new, {"m.py": diff}, set(), 25, suggest=lambda f: reps[f.fingerprint])
    for p in plan.to_post:
        start = p.start_line or p.line
        assert diff.in_one_hunk(start, p.line)
        # The comment touches the finding's own lines or its suggestion's replaced range.
        if p.suggestion is not None:
            assert (start, p.line) == (p.suggestion.first_line, p.suggestion.last_line)
        else:
            assert p.finding.line <= p.line <= max(p.finding.line, p.finding.end_line)
    assert len(plan.to_post) + len(plan.not_inline) == len(new)


def test_info_findings_are_summary_only_and_never_inline():
    info = finding(line=2, severity=Severity.INFO)
    warn = finding(line=12, severity=Severity.WARNING)
    plan = plan_inline([info, warn], DIFFS, set(), 25)
    assert [p.finding for p in plan.to_post] == [warn]
    assert plan.summary_only == [info] and plan.not_inline == []


def test_annotation_level_is_at_most_notice_off_the_changed_lines():
    assert annotation_level(finding(severity=Severity.ERROR), new=True) == "failure"
    assert annotation_level(finding(severity=Severity.WARNING), new=True) == "warning"
    assert annotation_level(finding(severity=Severity.INFO), new=True) == "notice"
    assert annotation_level(finding(severity=Severity.ERROR), new=False) == "notice"


def test_delta_since_the_last_reviewed_commit():
    kept, fixed, ignored, moved = (finding(line=2, snippet="kept"), finding(line=3, snippet="fixed"),
                                   finding(line=4, code="HYB006", snippet="ign"), finding(line=40, snippet="moved"))
    added = finding(line=5, snippet="added")
    everyone = (kept, fixed, ignored, moved)
    previous = ReviewState("abc1234" + "0" * 33, {f.fingerprint: f.code for f in everyone},
                           where={f.fingerprint: path_key("m.py") for f in everyone})
    m = {"m.py"}
    # `moved` is still in the code, no longer on a changed line: not fixed. `ignored` is hidden: not fixed.
    delta = delta_since(previous, "f" * 40, [kept, added], [kept, added, moved, ignored], ignored={"HYB006"},
                        rechecked=m)
    assert delta == Delta("abc1234" + "0" * 33, {fixed.fingerprint: "HYB001"}, {added.fingerprint: "HYB001"})
    assert delta_since(None, "f" * 40, [kept], [kept], rechecked=m) is None  # first review
    assert delta_since(previous, previous.sha, [kept], [kept], rechecked=m) is None  # re-run; that summary showed none
    shown = ReviewState("f" * 40, {}, since="abc1234" + "0" * 33, fixed={fixed.fingerprint: "HYB001"}, added={},
                        left={"9" * 20: "HYB004"})
    assert delta_since(shown, "f" * 40, [kept], [kept], rechecked=m) == \
        Delta(shown.since, shown.fixed, {}, {"9" * 20: "HYB004"})  # kept on a re-run
    assert delta_since(ReviewState("abc1234", {}, complete=False), "f" * 40, [kept], [kept], rechecked=m) is None


def test_a_finding_in_a_file_not_rechecked_is_not_fixed():
    here, there = finding(path="m.py", snippet="here"), finding(path="old.py", snippet="there")
    previous = ReviewState("abc1234" + "0" * 33, {here.fingerprint: "HYB001", there.fingerprint: "HYB004"},
                           where={here.fingerprint: path_key("m.py"), there.fingerprint: path_key("old.py")})
    # Neither is present any more; only m.py was checked again.
    delta = delta_since(previous, "f" * 40, [], [], rechecked={"m.py"})
    assert delta == Delta("abc1234" + "0" * 33, {here.fingerprint: "HYB001"}, {}, {there.fingerprint: "HYB004"})


def test_a_state_without_paths_counts_only_what_the_comments_place():
    # A summary written before path keys: its entries say no file. The bot's inline comments place two
    # of them (one on a rechecked file, one not); the third (an info finding, no comment) is left out:
    # neither fixed nor unchecked, rather than everything fixed.
    a, b, c = "a" * 20, "b" * 20, "c" * 20
    old = ReviewState("abc1234" + "0" * 33, {a: "HYB001", b: "HYB004", c: "HYB006"})
    delta = delta_since(old, "f" * 40, [], [], rechecked={"m.py"}, known_paths={a: "m.py", b: "old.py"})
    assert delta == Delta("abc1234" + "0" * 33, {a: "HYB001"}, {}, {b: "HYB004"})
    assert delta_since(old, "f" * 40, [], [], rechecked={"m.py"}) == Delta("abc1234" + "0" * 33, {}, {}, {})


def test_outdated_comments_of_ignored_rules_are_ignored_not_resolved():
    still = finding(line=2, snippet="still")
    gone = finding(line=3, snippet="gone")
    comments = [OwnComment(1, still.fingerprint, False, "a"), OwnComment(2, gone.fingerprint, False, "b")]
    ignored, resolved = split_retired(comments, [still], {"HYB001": "alice"})
    assert ignored == [(comments[0], "HYB001", "alice")] and resolved == [comments[1]]
