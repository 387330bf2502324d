"""The patch parser: line numbers of added lines, hunk membership, malformed input."""
from __future__ import annotations

import difflib

import pytest
from hypothesis import given, settings, strategies as st

from hybridize_bot.bot.pulls.diff import FileDiff, PatchError, parse_patch, range_in_one_hunk

# A real GitHub `patch` (two hunks; the second adds at the end without a trailing newline).
PATCH = """@@ -1,4 +1,5 @@
 import tensorflow as tf
+import numpy as np
 
 
 def f(x):
@@ -10,3 +11,4 @@ def g(y):
     a = 1
-    b = 2
+    b = 3
+    print(b)
     return a
\\ No newline at end of file"""


def test_parses_hunks_and_added_lines():
    hunks = parse_patch(PATCH)
    assert [(h.old_start, h.old_count, h.new_start, h.new_count) for h in hunks] == [(1, 4, 1, 5), (10, 3, 11, 4)]
    assert hunks[0].added == {2}
    assert hunks[1].added == {12, 13}
    assert hunks[1].removed == {11}
    assert hunks[1].new_end == 14


def test_right_side_membership_and_one_hunk_ranges():
    diff = FileDiff.from_patch("m.py", PATCH)
    assert diff.added_lines == {2, 12, 13}
    assert diff.hunk_for(5) is not None and diff.hunk_for(6) is None and diff.hunk_for(10) is None
    assert diff.in_one_hunk(11, 14)
    assert not diff.in_one_hunk(4, 11)  # spans two hunks -> GitHub would answer 422
    assert not diff.in_one_hunk(14, 15)
    assert not range_in_one_hunk(diff.hunks, 5, 4)
    assert diff.touches_added(10, 12) and not diff.touches_added(3, 11)


def test_missing_counts_default_to_one_and_deletion_only_hunk_has_no_right_lines():
    hunks = parse_patch("@@ -3 +3 @@\n-a\n+b\n@@ -9,2 +8,0 @@\n-x\n-y\n")
    assert hunks[0].added == {3}
    assert hunks[1].new_count == 0 and not hunks[1].contains_right(8) and not hunks[1].contains_right(7)


def test_missing_patch_means_no_inline_lines():
    diff = FileDiff.from_patch("big.py", None)
    assert diff.patch_missing and not diff.hunks and not diff.touches_added(1, 10_000)
    assert not FileDiff.from_patch("gone.py", None, status="removed").patch_missing


@pytest.mark.parametrize("bad", [
    "not a diff",
    "@@ -1,2 +1,2 @@\n a\n",  # shorter than announced
    "@@ -1,1 +1,1 @@\n a\n b\n",  # longer: the extra line is not a header
    "@@ -1,1 +1,1 @@\n*a\n",
])
def test_malformed_patches_are_rejected(bad):
    with pytest.raises(PatchError):
        parse_patch(bad)


def github_patch(before: list[str], after: list[str], context: int) -> str:
    """What GitHub's `patch` field holds: a unified diff without the ---/+++ file header."""
    lines = list(difflib.unified_diff(before, after, lineterm="", n=context))
    return "\n".join(lines[2:])


texts = st.lists(st.sampled_from(["a", "b", "c", "x = 1", "", "print(x)", "    return y"]), max_size=25)


@settings(max_examples=300, deadline=None)
@given(before=texts, after=texts, context=st.integers(0, 4))
def test_added_lines_match_difflib_opcodes(before, after, context):
    """Every '+' line maps to the line number it has in the new text; context lines are RIGHT lines."""
    patch = github_patch(before, after, context)
    diff = FileDiff.from_patch("f.py", patch or None) if patch else FileDiff.from_patch("f.py", "")
    expected_added: set[int] = set()
    for tag, _i1, _i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            expected_added.update(range(j1 + 1, j2 + 1))
    assert diff.added_lines == expected_added
    for hunk in diff.hunks:
        assert all(hunk.contains_right(line) for line in hunk.added)
        # Each RIGHT-side line of a hunk exists in the new text.
        assert hunk.new_count == 0 or 1 <= hunk.new_start <= hunk.new_end <= len(after)
    # Hunks never overlap on the RIGHT side, so "inside one hunk" is well defined.
    spans = [(h.new_start, h.new_end) for h in diff.hunks if h.new_count]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))


@settings(max_examples=200, deadline=None)
@given(before=texts, after=texts)
def test_context_lines_equal_the_new_text(before, after):
    """Reconstruct the RIGHT side of each hunk from the patch and compare with the new text."""
    patch = github_patch(before, after, 3)
    if not patch:
        return
    hunks = parse_patch(patch)
    body = [l for l in patch.split("\n") if not l.startswith("@@") and not l.startswith("\\")]
    right = iter([l[1:] for l in body if l[:1] in (" ", "+")])
    for hunk in hunks:
        for line in range(hunk.new_start, hunk.new_end + 1):
            assert next(right) == after[line - 1]
