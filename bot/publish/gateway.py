"""The GitHub gateway: the only code of the App that writes to GitHub.

Reads happen elsewhere (the snapshot, the stores); every POST, PATCH, PUT, DELETE and GraphQL mutation
is a method here, and a review job's writes are one `ReviewPlan` applied by `apply`. Each write is
keyed so that a retried job, a re-delivered event or a job re-run on another process after a crash
finds what an earlier attempt wrote instead of writing it twice:

- check runs: `external_id` = pull request and head (`plan.check_run_external_id`); a run left
  unfinished by a dead attempt is reused and completed;
- inline and summary comments: hidden markers, read back by the next plan (`markers.py`);
- thread resolution: idempotent on GitHub, and only unresolved threads are selected;
- refs: compare-and-swap on the sha the caller read (`move_ref`), creation fails on an existing ref;
- follow-up pull requests: one per branch; a 422 "already exists" returns the open one.

A creating POST that fails transiently (5xx, lost answer) may have been carried out by GitHub all the
same: the client does not retry it (bot/github.py `LOOKED_UP_WRITES`); `_create_once` looks the resource
up by its identity (the exact body with its hidden marker, the check run's `external_id`, the branch of
a pull request, the sha of a ref) and retries only when it is not there.

Other transient failures (5xx, timeouts, rate limits) are retried by the client (bot/github.py) and then
fail the job, which the queue retries whole; a permanent refusal (4xx) of one publishing step is noted
and the rest of the plan is still written (issue 17, point 3).
"""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import gidgethub

from ..errors import http_status, is_permanent
from ..github import TRANSIENT_ERRORS, RetryPolicy
from ..github_api import GitHubAPI
from ..pulls.selection import InlinePlacement
from .identity import BotIdentity
from .plan import ReviewPlan, ReviewPost, check_run_external_id
from .render import CHECK_NAME
from .threads import RESOLVE_THREAD_MUTATION, REVIEW_THREADS_QUERY, threads_page, threads_to_resolve

if TYPE_CHECKING:
    from ..followup.plan import SyncPlan

log = logging.getLogger(__name__)
T = TypeVar("T")

R = "/repos/{owner}/{repo}"
# "The Checks API limits the number of annotations to a maximum of 50 per API request. To create
# more than 50 annotations, you have to make multiple requests to the Update a check run endpoint."
# https://docs.github.com/en/rest/checks/runs#update-a-check-run
ANNOTATIONS_PER_REQUEST = 50


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class FollowupApplied:
    """What `Gateway.apply_followup` did."""

    moved: bool = True  # False: the branch was no longer where the plan read it; nothing else was written
    sha: str | None = None  # the new branch head, when the plan committed
    number: int | None = None  # the follow-up pull request acted on or opened
    deleted: bool = False  # the branch was deleted (False: it was already gone, or the plan kept it)


@dataclass
class Applied:
    """What `Gateway.apply` did: refused inline comments and steps (permanent 4xx answers)."""

    posted: int = 0
    refused: list[InlinePlacement] = field(default_factory=list)  # 422: their lines are not in the diff
    unposted: list[InlinePlacement] = field(default_factory=list)  # the whole review was refused
    edited: int = 0
    resolved_threads: int = 0
    refusals: list[BaseException] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Gateway:
    """Writes to one repository through `gh` (an installation client)."""

    def __init__(self, gh: GitHubAPI, owner: str, repo: str) -> None:
        self.gh, self.owner, self.repo = gh, owner, repo
        self._vars = {"owner": owner, "repo": repo}

    # ------------------------------------------------------------------ a review plan
    async def apply(self, plan: ReviewPlan, me: BotIdentity) -> tuple[Applied, ReviewPlan]:
        """Write `plan` in order: review, comment edits, threads, summary, and the check run LAST (a
        completed run means everything else is published). Returns what happened and the plan as
        finally written (refused comments moved to the summary)."""
        done = Applied()
        if plan.review is not None:
            refused = await self._unless_refused(self.post_review(plan.number, plan.review),
                                                 "the review comments", done)
            if refused is None:
                done.unposted = list(plan.review.placements)
            else:
                done.refused = refused
            done.posted = len(plan.review.placements) - len(done.refused) - len(done.unposted)
        for edit in plan.edits:
            what = {"ignored": "marking comments of ignored rules",
                    "follow-up": "noting the follow-up on earlier comments",
                    "resolved": "marking outdated comments resolved"}[edit.why]
            if await self._unless_refused(self.edit_review_comment(edit.comment_id, edit.body), what, done) is not None:
                done.edited += 1
        if plan.resolve_threads:
            done.resolved_threads = await self._unless_refused(
                self.resolve_threads(plan.number, plan.resolve_threads, me), "resolving outdated threads", done) or 0
        final = plan.after_refusals(done.refused, done.notes, done.unposted)
        summary = Applied()  # a refused summary is kept as a refusal; its note would have nowhere to go
        await self._unless_refused(self.write_summary(plan.number, final.summary_body, plan.previous_summary),
                                   "the summary comment", summary)
        done.refusals += summary.refusals
        await self.complete_check_run(plan.check_run_id, final.report.conclusion, final.check_output,
                                      plan.annotations)
        return done, final

    async def _unless_refused(self, step: Awaitable[T], what: str, done: Applied) -> T | None:
        """Await one step; a permanent refusal is noted and kept instead of raised (a transient failure
        still raises: the job is retried whole and the next plan skips what this attempt wrote)."""
        try:
            return await step
        except Exception as exc:
            if not is_permanent(exc):
                raise
            log.warning("GitHub refused %s (%s); the review goes on without it", what, exc)
            done.notes.append(f"GitHub refused {what} ({exc}).")
            done.refusals.append(exc)
            return None

    async def _create_once(self, what: str, write: Callable[[], Awaitable[T]],
                           find: Callable[[], Awaitable[T | None]]) -> T:
        """`write()`, and after a transient failure `find()` what it may have created before writing
        again (with the client's backoff): the resource exists once however often its answer is lost."""
        policy: RetryPolicy = getattr(self.gh, "retry", None) or RetryPolicy()
        attempt = 0
        while True:
            attempt += 1
            try:
                return await write()
            except Exception as exc:
                if not _maybe_carried_out(exc) or attempt > policy.max_retries:
                    raise
                log.warning("%s/%s: %s failed (%r); looking it up before writing again", self.owner, self.repo,
                            what, exc)
            found = await find()
            if found is not None:
                log.info("%s/%s: %s was written after all; not written twice", self.owner, self.repo, what)
                return found
            await asyncio.sleep(policy.backoff(attempt))

    # ------------------------------------------------------------------ check runs
    async def open_check_run(self, number: int, head_sha: str, runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The run this job completes: one an earlier attempt left unfinished on this head (its process
        was killed), else a new `in_progress` run keyed by pull request and head.

        GitHub appends the annotations of every update to those a run already holds, so a left run that
        already got some (the attempt died between batches) is completed as cancelled and a new run
        opened: reusing it would show those annotations twice."""
        left = left_running(runs, number)
        if left is not None and not int((left.get("output") or {}).get("annotations_count") or 0):
            log.info("%s/%s#%d: reusing check run %s left %s by an earlier attempt", self.owner, self.repo, number,
                     left["id"], left.get("status"))
            return dict(left)
        if left is not None:
            await self.complete_check_run(int(left["id"]), "cancelled", {
                "title": "Superseded", "summary": "An earlier attempt stopped while publishing this review; "
                                                  "the review is in a newer run."})
        key = check_run_external_id(number, head_sha)
        known = {int(r["id"]) for r in runs}

        async def find() -> dict[str, Any] | None:
            data = await self.gh.getitem(R + "/commits/{ref}/check-runs{?check_name,per_page}", url_vars={
                **self._vars, "ref": head_sha, "check_name": CHECK_NAME, "per_page": "100"})
            mine = [r for r in data.get("check_runs", []) if r.get("external_id") == key and int(r["id"]) not in known]
            return dict(max(mine, key=lambda r: int(r["id"]))) if mine else None

        return await self._create_once(f"check run {key}", lambda: self.gh.post(R + "/check-runs", url_vars=self._vars, data={
            "name": CHECK_NAME, "head_sha": head_sha, "status": "in_progress", "started_at": _now(),
            "external_id": key, "output": {"title": "Analyzing", "summary": "Analysis in progress."}}), find)

    async def complete_check_run(self, run_id: int, conclusion: str, output: Mapping[str, str],
                                 annotations: Sequence[Mapping[str, Any]] = ()) -> None:
        """Send annotations 50 at a time while in progress, then complete with the last batch, so a
        reader who sees `completed` also sees every annotation."""
        batches = [list(annotations[i:i + ANNOTATIONS_PER_REQUEST])
                   for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)] or [[]]
        url_vars = {**self._vars, "check_run_id": str(run_id)}
        for batch in batches[:-1]:
            await self.gh.patch(R + "/check-runs/{check_run_id}", url_vars=url_vars,
                                data={"output": {**output, "annotations": batch}})
        final_output: dict[str, Any] = dict(output)
        if batches[-1]:
            final_output["annotations"] = batches[-1]
        await self.gh.patch(R + "/check-runs/{check_run_id}", url_vars=url_vars,
                            data={"status": "completed", "conclusion": conclusion, "completed_at": _now(),
                                  "output": final_output})

    async def set_check_run_actions(self, run_id: int, actions: Sequence[Mapping[str, str]]) -> None:
        """Set the run's buttons (a PATCH with only `actions` leaves its output alone)."""
        await self.gh.patch(R + "/check-runs/{check_run_id}", url_vars={**self._vars, "check_run_id": str(run_id)},
                            data={"actions": [dict(a) for a in actions]})

    # ------------------------------------------------------------------ comments
    async def post_review(self, number: int, review: ReviewPost) -> list[InlinePlacement]:
        """POST one review with event COMMENT; returns the placements GitHub refused.

        GitHub answers 422 ("Line could not be resolved") for the whole review when one comment's line
        is not in the diff it has, without saying which; then each comment is posted on its own and the
        refused ones are returned, for the summary to list (issue 17, point 3).
        https://docs.github.com/en/rest/pulls/reviews#create-a-review-for-a-pull-request
        """
        every = list(range(len(review.placements)))
        try:
            await self._post_review(number, review.request(every))
            return []
        except gidgethub.HTTPException as exc:
            if http_status(exc) != 422:
                raise
            if len(every) == 1:
                return list(review.placements)
        refused = []
        for i in every:
            try:
                await self._post_review(number, review.request([i]))
            except gidgethub.HTTPException as exc:
                if http_status(exc) != 422:
                    raise
                refused.append(review.placements[i])
        return refused

    async def _post_review(self, number: int, data: Mapping[str, Any]) -> None:
        url_vars = {**self._vars, "pull_number": str(number)}

        async def find() -> dict[str, Any] | None:
            # Each inline comment carries its finding's fingerprint marker, and a plan only posts
            # fingerprints not yet on the pull request: one of them there means the review went in.
            bodies = {c["body"] for c in data.get("comments", ())}
            async for comment in self.gh.getiter(R + "/pulls/{pull_number}/comments{?per_page}",
                                                 url_vars={**url_vars, "per_page": "100"}):
                if comment.get("body") in bodies:
                    return {"id": comment.get("pull_request_review_id")}
            return None

        await self._create_once(f"review on #{number}", lambda: self.gh.post(
            R + "/pulls/{pull_number}/reviews", url_vars=url_vars, data=dict(data)), find)

    async def edit_review_comment(self, comment_id: int, body: str) -> int:
        await self.gh.patch(R + "/pulls/comments/{comment_id}", url_vars={**self._vars, "comment_id": str(comment_id)},
                            data={"body": body})
        return comment_id

    async def write_summary(self, number: int, body: str, existing: Mapping[str, Any] | None) -> tuple[int, str]:
        """Edit `existing` (our summary comment as read) or create it when None."""
        if existing is None:
            created = await self.create_issue_comment(number, body)
            return int(created["id"]), "created"
        if existing.get("body") == body:
            return int(existing["id"]), "unchanged"
        await self.gh.patch(R + "/issues/comments/{comment_id}",
                            url_vars={**self._vars, "comment_id": str(existing["id"])}, data={"body": body})
        return int(existing["id"]), "edited"

    async def create_issue_comment(self, number: int, body: str) -> dict[str, Any]:
        """Comment on the pull request. The body is its identity: the bot's bodies carry hidden markers
        (the summary's, a command reply's `reply-to`), so an equal body is this comment."""
        url_vars = {**self._vars, "issue_number": str(number)}

        async def find() -> dict[str, Any] | None:
            found = None
            async for comment in self.gh.getiter(R + "/issues/{issue_number}/comments{?per_page}",
                                                 url_vars={**url_vars, "per_page": "100"}):
                if comment.get("body") == body:
                    found = dict(comment)  # the newest one: listed oldest first
            return found

        return await self._create_once(f"comment on #{number}", lambda: self.gh.post(
            R + "/issues/{issue_number}/comments", url_vars=url_vars, data={"body": body}), find)

    async def react(self, comment_id: int, content: str) -> None:
        await self.gh.post(R + "/issues/comments/{comment_id}/reactions",
                           url_vars={**self._vars, "comment_id": str(comment_id)}, data={"content": content})

    async def resolve_threads(self, number: int, root_ids: Sequence[int], me: BotIdentity) -> int:
        """Resolve the unresolved threads opened by `root_ids` in which nobody but the bot wrote."""
        threads: list[Mapping[str, Any]] = []
        cursor: str | None = None
        while True:
            data = await self.gh.graphql(REVIEW_THREADS_QUERY, owner=self.owner, name=self.repo, number=number, after=cursor)
            page, cursor = threads_page(data)
            threads += page
            if cursor is None:
                break
        ids = threads_to_resolve(threads, root_ids, lambda login: login in (me.slug, me.login))
        for thread_id in ids:
            await self.gh.graphql(RESOLVE_THREAD_MUTATION, threadId=thread_id)
        return len(ids)

    # ------------------------------------------------------------------ git data and follow-up pull requests
    async def apply_followup(self, plan: SyncPlan, *, base_tree: str, modes: Mapping[str, str],
                             current_ref: Callable[[], Awaitable[str | None]],
                             find_open: Callable[[], Awaitable[list[dict[str, Any]]]],
                             on_committed: Callable[[str], Awaitable[None]]) -> FollowupApplied:
        """Write a follow-up sync's plan (bot/followup/plan.py) in order: the commits and the branch move
        (compare-and-swap; `on_committed` records the new head before anything else, so a retry knows
        the branch is ours), the pull request opened or edited, the comment, closing, the branch deleted."""
        sha = None
        if plan.commits:
            sha = await self.create_fix_commits(plan.parent, base_tree, modes, plan.commits)
            if not await self.move_ref(plan.branch, sha, expected=plan.expected_ref, current=current_ref):
                return FollowupApplied(moved=False)
            await on_committed(sha)
        number = plan.followup_number
        if plan.open_pull is not None:
            created = await self.create_pull(head=plan.branch, base=plan.base_ref, title=plan.open_pull.title,
                                             body=plan.open_pull.body, find_open=find_open)
            number = int(created["number"])
        if number is not None:
            if plan.edit_pull is not None:
                await self.update_pull(number, title=plan.edit_pull.title, body=plan.edit_pull.body)
            if plan.comment is not None:
                await self.create_issue_comment(number, plan.comment)
            if plan.close_pull:
                await self.update_pull(number, state="closed")
        deleted = await self.delete_ref(plan.branch) if plan.delete_branch else False
        return FollowupApplied(True, sha, number, deleted)

    async def create_fix_commits(self, parent_sha: str, base_tree: str, modes: Mapping[str, str],
                                 steps: Sequence[tuple[Mapping[str, bytes], str]]) -> str:
        """A chain of commits on `parent_sha`, one per (changed files, message) step (one per kind of
        fix, so a maintainer can revert one kind), each tree the previous one with that step's files
        replaced (`modes`: each changed path's git mode, `followup.gitdata.file_modes`); returns the
        last commit's sha. Written without `author`/`committer`, so GitHub records the App's bot user as
        both. Git objects are content-addressed: writing the same blob, tree or commit twice is harmless."""
        sha = parent_sha
        for changed, message in steps:
            entries = []
            for path, data in sorted(changed.items()):
                blob = await self.gh.post(R + "/git/blobs", url_vars=self._vars,
                                          data={"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"})
                entries.append({"path": path, "mode": modes[path], "type": "blob", "sha": blob["sha"]})
            tree = await self.gh.post(R + "/git/trees", url_vars=self._vars, data={"base_tree": base_tree, "tree": entries})
            commit = await self.gh.post(R + "/git/commits", url_vars=self._vars,
                                        data={"message": message, "tree": tree["sha"], "parents": [sha]})
            base_tree, sha = str(tree["sha"]), str(commit["sha"])
        return sha

    async def move_ref(self, branch: str, sha: str, *, expected: str | None,
                       current: Callable[[], Awaitable[str | None]]) -> bool:
        """Point `branch` at `sha` only if it still points at `expected` (None: does not exist yet);
        False when it moved meanwhile (compare-and-swap: an older sync never overwrites a newer one).

        The REST API has no conditional ref update, so `current()` is a fresh read right before the
        write; the per-PR lock (bot/locks.py) keeps this App's other workers out of that short window.
        The move is forced: the new commit sits on a newer head, not a fast-forward of the old one.
        """
        if expected is None:
            async def find() -> bool | None:
                return True if await current() == sha else None

            async def create() -> bool:
                await self.gh.post(R + "/git/refs", url_vars=self._vars, data={"ref": f"refs/heads/{branch}", "sha": sha})
                return True

            try:
                return await self._create_once(f"branch {branch}", create, find)
            except gidgethub.HTTPException as exc:
                if http_status(exc) == 422:  # "Reference already exists": created since we looked
                    return False
                raise
        if await current() != expected:
            return False
        await self.gh.patch(R + "/git/refs/{+ref}", url_vars={**self._vars, "ref": f"heads/{branch}"},
                            data={"sha": sha, "force": True})
        return True

    async def delete_ref(self, branch: str) -> bool:
        """Delete the branch; False when it was already gone (422/404)."""
        try:
            await self.gh.delete(R + "/git/refs/{+ref}", url_vars={**self._vars, "ref": f"heads/{branch}"})
        except gidgethub.HTTPException as exc:
            if http_status(exc) in (404, 422):
                return False
            raise
        return True

    async def create_pull(self, *, head: str, base: str, title: str, body: str,
                          find_open: Callable[[], Awaitable[list[dict[str, Any]]]]) -> dict[str, Any]:
        """Open the pull request of branch `head`, or return the one already open for it (a retried
        attempt, or another worker, opened it: 422 "A pull request already exists")."""
        async def find() -> dict[str, Any] | None:
            existing = await find_open()
            return existing[0] if existing else None

        try:
            return await self._create_once(f"pull request for {head}", lambda: self.gh.post(
                R + "/pulls", url_vars=self._vars, data={"title": title, "head": head, "base": base, "body": body}),
                find)
        except gidgethub.HTTPException as exc:
            if http_status(exc) != 422:
                raise
            existing = await find_open()
            if not existing:
                raise
            log.info("%s/%s: pull request for %s already open (#%s); not opened twice", self.owner, self.repo,
                     head, existing[0]["number"])
            return existing[0]

    async def update_pull(self, number: int, **fields: Any) -> None:
        await self.gh.patch(R + "/pulls/{pull_number}", url_vars={**self._vars, "pull_number": str(number)},
                            data=fields)


def _maybe_carried_out(exc: BaseException) -> bool:
    """A failure after which GitHub may have done the write: a 5xx, or an answer that never came."""
    status = http_status(exc)
    return (status is not None and status >= 500) or isinstance(exc, TRANSIENT_ERRORS)


def left_running(runs: Sequence[Mapping[str, Any]], number: int) -> Mapping[str, Any] | None:
    """A run of this pull request that an attempt left unfinished (the process was killed, or the
    machine lost): it is reused and completed rather than left `in_progress` forever beside a new one.
    Jobs of one pull request never run at once (the per-PR lock), so nobody else is writing to it."""
    for run in sorted(runs, key=lambda r: -int(r["id"])):
        if run.get("status") != "completed" and str(run.get("external_id") or "").startswith(f"{number}:"):
            return run
    return None
