"""Bring the follow-up pull request of one source pull request in line with its current fixes.

Called on every push to the source pull request, when it closes, and on request (`@bot fix`, the
check-run button). Serialized per source pull request (`ctx.locks`), and always works on the pull
request as it is NOW (re-read), never on the head an event named: two pushes arriving while a
follow-up is being created end with one follow-up on the newest head.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from ..analysis_api import get_rule
from ..commands.ignores import ignored_codes
from ..context import AnalysisTimeout
from ..github_api import GitHubAPI
from ..publish.crossref import cross_reference_followup
from ..publish.gateway import FollowupApplied, Gateway
from ..publish.identity import BotIdentity, bot_identity
from ..publish.render import FollowupRef
from . import gitdata, render
from .compute import FixPlan, compute_fix_plan, safeties_for
from .decide import Action, BranchFacts, branch_kind, decide, fixes_changed
from .naming import BRANCH_PREFIX, branch_for, has_trailer
from .options import stronger
from .plan import SyncFacts, SyncPlan, plan_sync
from .store import FollowupRecord

log = logging.getLogger(__name__)


class BranchMoved(Exception):
    """The follow-up branch no longer points where this sync started: a newer sync owns it."""


class InvalidBotOptions(Exception):
    """`[tool.hybridize.bot]` on the base branch has a rejected value: the App writes no code."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class SyncRequest:
    owner: str
    repo: str
    number: int
    explicit: bool = False        # `@bot fix` or the check-run button (False: a webhook event)
    include_gated: bool = False   # the requester has write access
    requester: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def lock_key(self) -> tuple[str, str, str, int]:
        return ("followup", self.owner.lower(), self.repo.lower(), self.number)


@dataclass(frozen=True)
class SyncOutcome:
    action: str
    detail: str
    followup_number: int | None = None
    reply: str | None = None      # what to tell the person who asked (explicit requests only)
    has_fixes: bool = False
    # Fixes exist but no follow-up is open (autofix = "off", or a person closed it): the check run's
    # Fix button is worth showing.
    offer_button: bool = False


def is_fork(pull: dict[str, Any]) -> bool:
    head_repo = (pull.get("head") or {}).get("repo") or {}
    base_repo = (pull.get("base") or {}).get("repo") or {}
    # A deleted fork has head.repo null: still not ours to push to.
    return not head_repo or head_repo.get("full_name", "").lower() != base_repo.get("full_name", "").lower()


def is_followup_pull(pull: dict[str, Any], me: BotIdentity) -> bool:
    """One of our own follow-up pull requests (never make a follow-up of a follow-up)."""
    head_ref = (pull.get("head") or {}).get("ref", "")
    user = pull.get("user") or {}
    return head_ref.startswith(BRANCH_PREFIX) and (user.get("login") == me.login or user.get("type") == "Bot")


async def caused_by_bot(event: Any, ctx: Any) -> bool:
    """The App's own bot user sent it, or it is about one of the bot's follow-up branches (no loops)."""
    sender = event.data.get("sender") or {}
    me = await bot_identity(ctx.app_client, str(ctx.settings.app_id), ctx.settings.bot_name)
    if sender.get("login") == me.login:
        return True
    head_ref = ((event.data.get("pull_request") or {}).get("head") or {}).get("ref", "")
    return head_ref.startswith(BRANCH_PREFIX)


def is_bot_commit(commit: dict[str, Any], me: BotIdentity, full_name: str, number: int) -> bool:
    """A commit the bot made for this follow-up: authored by the App's bot user, with our trailer."""
    author = (commit.get("author") or {}).get("name", "")
    return author == me.login and has_trailer(commit.get("message", ""), full_name, number)


async def sync_followup(gh: GitHubAPI, ctx: Any, req: SyncRequest) -> SyncOutcome:
    async with ctx.locks(req.lock_key):
        outcome = await _Sync(gh, ctx, req).run()
    log.info("follow-up of %s#%d: %s (%s) [delivery %s]", req.full_name, req.number, outcome.action,
             outcome.detail, ctx.delivery_id)
    return outcome


class _Sync:
    """One synchronisation; attributes hold what was read so the steps stay small."""

    def __init__(self, gh: GitHubAPI, ctx: Any, req: SyncRequest) -> None:
        self.gh, self.ctx, self.req = gh, ctx, req
        self.store = ctx.state.followups
        self.snapshot = ctx.pull_snapshot(gh, req.owner, req.repo, req.number)
        self.branch = branch_for(req.number)
        self.gateway = Gateway(gh, req.owner, req.repo)
        self.available = False  # automatic fixes exist, whether or not the level lets us apply them
        self.pr_lines: dict[str, frozenset[int]] | None = None  # set by _plan

    async def run(self) -> SyncOutcome:
        req = self.req
        self.me = await bot_identity(self.ctx.app_client, str(self.ctx.settings.app_id), self.ctx.settings.bot_name)
        pull = self.pull = await self.snapshot.pull()
        if is_followup_pull(pull, self.me):
            return SyncOutcome("nothing", "a follow-up pull request itself",
                               reply=self._say("This is one of my follow-up pull requests; comment on its source "
                                               "pull request instead."))
        self.record = await self.store.get(req.full_name, req.number)
        is_open, merged = pull.get("state") == "open", bool(pull.get("merged"))
        if is_open and is_fork(pull):
            return SyncOutcome("nothing", "fork: fixes are offered as suggestions only",
                               reply=self._say(render.fork_comment(pull["base"]["ref"], self.ctx.settings.bot_name)))
        if is_open:
            if pull.get("draft") and not req.explicit:
                return SyncOutcome("nothing", "draft")
            self.mode, alive = "source", True
        elif merged and req.explicit:
            self.mode, alive = "base", True
        elif req.explicit:
            return SyncOutcome("nothing", "closed without merge",
                               reply=f"#{req.number} was closed without being merged, so there is nothing to fix.")
        else:
            if self.record is not None and self.record.mode == "base":
                return SyncOutcome("nothing", "closed; the follow-up targets the base branch")
            self.mode, alive = "source", False
        return await self._sync(alive)

    def _say(self, text: str) -> str | None:
        return text if self.req.explicit else None

    async def _sync(self, alive: bool) -> SyncOutcome:
        req, gh = self.req, self.gh
        self.alive = alive
        ref_sha = self.ref_sha = await gitdata.ref_sha(gh, req.owner, req.repo, self.branch)
        open_prs = await gitdata.open_followups(gh, req.owner, req.repo, self.branch)
        self.followup = open_prs[0] if open_prs else None
        last = self.record.last_commit if self.record else None
        ours_by_commit = False
        if ref_sha is not None and ref_sha != last:
            commit = await self.snapshot.commit(ref_sha)
            ours_by_commit = is_bot_commit(commit, self.me, req.full_name, req.number)
        kind = branch_kind(ref_sha, last, ours_by_commit)

        plan, parent = FixPlan(), ""
        if alive and kind != "touched":
            try:
                plan, parent = await self._plan()
            except AnalysisTimeout:
                return SyncOutcome("nothing", "analysis timed out; nothing changed",
                                   reply=self._say("The analysis did not finish in time; nothing was changed. "
                                                   "Try again later."))
            except InvalidBotOptions as exc:
                problems = "\n".join(f"- {p}" for p in exc.problems)
                return SyncOutcome("nothing", f"invalid bot options: {exc}", reply=self._say(
                    "`[tool.hybridize.bot]` in `pyproject.toml` on the base branch has invalid values, so I "
                    f"change no code until they are fixed:\n\n{problems}"))
        record = self.record
        same_place = record is not None and record.mode == self.mode and record.last_commit == ref_sha
        changed = fixes_changed(record.fixes_key if same_place else None, record.parent if same_place else None,
                                plan.key, parent, explicit=req.explicit)
        # We forget followup_number whenever we close one ourselves, so a vanished one was closed by a person.
        human_closed = record is not None and record.followup_number is not None and self.followup is None
        dismissed = record is not None and bool(plan.key) and (
            record.dismissed_key == plan.key or (human_closed and record.fixes_key == plan.key))
        if human_closed and record is not None:
            self.record = record.but(followup_number=None, dismissed_key=record.fixes_key)
            await self.store.put(self.record)
        facts = BranchFacts(kind, alive, not plan.empty, self.followup is not None, changed, dismissed, req.explicit)
        action = decide(facts)
        handler = {Action.CREATE: self._create, Action.UPDATE: self._update, Action.KEEP: self._keep,
                   Action.CLOSE: self._close, Action.LEAVE_TOUCHED: self._leave,
                   Action.NOTHING: self._nothing}[action]
        try:
            outcome = await handler(plan, parent)
        except BranchMoved as exc:
            log.warning("%s#%d: %s; left to the sync that moved it", req.full_name, req.number, exc)
            return SyncOutcome("nothing", str(exc), reply=self._say(
                "The follow-up branch changed while I worked on it; nothing was overwritten. Try again."))
        if self.available and outcome.action == "nothing":
            outcome = replace(outcome, offer_button=True)
        return outcome

    # ------------------------------------------------------------------ reading
    async def _plan(self) -> tuple[FixPlan, str]:
        req, gh, pull = self.req, self.gh, self.pull
        if self.mode == "base":
            parent = await gitdata.ref_sha(gh, req.owner, req.repo, pull["base"]["ref"])
            if parent is None:
                return FixPlan(), ""
            config_sha = parent
        else:
            parent, config_sha = pull["head"]["sha"], pull["base"]["sha"]
        base = await self.snapshot.config(config_sha)
        if not base.writes_allowed:
            # Reads only so far: a typo such as `autofix = "of"` must not fall to the side that writes.
            raise InvalidBotOptions(base.problems)
        level = base.options.autofix
        if not req.explicit and (self.pull.get("user") or {}).get("type") == "Bot" and base.options.skip_bots:
            return FixPlan(), parent
        requested = self.record.requested if self.record else None
        if req.explicit:
            requested = stronger(requested, "gated" if req.include_gated else "safe")
        self.requested = requested
        safeties = safeties_for(stronger(level, requested), include_gated=False)
        # With autofix = "off" the safe fixes are still computed, to offer them behind the Fix button.
        offer_only = not safeties
        changed_files = await self.snapshot.changed()
        # Lines the pull request changed, to say which fixes touch code it did not (head-based only:
        # after a merge the line numbers are the base branch's).
        self.pr_lines = ({p: d.added_lines for p, d in changed_files.diffs.items()} if self.mode == "source"
                         else None)
        snap = await self.snapshot.files(parent)
        config = base.config
        ignored = await ignored_codes(self.ctx, req.full_name, req.number)
        if ignored:
            config = config.with_cli(ignore=sorted(ignored))
        plan = await self.ctx.run_in_process(compute_fix_plan, snap.sources, config,
                                             sorted(safeties or safeties_for("safe", include_gated=False)),
                                             sorted(changed_files.diffs), str(self.ctx.settings.analysis_cache_dir),
                                             self.snapshot.review_analysis, timeout=self.ctx.analysis_timeout_s)
        self.available = not plan.empty
        return (FixPlan() if offer_only else plan), parent

    def _source(self, parent: str) -> render.Source:
        pull = self.pull
        base_ref = pull["base"]["ref"] if self.mode == "base" else pull["head"]["ref"]
        return render.Source(self.req.full_name, self.req.number, pull["head"]["ref"], parent, base_ref,
                             after_merge=self.mode == "base")

    async def _cross_reference(self, plan: FixPlan, parent: str, number: int) -> None:
        """The review of `parent` was published before this follow-up existed: name it there."""
        ref = FollowupRef(number, frozenset(e.fingerprint for e in plan.entries if e.fingerprint), render.plan_kind(plan))
        await cross_reference_followup(self.gh, self.req.owner, self.req.repo, self.req.number, self.me, parent, ref,
                                       {(e.path, e.line) for e in plan.entries})

    def _doc_urls(self, plan: FixPlan) -> dict[str, str]:
        urls: dict[str, str] = {}
        for code in plan.codes:
            rule = get_rule(code)
            url = getattr(rule, "doc_url", "") if rule else ""
            urls[code] = url() if callable(url) else str(url or "")
        return urls

    def _new_record(self, **fields: Any) -> FollowupRecord:
        base = self.record or FollowupRecord(self.req.full_name, self.req.number, self.branch)
        return base.but(mode=self.mode, requested=getattr(self, "requested", base.requested), **fields)

    # ------------------------------------------------------------------ actions: a plan, then the gateway
    def _writes(self, action: Action, plan: FixPlan, parent: str) -> SyncPlan:
        """The decision as a pure value (followup/plan.py), from what this sync read."""
        writes_code = action in (Action.CREATE, Action.UPDATE)
        return plan_sync(SyncFacts(
            action, self.branch, plan, self._source(parent), self.ctx.settings.bot_name, self.ref_sha,
            int(self.followup["number"]) if self.followup else None,
            warned_sha=self.record.warned_sha if self.record else None, merged=bool(self.pull.get("merged")),
            alive=self.alive, doc_urls=self._doc_urls(plan) if writes_code else {}, pr_lines=self.pr_lines))

    async def _apply(self, writes: SyncPlan, plan: FixPlan) -> FollowupApplied:
        req = self.req
        base_tree, modes = "", {}
        if writes.commits:
            base_tree = (await self.snapshot.commit(writes.parent))["tree"]["sha"]
            modes = gitdata.file_modes(await self.snapshot.tree(base_tree), writes.paths)

        async def committed(sha: str) -> None:
            # Remember the commit at once: if opening the pull request fails, the retry still knows the
            # branch is ours.
            self.record = self._new_record(last_commit=sha, parent=writes.parent, fixes_key=plan.key,
                                           followup_number=writes.followup_number, dismissed_key=None,
                                           warned_sha=None)
            await self.store.put(self.record)

        applied = await self.gateway.apply_followup(
            writes, base_tree=base_tree, modes=modes, on_committed=committed,
            current_ref=lambda: gitdata.ref_sha(self.gh, req.owner, req.repo, self.branch),
            find_open=lambda: gitdata.open_followups(self.gh, req.owner, req.repo, self.branch))
        if not applied.moved:
            raise BranchMoved(f"{self.branch} moved from {self.ref_sha} while this sync worked")
        return applied

    async def _create(self, plan: FixPlan, parent: str) -> SyncOutcome:
        writes = self._writes(Action.CREATE, plan, parent)
        applied = await self._apply(writes, plan)
        number, sha = int(applied.number or 0), str(applied.sha)
        self.record = self._new_record(followup_number=number)
        await self.store.put(self.record)
        if writes.cross_reference:
            await self._cross_reference(plan, parent, number)
        return SyncOutcome("created", f"#{number} at {sha[:7]}", number,
                           self._say(f"Opened #{number} with {len(plan.entries)} automatic fixes."), True)

    async def _update(self, plan: FixPlan, parent: str) -> SyncOutcome:
        writes = self._writes(Action.UPDATE, plan, parent)
        applied = await self._apply(writes, plan)
        number = int(self.followup["number"])
        if writes.cross_reference:
            await self._cross_reference(plan, parent, number)
        return SyncOutcome("updated", f"#{number} moved to {str(applied.sha)[:7]}", number,
                           self._say(f"Updated #{number} ({len(plan.entries)} automatic fixes)."), True)

    async def _keep(self, plan: FixPlan, parent: str) -> SyncOutcome:
        number = int(self.followup["number"])
        if self.record is None or self.record.followup_number != number:
            self.record = self._new_record(last_commit=self.ref_sha, parent=self.record.parent if self.record else None,
                                           fixes_key=plan.key, followup_number=number)
            await self.store.put(self.record)
        return SyncOutcome("kept", f"#{number} is up to date", number, self._say(f"#{number} is up to date."), True)

    async def _close(self, plan: FixPlan, parent: str) -> SyncOutcome:
        req = self.req
        no_fixes = self.alive  # the target still takes changes, so we close because no fix applies
        writes = self._writes(Action.CLOSE, plan, parent)
        applied = await self._apply(writes, plan)
        number = writes.followup_number
        self.record = self._new_record(last_commit=None, parent=None, fixes_key=None, followup_number=None,
                                       dismissed_key=None, warned_sha=None)
        await self.store.put(self.record)
        detail = f"closed #{number}" if number else "no open follow-up"
        reply = (render.nothing_to_fix(req.number, parent or self.pull["head"]["sha"], plan.withheld)
                 + (f" Closed #{number}." if number else "")) if no_fixes else None
        return SyncOutcome("closed", f"{detail}; branch {'deleted' if applied.deleted else 'absent'}", number,
                           self._say(reply) if reply else None)

    async def _leave(self, plan: FixPlan, parent: str) -> SyncOutcome:
        writes = self._writes(Action.LEAVE_TOUCHED, plan, parent)
        await self._apply(writes, plan)
        if writes.comment is not None:
            self.record = self._new_record(warned_sha=self.ref_sha)
            await self.store.put(self.record)
        text = render.touched_comment(self.branch, self.req.number, self.ctx.settings.bot_name)
        return SyncOutcome("left", f"{self.branch} has commits by somebody else", writes.followup_number,
                           self._say(text))

    async def _nothing(self, plan: FixPlan, parent: str) -> SyncOutcome:
        if plan.empty:
            sha = parent or self.pull["head"]["sha"]
            return SyncOutcome("nothing", "no fixes", reply=self._say(render.nothing_to_fix(self.req.number, sha, plan.withheld)))
        return SyncOutcome("nothing", "dismissed: a person closed the follow-up for these fixes", has_fixes=True)
