"""The branch-state decision table and the "fixes changed?" decision, row by row."""
from __future__ import annotations

import itertools

import pytest

from hybridize_bot.bot.followup.decide import Action, BranchFacts, branch_kind, decide, fixes_changed


def facts(**kw):
    base = dict(branch="absent", target_alive=True, has_fixes=True, followup_open=False)
    base.update(kw)
    return BranchFacts(**base)


@pytest.mark.parametrize("kw, action", [
    (dict(branch="touched"), Action.LEAVE_TOUCHED),
    (dict(branch="touched", target_alive=False, followup_open=True), Action.LEAVE_TOUCHED),
    (dict(branch="touched", has_fixes=False, followup_open=True, explicit=True), Action.LEAVE_TOUCHED),
    (dict(branch="ours", target_alive=False, followup_open=True), Action.CLOSE),
    (dict(branch="ours", target_alive=False), Action.CLOSE),          # a leftover branch is cleaned up
    (dict(branch="absent", target_alive=False), Action.NOTHING),
    (dict(branch="ours", has_fixes=False, followup_open=True), Action.CLOSE),
    (dict(branch="absent", has_fixes=False), Action.NOTHING),
    (dict(branch="ours", followup_open=True, changed=True), Action.UPDATE),
    (dict(branch="ours", followup_open=True, changed=False), Action.KEEP),
    (dict(branch="ours", followup_open=True, changed=False, explicit=True), Action.KEEP),
    (dict(branch="absent"), Action.CREATE),
    (dict(branch="ours"), Action.CREATE),                             # branch left by a failed attempt
    (dict(branch="ours", dismissed=True), Action.NOTHING),
    (dict(branch="absent", dismissed=True, explicit=True), Action.CREATE),
])
def test_rows(kw, action):
    assert decide(facts(**kw)) is action


def test_every_combination_has_exactly_one_sane_answer():
    for branch, alive, fixes, open_, changed, dismissed, explicit in itertools.product(
            ("absent", "ours", "touched"), *[(False, True)] * 6):
        f = BranchFacts(branch, alive, fixes, open_, changed, dismissed, explicit)
        action = decide(f)
        if branch == "touched":
            assert action is Action.LEAVE_TOUCHED  # never write to somebody else's branch
        if action in (Action.CREATE, Action.UPDATE):
            assert alive and fixes
        if action is Action.CREATE:
            assert not open_  # never a second follow-up
        if action is Action.UPDATE:
            assert open_ and changed
        if action is Action.CLOSE:
            assert not (alive and fixes)


def test_branch_kind():
    assert branch_kind(None, "abc", False) == "absent"
    assert branch_kind("abc", "abc", False) == "ours"
    assert branch_kind("def", "abc", True) == "ours"    # our commit, the record was lost or lagged
    assert branch_kind("def", "abc", False) == "touched"
    assert branch_kind("def", None, False) == "touched"


def test_fixes_changed():
    assert fixes_changed(None, None, "k1", "h1", explicit=False)
    assert fixes_changed("k1", "h1", "k2", "h2", explicit=False)
    # A push that leaves the fixed files alone does not move the branch...
    assert not fixes_changed("k1", "h1", "k1", "h2", explicit=False)
    # ...unless a person asks for a refresh.
    assert fixes_changed("k1", "h1", "k1", "h2", explicit=True)
    assert not fixes_changed("k1", "h2", "k1", "h2", explicit=True)
    # No fixes any more is a change too.
    assert fixes_changed("k1", "h1", "", "h2", explicit=False)
