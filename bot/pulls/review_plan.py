"""Build the `ReviewPlan` of one review from what the job read and the analysis found (pure; no I/O).

`job.py` does the reads (snapshot, analysis in a worker process, the bot's earlier comments, the
follow-up record, suggestions); everything it then decides to write is computed here, so it is tested
without HTTP (tests/pulls/test_review_plan.py) and applied by `publish.gateway.Gateway`.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..analysis_api import PARSE_FAILURE_CODE, Finding
from ..publish import render
from ..publish.markers import ReviewState
from ..publish.plan import ReviewPlan, comment_edits, review_post
from .diff import FileDiff
from .selection import (ExistingReviewComments, LineReplacement, annotation_level, classify, delta_since,
                        followup_comments, outdated_comments, plan_inline, split_retired, worst_severity)

# Our own ceiling on annotations: every PATCH is a content-creating request (secondary limit of 80 per
# minute, https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api), and
# nobody reads a thousand annotations; the summary counts the rest.
MAX_ANNOTATIONS = 1000


@dataclass(frozen=True)
class ReviewOptions:
    """The base branch's `[tool.hybridize.bot]` options a review plan depends on."""

    max_inline_comments: int
    strict: bool
    conclusion_for: Callable[[str | None], str]
    bot_name: str


@dataclass
class ReviewInputs:
    """Everything a review read: the target, the analysis result, the diff and the bot's own output."""

    owner: str
    repo: str
    number: int
    head_sha: str
    check_run: Mapping[str, Any]
    findings: Sequence[Finding]  # reported findings (ignored rules already taken out)
    hidden: Sequence[Finding]  # findings of rules a person ignored
    ignored_by: Mapping[str, str]  # rule code -> login that ignored it
    diffs: Mapping[str, FileDiff]
    existing: ExistingReviewComments
    previous_summary: Mapping[str, Any] | None
    previous_state: ReviewState | None
    followup: render.FollowupRef | None
    suggestions: Mapping[str, LineReplacement]  # fingerprint -> suggestion
    options: ReviewOptions
    # The files this push analysed and checked (changed, not excluded, parsed): only there can a finding
    # be gone. The bot's comments on other files are left alone and not counted fixed.
    rechecked: Collection[str]
    rule_of: Callable[[Any], render.RuleInfo] = render.rule_info
    partial: Sequence[str] = ()
    config_problems: Sequence[str] = ()
    notes: Sequence[str] = ()
    files_analyzed: int = 0
    files_reviewed: int = 0
    repo_url: str = ""


def rechecked_paths(reviewed: Iterable[str], is_excluded: Callable[[str], bool], findings: Iterable[Finding],
                    skipped: Iterable[str]) -> frozenset[str]:
    """The reviewed files whose findings this push really looked for: not excluded by the configuration,
    not `skipped` by the analysis (over max-file-size) and analysed (a file reported as HYB000, e.g. a
    syntax error, has no other findings, though they may well still be there)."""
    failed = {f.path for f in findings if f.code == PARSE_FAILURE_CODE}
    unseen = failed | set(skipped)
    return frozenset(p for p in reviewed if p not in unseen and not is_excluded(p))


def build_review_plan(i: ReviewInputs) -> ReviewPlan:
    """What this review writes: new inline comments, edits of earlier ones, threads to resolve, the
    summary comment and the completed check run with its annotations."""
    classified = classify(i.findings, i.diffs)
    inline = plan_inline(classified.new, i.diffs, i.existing.active_fingerprints, i.options.max_inline_comments,
                         lambda f: i.suggestions.get(f.fingerprint))
    current = {f.fingerprint for f in i.findings}
    # A finding of an ignored rule is still in the code: its comment says "ignored by", not "resolved".
    ignored, gone = split_retired(outdated_comments(i.existing, current, i.rechecked), i.hidden, i.ignored_by)
    noted = followup_comments(i.existing, i.followup.fingerprints) if i.followup is not None else []
    edits = comment_edits(ignored=ignored, noted=noted, followup_number=i.followup.number if i.followup else None,
                          resolved=gone, head_sha=i.head_sha, bot_name=i.options.bot_name)
    notes = list(i.notes)
    annotated = classified.new + classified.preexisting
    if len(annotated) > MAX_ANNOTATIONS:
        notes.append(f"Only the first {MAX_ANNOTATIONS:,} of {len(annotated):,} findings are annotated.")
    gate = classified.new + (classified.preexisting if i.options.strict else [])
    one_click = {p.finding.fingerprint for p in inline.to_post if p.suggestion is not None}
    one_click |= {fp for fp, c in i.existing.own.items() if render.has_suggestion(c.body)}
    report = render.Report(
        head_sha=i.head_sha, conclusion=i.options.conclusion_for(worst_severity(gate)), new=classified.new,
        preexisting=classified.preexisting,
        inline_posted=len(inline.to_post), already_commented=len(inline.already_commented),
        not_inline=inline.not_inline, partial=i.partial, config_problems=i.config_problems, notes=notes,
        files_analyzed=i.files_analyzed, files_reviewed=i.files_reviewed, check_run_url=i.check_run.get("html_url"), repo_url=i.repo_url,
        delta=delta_since(i.previous_state, i.head_sha, classified.new, list(i.findings) + list(i.hidden),
                          i.ignored_by, rechecked=i.rechecked, known_paths=i.existing.paths),
        followup=i.followup, one_click=frozenset(one_click),
        ignored=[render.IgnoredRule(code, by, sum(f.code == code for f in i.hidden)) for code, by in i.ignored_by.items()],
        strict=i.options.strict, bot_name=i.options.bot_name,
    )
    new_fps = {f.fingerprint for f in classified.new}
    annotations = tuple(render.annotation(f, level=annotation_level(f, new=f.fingerprint in new_fps))
                        for f in annotated[:MAX_ANNOTATIONS])
    # Threads a person replied to are already left out of `gone` (outdated_comments).
    return ReviewPlan(
        owner=i.owner, repo=i.repo, number=i.number, head_sha=i.head_sha, check_run_id=int(i.check_run["id"]),
        review=review_post(i.head_sha, inline.to_post, len(inline.not_inline) + len(inline.summary_only), i.rule_of,
                           i.followup),
        edits=edits, resolve_threads=tuple(c.id for c in gone), report=report, previous_summary=i.previous_summary,
        annotations=annotations)
