"""The branch-state decision table of a follow-up pull request (pure).

Inputs are facts read from GitHub and from the bot's own records; the output is one action:

| branch    | target alive | fixes | open follow-up | changed/stale | dismissed | explicit | action        |
|-----------|--------------|-------|----------------|---------------|-----------|----------|---------------|
| touched   | any          | any   | any            | any           | any       | any      | LEAVE_TOUCHED |
| absent/ours | no         | any   | yes, or branch ours          | - | -       | any      | CLOSE         |
| absent/ours | yes        | none  | yes, or branch ours          | - | -       | any      | CLOSE         |
| absent    | no / none    |       | no             | -             | -         | any      | NOTHING       |
| absent/ours | yes        | some  | yes            | yes           | -         | any      | UPDATE        |
| absent/ours | yes        | some  | yes            | no            | -         | any      | KEEP          |
| absent/ours | yes        | some  | no             | any           | yes       | no       | NOTHING       |
| absent/ours | yes        | some  | no             | any           | no / -    | -/yes    | CREATE        |

"touched": the branch head is not a commit the bot made (someone pushed to it); the bot then never
moves, deletes or closes anything of that follow-up again (Dependabot stops rebasing a pull request
once a person pushed to it) and only says so. "dismissed": a person closed our follow-up pull request
and the fixes are still the same ones; it is not reopened automatically, only on request.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

BranchKind = Literal["absent", "ours", "touched"]


class Action(str, enum.Enum):
    CREATE = "create"            # commit, create or move the branch, open the pull request
    UPDATE = "update"            # new commit, move the branch, edit title and body
    KEEP = "keep"                # up to date; nothing to do
    CLOSE = "close"              # close the pull request (if open) and delete the branch
    LEAVE_TOUCHED = "leave"      # somebody else pushed: change nothing, say so once
    NOTHING = "nothing"          # no follow-up and none needed (or dismissed)


@dataclass(frozen=True)
class BranchFacts:
    branch: BranchKind
    target_alive: bool          # the branch the follow-up is based on still takes changes (PR open)
    has_fixes: bool
    followup_open: bool         # an open pull request with head `hybridize/pr-<n>` exists
    changed: bool = False       # the fixes differ from what the branch holds (see `fixes_changed`)
    dismissed: bool = False
    explicit: bool = False      # `@bot fix` or the check-run button


def decide(facts: BranchFacts) -> Action:
    if facts.branch == "touched":
        return Action.LEAVE_TOUCHED
    leftover = facts.followup_open or facts.branch == "ours"
    if not facts.target_alive or not facts.has_fixes:
        return Action.CLOSE if leftover else Action.NOTHING
    if facts.followup_open:
        return Action.UPDATE if facts.changed else Action.KEEP
    if facts.dismissed and not facts.explicit:
        return Action.NOTHING
    return Action.CREATE


def branch_kind(ref_sha: str | None, last_bot_commit: str | None, head_is_bot_commit: bool) -> BranchKind:
    """Whose the branch is: absent, at a commit the bot made (recorded, or recognised by author and
    trailer after a lost record), or touched by somebody else."""
    if ref_sha is None:
        return "absent"
    if ref_sha == last_bot_commit or head_is_bot_commit:
        return "ours"
    return "touched"


def fixes_changed(recorded_key: str | None, recorded_parent: str | None, key: str, parent: str,
                  *, explicit: bool) -> bool:
    """Does the branch need a new commit? When the change set differs; and, on an explicit request
    ("refresh now"), also when the commit sits on an older head. A push that leaves the fixed files
    alone does not move the branch (no rebase on every push: noise, cf. Dependabot's rebase-strategy)."""
    if recorded_key != key:
        return True
    return explicit and recorded_parent != parent
