"""The follow-up sync's writes as one value (issue 13, item 1), like the review's `publish/plan.py`.

`sync.py` reads (the pull request, the branch, the open follow-up, the record), runs the analysis and
`decide`s; `plan_sync` then turns the decision into a `SyncPlan` without any I/O: the commit chain and
where the branch may move from, the pull request to open or edit (title and body rendered), the comment
on the follow-up, closing it, deleting the branch. `publish/gateway.Gateway.apply_followup` writes it,
in that order; nothing else of the sync writes to GitHub.
"""
from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from . import render
from .compute import FixPlan
from .decide import Action


@dataclass(frozen=True)
class PullText:
    title: str
    body: str


@dataclass(frozen=True)
class SyncPlan:
    action: Action
    branch: str
    # A chain of commits on `parent`, one per (changed files, message) step; the branch is moved to its
    # last commit only if it still points at `expected_ref` (None: it must not exist). Empty: no commit.
    commits: tuple[tuple[Mapping[str, bytes], str], ...] = ()
    parent: str = ""
    expected_ref: str | None = None
    open_pull: PullText | None = None  # a new follow-up from `branch` into `base_ref`
    base_ref: str = ""
    followup_number: int | None = None  # the open follow-up the next three act on
    edit_pull: PullText | None = None
    comment: str | None = None
    close_pull: bool = False
    delete_branch: bool = False
    # Name the follow-up on the review of `parent` (head-based follow-ups only).
    cross_reference: bool = False
    paths: frozenset[str] = field(default_factory=frozenset)  # the files the commits change

    @property
    def writes(self) -> bool:
        return bool(self.commits or self.open_pull or self.edit_pull or self.comment or self.close_pull
                    or self.delete_branch)


@dataclass(frozen=True)
class SyncFacts:
    """What the sync read and decided, as `plan_sync` needs it."""

    action: Action
    branch: str
    fixes: FixPlan
    source: render.Source
    bot_name: str
    ref_sha: str | None  # where the branch points now (None: absent)
    followup_number: int | None  # the open follow-up, if any
    warned_sha: str | None = None  # the branch head the bot last said "touched" about
    merged: bool = False
    alive: bool = True  # the follow-up's target still takes changes
    doc_urls: Mapping[str, str] = field(default_factory=dict)
    pr_lines: Mapping[str, Collection[int]] | None = None


def plan_sync(facts: SyncFacts) -> SyncPlan:
    """The writes that carry out `facts.action` (see followup/decide.py for when each is chosen)."""
    action, src = facts.action, facts.source
    nothing = SyncPlan(action, facts.branch, followup_number=facts.followup_number)
    if action in (Action.CREATE, Action.UPDATE):
        fixes = facts.fixes
        steps: Sequence[tuple[Mapping[str, bytes], str]] = render.commit_steps(fixes, src)
        text = PullText(render.title(fixes, src), render.body(fixes, src, facts.bot_name, dict(facts.doc_urls),
                                                               facts.pr_lines))
        return SyncPlan(action, facts.branch, commits=tuple(steps), parent=src.parent_sha,
                        expected_ref=facts.ref_sha, base_ref=src.base_ref,
                        open_pull=text if action is Action.CREATE else None,
                        edit_pull=text if action is Action.UPDATE else None,
                        followup_number=facts.followup_number if action is Action.UPDATE else None,
                        cross_reference=not src.after_merge,
                        paths=frozenset(p for changed, _ in steps for p in changed))
    if action is Action.CLOSE:
        # The target still takes changes: closed because no fix applies any more.
        reason = render.reasons_closed(src.number, merged=facts.merged, no_fixes=facts.alive, bot_name=facts.bot_name)
        has_pull = facts.followup_number is not None
        return SyncPlan(action, facts.branch, followup_number=facts.followup_number,
                        comment=render.closed_comment(reason) if has_pull else None, close_pull=has_pull,
                        delete_branch=facts.ref_sha is not None)
    if action is Action.LEAVE_TOUCHED and facts.followup_number is not None and facts.warned_sha != facts.ref_sha:
        return SyncPlan(action, facts.branch, followup_number=facts.followup_number,
                        comment=render.touched_comment(facts.branch, src.number, facts.bot_name))
    return nothing  # KEEP, NOTHING, or a touched branch already warned about
