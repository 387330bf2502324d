"""The follow-up sync's writes as a pure value (bot/followup/plan.py): each decision's plan written out
by hand. The gateway that applies it is tested against the fake GitHub (tests/e2e/test_followup_*)."""
from __future__ import annotations

from hybridize_bot.bot.followup.compute import FixEntry, FixPlan
from hybridize_bot.bot.followup.decide import Action
from hybridize_bot.bot.followup.plan import SyncFacts, SyncPlan, plan_sync
from hybridize_bot.bot.followup.render import Source

ENTRY = FixEntry("HYB001", "print-in-function", "train.py", 3, "Use tf.print.", "safe", "always", "print(x)",
                 "tf.print(x)")
FIXES = FixPlan(changed={"train.py": b"tf.print(x)\n"}, before={"train.py": b"print(x)\n"}, entries=(ENTRY,))
SRC = Source("octo/proj", 5, "feature", "a" * 40, "feature")
BRANCH = "hybridize/pr-5"
MESSAGE = ("hybridize: apply 1 safe fix to files changed in #5 (HYB001)\n\n"
           "- HYB001 print-in-function: train.py:3\n\nHybridize-Fixes-For: octo/proj#5\n")


def facts(action: Action, **changes) -> SyncFacts:
    base = dict(action=action, branch=BRANCH, fixes=FIXES, source=SRC, bot_name="hybridize-bot", ref_sha=None,
                followup_number=None)
    return SyncFacts(**{**base, **changes})


def test_create_commits_on_the_head_moves_an_absent_branch_and_opens_the_follow_up() -> None:
    plan = plan_sync(facts(Action.CREATE))
    assert plan.commits == (({"train.py": b"tf.print(x)\n"}, MESSAGE),)
    assert (plan.parent, plan.expected_ref, plan.base_ref) == ("a" * 40, None, "feature")
    assert plan.open_pull is not None and plan.open_pull.title == "hybridize: apply 1 safe fix to files changed in #5 (HYB001)"
    assert "train.py:3" in plan.open_pull.body
    assert (plan.edit_pull, plan.comment, plan.close_pull, plan.delete_branch) == (None, None, False, False)
    assert plan.cross_reference and plan.paths == frozenset({"train.py"}) and plan.writes


def test_update_moves_the_branch_only_from_where_it_was_read_and_edits_the_open_follow_up() -> None:
    plan = plan_sync(facts(Action.UPDATE, ref_sha="b" * 40, followup_number=9))
    assert plan.expected_ref == "b" * 40 and plan.followup_number == 9
    assert plan.open_pull is None and plan.edit_pull is not None
    assert plan.edit_pull.title == "hybridize: apply 1 safe fix to files changed in #5 (HYB001)"
    assert plan.commits == (({"train.py": b"tf.print(x)\n"}, MESSAGE),)


def test_after_a_merge_the_follow_up_targets_the_base_and_names_no_review() -> None:
    merged = Source("octo/proj", 5, "feature", "c" * 40, "main", after_merge=True)
    plan = plan_sync(facts(Action.CREATE, source=merged))
    assert plan.base_ref == "main" and plan.parent == "c" * 40 and not plan.cross_reference


def test_close_says_why_closes_and_deletes_the_branch() -> None:
    plan = plan_sync(facts(Action.CLOSE, ref_sha="b" * 40, followup_number=9, alive=False, merged=True))
    assert plan == SyncPlan(Action.CLOSE, BRANCH, followup_number=9, close_pull=True, delete_branch=True, comment=(
        "Closing: #5 was merged without these fixes. Comment `@hybridize-bot fix` on #5 to get them as a pull "
        "request against its base branch. The branch is deleted with it."))


def test_close_with_no_fix_left_and_no_open_follow_up_only_deletes_the_branch() -> None:
    plan = plan_sync(facts(Action.CLOSE, ref_sha="b" * 40, fixes=FixPlan()))
    assert plan == SyncPlan(Action.CLOSE, BRANCH, delete_branch=True)


def test_a_touched_branch_is_said_once_per_head_and_never_written() -> None:
    said = ("Somebody else pushed to `hybridize/pr-5`, so I no longer update or close this pull request; it is "
            "yours now. To get a fresh follow-up from me, delete the branch and comment `@hybridize-bot fix` on #5.")
    assert plan_sync(facts(Action.LEAVE_TOUCHED, ref_sha="d" * 40, followup_number=9)) == SyncPlan(
        Action.LEAVE_TOUCHED, BRANCH, followup_number=9, comment=said)
    again = plan_sync(facts(Action.LEAVE_TOUCHED, ref_sha="d" * 40, followup_number=9, warned_sha="d" * 40))
    assert not again.writes


def test_keep_and_nothing_write_nothing() -> None:
    for action in (Action.KEEP, Action.NOTHING):
        plan = plan_sync(facts(action, ref_sha="b" * 40, followup_number=9))
        assert plan == SyncPlan(action, BRANCH, followup_number=9) and not plan.writes
        assert plan.open_pull is None and plan.commits == ()
