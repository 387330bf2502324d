"""What one review job will write to GitHub, as a value (pure data; no I/O).

The review reads (the snapshot, the analysis, the bot's earlier comments) and then builds one
`ReviewPlan`: the inline review to post, the edits of its earlier comments, the review threads to
resolve, the summary comment and the completed check run. `gateway.Gateway.apply` writes it; nothing
else writes to GitHub. Building a plan needs no HTTP, so its unit tests need none either (gidgethub's
sans-I/O style: pure core, I/O at the edge).

Every item carries what makes writing it twice harmless, its idempotency key: inline comments and the
summary carry hidden markers (`markers.py`) that the next plan reads back and skips, comment edits are
computed from the body they replace (an edit already made yields no edit), thread resolution is
idempotent on GitHub, and the check run's `external_id` names the pull request and head
(`check_run_external_id`), so a job re-run after a crash reuses the run instead of opening another.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

from ..pulls.selection import InlinePlacement, OwnComment
from . import render
from .render import FollowupRef, Report, RuleInfo


def check_run_external_id(number: int, head_sha: str) -> str:
    """The idempotency key of the `hybridize` run of pull request `number` on `head_sha`."""
    return f"{number}:{head_sha}"


@dataclass(frozen=True)
class ReviewPost:
    """One `POST /pulls/N/reviews` (event COMMENT) with the new inline comments."""

    head_sha: str
    placements: tuple[InlinePlacement, ...]
    comments: tuple[Mapping[str, Any], ...]  # rendered `comments[]` entries, one per placement
    not_inline: int  # findings listed in the summary instead (for the review body)
    followup: FollowupRef | None = None

    def body(self, placements: Sequence[InlinePlacement]) -> str:
        in_followup = sum(1 for p in placements if self.followup is not None
                          and p.finding.fingerprint in self.followup.fingerprints)
        return render.review_body(len(placements), self.head_sha, self.not_inline, followup=self.followup,
                                  in_followup=in_followup)

    def request(self, indexes: Sequence[int]) -> dict[str, Any]:
        """The request body posting the placements at `indexes` (all of them, or one after a 422)."""
        return {"commit_id": self.head_sha, "event": "COMMENT",
                "body": self.body([self.placements[i] for i in indexes]),
                "comments": [dict(self.comments[i]) for i in indexes]}


@dataclass(frozen=True)
class CommentEdit:
    """Replace the body of one of the bot's own review comments."""

    comment_id: int
    body: str
    why: str  # "ignored", "follow-up", "resolved": which step (for notes when GitHub refuses it)


@dataclass(frozen=True)
class ReviewPlan:
    owner: str
    repo: str
    number: int
    head_sha: str
    check_run_id: int
    review: ReviewPost | None
    edits: tuple[CommentEdit, ...]
    # Root comments (database ids) whose review threads are resolved with GraphQL `resolveReviewThread`;
    # never a thread a person replied to (the gateway checks again on the threads it reads).
    resolve_threads: tuple[int, ...]
    report: Report
    previous_summary: Mapping[str, Any] | None  # our summary comment as read, edited in place
    annotations: tuple[Mapping[str, Any], ...]

    @property
    def summary_body(self) -> str:
        return render.summary_comment_body(self.report)

    @property
    def check_output(self) -> dict[str, str]:
        return render.check_output(self.report)

    def after_refusals(self, refused: Sequence[InlinePlacement], notes: Sequence[str],
                       unposted: Sequence[InlinePlacement] = ()) -> ReviewPlan:
        """The plan once GitHub refused some inline comments (`refused`: 422 for their lines), the whole
        review (`unposted`: its step is in `notes`) or other steps (permanent 4xx): those findings move
        to the summary's list, and the notes say what was refused."""
        if not refused and not notes and not unposted:
            return self
        extra = list(notes)
        if refused:
            extra.append(f"GitHub refused {len(refused)} inline comment(s) (line could not be resolved in the "
                         "diff); those findings are listed here instead.")
        missing = list(refused) + list(unposted)
        report = replace(self.report, inline_posted=self.report.inline_posted - len(missing),
                         not_inline=list(self.report.not_inline) + [p.finding for p in missing],
                         notes=list(self.report.notes) + extra)
        return replace(self, report=report)


def review_post(head_sha: str, placements: Sequence[InlinePlacement], not_inline: int,
                rule_of: Callable[[Any], RuleInfo], followup: FollowupRef | None) -> ReviewPost | None:
    """The review to post, or None when there is no new inline comment."""
    if not placements:
        return None
    return ReviewPost(head_sha, tuple(placements), tuple(review_comment(p, rule_of, followup) for p in placements),
                      not_inline, followup)


def review_comment(placement: InlinePlacement, rule_of: Callable[[Any], RuleInfo],
                   followup: FollowupRef | None = None) -> dict[str, Any]:
    """One entry of the review's `comments[]`; lines were validated against the parsed hunks."""
    finding = placement.finding
    suggestion = placement.suggestion.text if placement.suggestion is not None else None
    in_followup = followup.number if followup is not None and finding.fingerprint in followup.fingerprints else None
    comment: dict[str, Any] = {
        "path": finding.path,
        "body": render.inline_comment_body(finding, rule_of(finding), suggestion, followup=in_followup),
        "line": placement.line,
        "side": "RIGHT",
    }
    if placement.start_line is not None and placement.start_line < placement.line:
        comment["start_line"] = placement.start_line
        comment["start_side"] = "RIGHT"
    return comment


def comment_edits(*, ignored: Sequence[tuple[OwnComment, str, str]], noted: Sequence[OwnComment],
                  followup_number: int | None, resolved: Sequence[OwnComment], head_sha: str,
                  bot_name: str) -> tuple[CommentEdit, ...]:
    """Edits of earlier own comments: rule ignored, fix carried by the follow-up, finding gone.

    An edit that would not change the body is left out, so a re-run plans no edit twice."""
    edits = [CommentEdit(c.id, render.ignored_comment_body(c.body, code, by, bot_name), "ignored")
             for c, code, by in ignored]
    if followup_number is not None:
        for c in noted:
            body = render.followup_noted_body(c.body, followup_number)
            if body is not None:
                edits.append(CommentEdit(c.id, body, "follow-up"))
    edits += [CommentEdit(c.id, render.resolved_comment_body(c.body, head_sha), "resolved") for c in resolved]
    return tuple(e for e in edits if e.body != _body_of(e.comment_id, ignored, noted, resolved))


def _body_of(comment_id: int, ignored: Sequence[tuple[OwnComment, str, str]], noted: Sequence[OwnComment],
             resolved: Sequence[OwnComment]) -> str | None:
    for c in [i[0] for i in ignored] + list(noted) + list(resolved):
        if c.id == comment_id:
            return c.body
    return None
