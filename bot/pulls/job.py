"""One review of one pull-request head: read, analyze off the event loop, publish.

Publishing order matters: review comments, resolved marks and the summary comment go first and the
check run is completed LAST, so a completed `hybridize` check run on a head means everything was
published (automatic triggers skip such heads; a job that failed half-way is retried whole).
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis_api import (DeferringCache, Finding, analyze_sources, hold_writes, release_writes, shares_by_size,
                            suggestions_for)
from ..commands.ignores import ignored_rules  # issue 6: rules ignored by comment command
from ..context import AnalysisTimeout
from ..errors import is_permanent
from ..github_api import GitHubAPI
from ..publish import render, review, summary
from ..publish.gateway import Gateway, left_running
from ..publish.identity import BotIdentity, bot_identity
from ..publish.markers import parse_review_state
from . import reads
from .diff import reviewed_paths
from .pull_snapshot import PullSnapshot
from .review_analysis import ReviewAnalysis, analysis_key
from .review_plan import ReviewInputs, ReviewOptions, build_review_plan, rechecked_paths
from .selection import classify, plan_inline, read_review_comments

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PullTarget:
    owner: str
    repo: str
    number: int
    head_sha: str
    # pull_request opened/synchronize/reopened/ready_for_review and check_suite requested are
    # automatic; check_suite/check_run rerequested are a person asking for a new run.
    automatic: bool = True

    @property
    def lock_key(self) -> tuple[str, str, str, int]:
        return ("pull", self.owner.lower(), self.repo.lower(), self.number)

    def __str__(self) -> str:
        return f"{self.owner}/{self.repo}#{self.number}@{self.head_sha[:7]}"


def _analyze(sources: dict[str, bytes], config: Any, cache_dir: str, changed: list[str], after: str | None = None,
             *, jobs: int = 1) -> Any:
    """Top-level (picklable) entry run in a worker process: the same scoped analysis as `check --diff`
    (analysis/pipeline/scope.py): the changed files are checked, with what their facts need loaded.
    `jobs`: the pool's slots this call holds; a large cold run spreads over that many processes.

    The review needs only the findings: a cold run's project snapshot and cache files (a quarter of
    its time) are written by a thread of this worker (analysis/pipeline/deferred.py), which starts once
    `after` is released: once the check run is completed. A run that reads the snapshot
    meanwhile (the follow-up's fix plan, the next push) waits for that writer; a writer killed half
    way only leaves the next run cold."""
    cache = DeferringCache(cache_dir, after)
    result = analyze_sources(sources, config, cache=cache, changed=changed, jobs=jobs)
    cache.flush_in_background()
    return result


async def review_pull_request(gh: GitHubAPI, ctx: Any, target: PullTarget) -> str:
    """Serialized per PR; returns what happened (for logs and tests)."""
    async with ctx.locks(target.lock_key):
        outcome = await _review_locked(gh, ctx, target)
    log.info("%s: %s (delivery %s)", target, outcome, ctx.delivery_id)
    return outcome


async def _review_locked(gh: GitHubAPI, ctx: Any, target: PullTarget) -> str:
    snapshot = ctx.pull_snapshot(gh, target.owner, target.repo, target.number)
    pull = await snapshot.prefetch()
    if pull.get("state") != "open":
        return "skipped: pull request is not open"
    if pull["head"]["sha"] != target.head_sha:
        # A newer push has its own job; publishing for the old head would only be overwritten. A run
        # an earlier attempt left on this head (its process was killed) is closed, not left spinning.
        await _close_left_running(gh, ctx, target, f"superseded by {pull['head']['sha'][:7]}")
        return f"dropped: head moved to {pull['head']['sha'][:7]}"
    base = await snapshot.config(pull["base"]["sha"])
    if target.automatic:
        if pull.get("draft") and base.options.skip_drafts:
            return "skipped: draft (runs on ready_for_review)"
        if (pull.get("user") or {}).get("type") == "Bot" and base.options.skip_bots:
            return "skipped: opened by a bot account"
    runs = await _own_runs(gh, target, ctx)
    if target.automatic and _already_reviewed(runs):
        return "skipped: head already reviewed"
    gateway = Gateway(gh, target.owner, target.repo)
    run = await gateway.open_check_run(target.number, target.head_sha, runs)
    snapshot.check_run = run
    # The analysis' cache writes wait until the check run is completed (or the review stopped): until
    # then they would take CPU from it (`_analyze`).
    held = hold_writes(str(Path(ctx.settings.analysis_cache_dir) / "holds"))
    try:
        outcome, refusals = await _review_with_run(gh, ctx, target, snapshot, base, run, gateway,
                                                   held[0] if held else None)
    except Exception as exc:
        # Leave no run spinning forever; "cancelled" runs do not count as reviewed, so the queue's
        # retry of this job starts a fresh one.
        try:
            await gateway.complete_check_run(run["id"], "cancelled", {
                "title": "Internal error",
                "summary": f"The review stopped with an internal error ({type(exc).__name__}: {exc}); "
                           + ("GitHub refused a request, so it is not retried." if is_permanent(exc)
                              else "it will be retried."),
            })
        except Exception:  # the original error is the one worth raising
            log.exception("%s: could not cancel check run %s", target, run.get("id"))
        raise
    finally:
        release_cache_writes(held)
    if refusals:
        raise refusals[0]  # the run is complete; the job becomes a dead letter, not a retry
    return outcome


async def _own_runs(gh: GitHubAPI, target: PullTarget, ctx: Any) -> list[dict[str, Any]]:
    """This App's latest `hybridize` runs on the head (one GET serves both checks below)."""
    data = await gh.getitem("/repos/{owner}/{repo}/commits/{ref}/check-runs{?check_name,app_id,per_page}",
                            url_vars={"owner": target.owner, "repo": target.repo, "ref": target.head_sha,
                                      "check_name": render.CHECK_NAME, "app_id": str(ctx.settings.app_id),
                                      "per_page": "100"})
    return [r for r in data.get("check_runs", [])
            if str((r.get("app") or {}).get("id", ctx.settings.app_id)) == str(ctx.settings.app_id)]


def _already_reviewed(runs: list[dict[str, Any]]) -> bool:
    """A completed, non-cancelled run on this head (pull_request and check_suite both fire on a push;
    one review is enough)."""
    return any(r.get("status") == "completed" and r.get("conclusion") != "cancelled" for r in runs)


async def _close_left_running(gh: GitHubAPI, ctx: Any, target: PullTarget, why: str) -> None:
    run = left_running(await _own_runs(gh, target, ctx), target.number)
    if run is not None:
        await Gateway(gh, target.owner, target.repo).complete_check_run(run["id"], "skipped", {
            "title": "Superseded", "summary": f"Not reviewed: this commit was {why} before the review finished."})


def release_cache_writes(held: tuple[str, int] | None) -> None:
    """The review's check run is completed (or the review stopped): its analysis' writer may start."""
    release_writes(held)


async def _review_with_run(gh: GitHubAPI, ctx: Any, target: PullTarget, snapshot: PullSnapshot,
                           base: reads.BaseConfig, run: dict[str, Any],
                           gateway: Gateway, writes_after: str | None) -> tuple[str, list[BaseException]]:
    owner, repo = target.owner, target.repo
    changed = await snapshot.changed()
    snap = await snapshot.files(target.head_sha)
    pull = await snapshot.pull()
    partial = changed.partial + snap.partial
    notes = changed.notes + snap.notes
    reviewed = [p for p in reviewed_paths(changed.diffs) if p in snap.sources]
    # What publishing reads and the findings do not change is read while the analysis runs (the event
    # loop has nothing else to do for this job meanwhile), instead of one request after another once
    # it is done: on the way to the completed check run.
    inputs = asyncio.ensure_future(_publishing_inputs(gh, ctx, target))
    try:
        result = await ctx.run_in_process(_analyze, snap.sources, base.config, str(ctx.settings.analysis_cache_dir),
                                          reviewed, writes_after, timeout=ctx.analysis_timeout_s, wide=True)
    except AnalysisTimeout:
        await _discard(inputs)
        report = render.Report(target.head_sha, "timed_out", partial=partial, config_problems=base.problems,
                               files_analyzed=0, check_run_url=run.get("html_url"))
        output = render.check_output(report)
        output["summary"] = (
            f"The analysis of {len(snap.sources):,} files did not finish within {ctx.analysis_timeout_s:g} s "
            "and was stopped; nothing was reported for this commit.\n\n" + output["summary"])[:render.CHECK_OUTPUT_LIMIT]
        await gateway.complete_check_run(run["id"], "timed_out", output)
        return "timed out", []
    except BaseException:
        await _discard(inputs)
        raise
    ignored_by, me, comments, previous = await inputs
    notes += [f"{n.path}: {n.message}" for n in result.notes]
    hidden = [f for f in result.findings if f.code in ignored_by]
    findings = [f for f in result.findings if f.code not in ignored_by]

    classified = classify(findings, changed.diffs)
    existing = read_review_comments(comments, me.authored)
    followup = await _followup_ref(ctx, owner, repo, target.number, classified.new + classified.preexisting)
    suggestions = await _suggestions(ctx, classified.new, changed.diffs, existing.active_fingerprints,
                                     base.options.max_inline_comments, snap.sources, notes)
    plan = build_review_plan(ReviewInputs(
        owner=owner, repo=repo, number=target.number, head_sha=target.head_sha, check_run=run, findings=findings,
        hidden=hidden, ignored_by=ignored_by, diffs=changed.diffs, existing=existing, previous_summary=previous,
        previous_state=parse_review_state((previous or {}).get("body")), followup=followup, suggestions=suggestions,
        options=ReviewOptions(base.options.max_inline_comments, base.options.strict, base.options.conclusion_for,
                              ctx.settings.bot_name),
        rechecked=rechecked_paths(reviewed, base.config.is_excluded, result.findings, (n.path for n in result.notes)),
        partial=partial, config_problems=base.problems, notes=notes,
        files_analyzed=result.files_analyzed,
        files_reviewed=sum(not base.config.is_excluded(p) for p in reviewed),
        repo_url=((pull.get("base") or {}).get("repo") or {}).get("html_url", "")))
    done, final = await gateway.apply(plan, me)
    # The check run is completed: the follow-up of this job may start from this analysis instead of
    # running it again (review_analysis.py). Hashed off the event loop (hashlib releases the GIL).
    snapshot.review_analysis = ReviewAnalysis(
        await asyncio.to_thread(analysis_key, snap.sources, base.config, reviewed), result)
    report = final.report
    return (f"{report.conclusion}: {len(report.new)} new, {len(report.preexisting)} pre-existing, "
            f"{done.posted} inline, {len(plan.resolve_threads)} resolved ({done.resolved_threads} threads); "
            f"{snap.downloaded} blobs downloaded, {snap.from_cache} cached"), done.refusals


async def _publishing_inputs(gh: GitHubAPI, ctx: Any, target: PullTarget) -> tuple[
        dict[str, str], BotIdentity, list[dict[str, Any]], dict[str, Any] | None]:
    """What the review plan needs besides the findings: the rules ignored by comment command (issue 6),
    the App's identity, the pull request's review comments and this App's summary comment."""
    owner, repo, number = target.owner, target.repo, target.number
    me = await bot_identity(ctx.app_client, str(ctx.settings.app_id), ctx.settings.bot_name)
    ignored_by, comments, previous = await asyncio.gather(
        ignored_rules(ctx, owner, repo, number), review.list_review_comments(gh, owner, repo, number),
        summary.find_summary_comment(gh, owner, repo, number, me))
    return ignored_by, me, comments, previous


async def _discard(task: asyncio.Future[Any]) -> None:
    """Cancel `task` and wait for it to end, whatever it raises (the caller has its own error to report)."""
    task.cancel()
    try:
        await task
    except BaseException:  # noqa: BLE001 (its cancellation or its own failure: neither matters now)
        pass


async def _suggestions(ctx: Any, new: list[Finding], diffs: dict, existing: set[str], max_comments: int,
                       sources: dict[str, bytes], notes: list[str]) -> dict[str, Any]:
    """Suggestions for the findings that will get an inline comment, computed in a worker process.

    A suggestion is a libcst codemod run (tens of milliseconds per file), too slow for the event
    loop that also answers webhooks. Which findings go inline does not depend on suggestions (a
    placement with a suggestion falls back to the same lines without one), so plan once without,
    then fetch suggestions only for those comments.
    """
    candidates = [p.finding for p in plan_inline(new, diffs, existing, max_comments).to_post
                  if p.finding.fix is not None and p.finding.path in sources]
    if not candidates:
        return {}
    # One call per idle pool slot, each with whole files (a file's findings share its libcst parse): the
    # parses are most of the time, and the analysis that came before has just given its slots back.
    shares = file_shares(candidates, {f.path: len(sources[f.path]) for f in candidates}, ctx.idle_slots())
    calls = [ctx.run_in_process(_suggest_many, share, {f.path: sources[f.path] for f in share},
                                timeout=ctx.analysis_timeout_s) for share in shares]
    out: dict[str, Any] = {}
    for answer in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(answer, AnalysisTimeout):
            note = "Suggested changes were left out: computing them exceeded the time limit."
            if note not in notes:
                notes.append(note)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            out.update(answer)
    return out


def file_shares(findings: list[Finding], sizes: dict[str, int], slots: int) -> list[list[Finding]]:
    """`findings` split into at most `slots` (at least one) shares of whole files, about equal in bytes
    (`shares_by_size`, as the parallel analysis splits modules); empty shares are left out."""
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(f.path, []).append(f)
    paths = shares_by_size({p: sizes[p] for p in by_file}, max(1, min(slots, len(by_file))))
    return [[f for p in share for f in by_file[p]] for share in paths if share]


async def _followup_ref(ctx: Any, owner: str, repo: str, number: int,
                        in_touched_files: list[Finding]) -> render.FollowupRef | None:
    """The open follow-up pull request and the findings whose fixes it carries: the follow-up applies
    every safe fix (and gated ones once a person asked for them) in the files this pull request changed."""
    record = await ctx.state.followups.get(f"{owner}/{repo}", number)
    if record is None or record.followup_number is None:
        return None
    kinds = {"safe", "gated"} if record.requested == "gated" else {"safe"}
    fixed = frozenset(f.fingerprint for f in in_touched_files if f.fix_safety.value in kinds)
    gated = any(f.fix_safety.value == "gated" for f in in_touched_files if f.fingerprint in fixed)
    return render.FollowupRef(record.followup_number, fixed, "gated" if gated else "safe")


def _suggest_many(findings: list[Finding], sources: dict[str, bytes]) -> dict[str, Any]:
    """Top-level (picklable): fingerprint -> LineReplacement for each finding that has one. One batch, so
    the findings of one file share its libcst parse."""
    def failed(finding: Finding, _exc: Exception) -> None:
        # A fix that cannot be rendered must not cost the whole review.
        log.exception("suggestion_for failed for %s %s:%d", finding.code, finding.path, finding.line)

    replacements = suggestions_for(findings, sources, on_error=failed)
    return {f.fingerprint: r for f, r in zip(findings, replacements) if r is not None}
