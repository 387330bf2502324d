"""Which findings are new, which go inline, which are already commented, which comments are outdated.

Changed-file analysis (the files the pull request touches are checked, with what their facts need
loaded: analysis/pipeline/scope.py), changed-line reporting: a finding is NEW when its reported range
touches a line the pull request added or changed (reviewdog's default `-filter-mode=added`); other
findings in files the PR touched are PRE-EXISTING (listed in the summary, annotated at most as
`notice`, never commented inline); files the PR does not touch are not reviewed. Only new WARNING and ERROR findings
get an inline comment; new INFO findings are listed in the summary (issue 10's policy: a comment on a
line is a request to change it).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Collection, Iterable, Mapping, Protocol

from hybridize_bot.analysis.model import Finding, Severity

from ..publish.markers import ReviewState, parse_fingerprint_marker, path_key
from .diff import FileDiff


class LineReplacement(Protocol):
    """`analysis.fixes.LineReplacement`: replace whole lines first_line..last_line with `text`."""

    first_line: int
    last_line: int
    text: str


@dataclass(frozen=True)
class Classified:
    new: list[Finding]
    preexisting: list[Finding]
    elsewhere: list[Finding]


@dataclass(frozen=True)
class InlinePlacement:
    """Where one inline comment goes: RIGHT-side `line` (and `start_line` for a multi-line range)."""

    finding: Finding
    line: int
    start_line: int | None = None
    suggestion: LineReplacement | None = None


@dataclass(frozen=True)
class InlinePlan:
    to_post: list[InlinePlacement]
    already_commented: list[Finding]  # an own, unresolved comment with this fingerprint exists
    not_inline: list[Finding]  # over max-inline-comments or not placeable; listed in the summary
    summary_only: list[Finding] = field(default_factory=list)  # below INLINE_MIN_SEVERITY: summary only


# The least severe finding that gets an inline comment (info findings go to the summary only).
INLINE_MIN_SEVERITY = Severity.WARNING


def annotation_level(finding: Finding, *, new: bool) -> str:
    """Check-run annotation level: the severity's on changed lines, at most `notice` elsewhere, so the
    Files tab does not show failures on code the pull request did not touch."""
    if new and finding.severity is Severity.ERROR:
        return "failure"
    if new and finding.severity is Severity.WARNING:
        return "warning"
    return "notice"


@dataclass(frozen=True)
class Delta:
    """What changed since the last reviewed commit `since`: new findings that went away (fingerprint ->
    rule code), new findings that were not there, and earlier findings in files this push did not check
    again (`unchecked`: neither fixed nor still there as far as the review knows)."""

    since: str
    fixed: dict[str, str]
    new: dict[str, str]
    unchecked: dict[str, str] = field(default_factory=dict)


def delta_since(previous: ReviewState | None, head_sha: str, new: Iterable[Finding],
                present: Iterable[Finding], ignored: Iterable[str] = (), *, rechecked: Collection[str],
                known_paths: Mapping[str, str] | None = None) -> Delta | None:
    """The delta against the previous summary's state; None for the first review or a state too large to
    have been recorded. A re-run of the same commit keeps the delta that summary showed.

    A previous finding counts as fixed only when its file is among the `rechecked` paths (analysed in
    this push), no finding with its fingerprint is `present` and its rule is not `ignored` (an ignored
    finding is hidden, not fixed). One in a file not rechecked is `unchecked`. The file comes from the
    state's path keys; a state written before them has none, and then from `known_paths` (fingerprint ->
    path of the bot's inline comment); a finding whose file is known from neither is left out.
    """
    if previous is None or not previous.complete:
        return None
    if head_sha.startswith(previous.sha):
        return Delta(previous.since, previous.fixed, previous.added, previous.left) if previous.since else None
    present_fps = {f.fingerprint for f in present}
    skip = set(ignored)
    checked = {path_key(p) for p in rechecked}
    paths = known_paths or {}
    fixed: dict[str, str] = {}
    unchecked: dict[str, str] = {}
    for fp, code in previous.new.items():
        if fp in present_fps or code in skip:
            continue
        key = previous.where.get(fp) or (path_key(paths[fp]) if fp in paths else None)
        if key is None:
            continue
        (fixed if key in checked else unchecked)[fp] = code
    added = {f.fingerprint: f.code for f in new if f.fingerprint not in previous.new}
    return Delta(previous.sha, fixed, added, unchecked)


def worst_severity(findings: Iterable[Finding]) -> str | None:
    worst = max(findings, key=lambda f: f.severity.rank, default=None)
    return worst.severity.value if worst is not None else None


def classify(findings: Iterable[Finding], diffs: Mapping[str, FileDiff]) -> Classified:
    new: list[Finding] = []
    pre: list[Finding] = []
    elsewhere: list[Finding] = []
    for finding in sorted(findings, key=Finding.sort_key):
        diff = diffs.get(finding.path)
        if diff is None:
            elsewhere.append(finding)
        elif diff.touches_added(finding.line, max(finding.line, finding.end_line)):
            new.append(finding)
        else:
            pre.append(finding)
    return Classified(new, pre, elsewhere)


def place_inline(finding: Finding, diff: FileDiff, suggestion: LineReplacement | None = None) -> InlinePlacement | None:
    """A placement GitHub will accept, or None when no RIGHT-side hunk line of the finding exists.

    A suggestion replaces exactly the lines its comment spans, so with a suggestion the comment spans
    the replaced range, which must lie in one hunk; otherwise the suggestion is dropped (the fix is
    still described in words).
    """
    end = max(finding.line, finding.end_line)
    if suggestion is not None and diff.in_one_hunk(suggestion.first_line, suggestion.last_line) \
            and suggestion.first_line <= end and finding.line <= suggestion.last_line:
        start = suggestion.first_line if suggestion.first_line < suggestion.last_line else None
        return InlinePlacement(finding, suggestion.last_line, start, suggestion)
    if diff.in_one_hunk(finding.line, end):
        return InlinePlacement(finding, end, finding.line if finding.line < end else None)
    for line in range(finding.line, end + 1):
        if line in diff.added_lines:
            return InlinePlacement(finding, line)
    return None


def plan_inline(
    new: Iterable[Finding],
    diffs: Mapping[str, FileDiff],
    existing_fingerprints: set[str],
    max_comments: int,
    suggest: Callable[[Finding], LineReplacement | None] = lambda _f: None,
) -> InlinePlan:
    """Choose the inline comments of this run: worst first, never a fingerprint already commented."""
    to_post: list[InlinePlacement] = []
    already: list[Finding] = []
    not_inline: list[Finding] = []
    summary_only: list[Finding] = []
    seen: set[str] = set()
    for finding in sorted(new, key=lambda f: (-f.severity.rank, f.sort_key())):
        fp = finding.fingerprint
        if finding.severity.rank < INLINE_MIN_SEVERITY.rank:
            summary_only.append(finding)
            continue
        if fp in existing_fingerprints:
            already.append(finding)
            continue
        if fp in seen:
            continue
        diff = diffs.get(finding.path)
        # Suggestions may be costly to compute (a codemod per finding): only for comments that fit.
        fits = diff is not None and len(to_post) < max_comments
        placement = place_inline(finding, diff, suggest(finding)) if fits else None
        if placement is None:
            not_inline.append(finding)
            continue
        seen.add(fp)
        to_post.append(placement)
    return InlinePlan(to_post, already, not_inline, summary_only)


@dataclass(frozen=True)
class OwnComment:
    id: int
    fingerprint: str
    resolved: bool
    body: str
    path: str = ""  # the file it is on, as GitHub lists it


@dataclass
class ExistingReviewComments:
    own: dict[str, OwnComment] = field(default_factory=dict)  # unresolved own comments by fingerprint
    resolved: dict[str, OwnComment] = field(default_factory=dict)
    human_replied: set[int] = field(default_factory=set)  # ids of own comments a person answered

    @property
    def active_fingerprints(self) -> set[str]:
        return set(self.own)

    @property
    def paths(self) -> dict[str, str]:
        """Fingerprint -> the file of the bot's comment on it (resolved or not)."""
        return {fp: c.path for fp, c in [*self.resolved.items(), *self.own.items()] if c.path}


def read_review_comments(comments: Iterable[Mapping[str, Any]], is_own: Callable[[Mapping[str, Any]], bool]) -> ExistingReviewComments:
    """Sort the PR's review comments (as the REST API lists them) into own/active/replied."""
    result = ExistingReviewComments()
    own_ids: set[int] = set()
    replies: list[tuple[int, Mapping[str, Any]]] = []
    for comment in comments:
        reply_to = comment.get("in_reply_to_id")
        if reply_to is not None:
            replies.append((int(reply_to), comment))
        if not is_own(comment):
            continue
        marker = parse_fingerprint_marker(comment.get("body"))
        if marker is None:
            continue
        own = OwnComment(int(comment["id"]), marker.fingerprint, marker.resolved, comment.get("body") or "",
                         str(comment.get("path") or ""))
        own_ids.add(own.id)
        (result.resolved if marker.resolved else result.own)[marker.fingerprint] = own
    for target, reply in replies:
        if target in own_ids and not _is_bot(reply):
            result.human_replied.add(target)
    return result


def outdated_comments(existing: ExistingReviewComments, current_fingerprints: set[str],
                      rechecked: Collection[str]) -> list[OwnComment]:
    """Own unresolved comments whose finding is gone from a file this push checked again (`rechecked`),
    except threads a person replied to. A comment on a file the push no longer touches is left alone:
    its finding was not looked for (GitHub marks the comment outdated when its line changes)."""
    return [
        c for fp, c in sorted(existing.own.items())
        if fp not in current_fingerprints and c.id not in existing.human_replied and c.path in rechecked
    ]


def followup_comments(existing: ExistingReviewComments, fingerprints: Iterable[str]) -> list[OwnComment]:
    """Own unresolved comments whose fix the follow-up carries, except threads a person replied to."""
    wanted = set(fingerprints)
    return [c for fp, c in sorted(existing.own.items()) if fp in wanted and c.id not in existing.human_replied]


def split_retired(outdated: Iterable[OwnComment], hidden: Iterable[Finding],
                  ignored_by: Mapping[str, str]) -> tuple[list[tuple[OwnComment, str, str]], list[OwnComment]]:
    """Outdated own comments split into (comment, code, who) whose finding is still in the code but its
    rule ignored (`hidden`), and those whose finding is gone (resolved)."""
    still_there = {f.fingerprint: f.code for f in hidden}
    ignored, resolved = [], []
    for comment in outdated:
        code = still_there.get(comment.fingerprint)
        if code is not None and code in ignored_by:
            ignored.append((comment, code, ignored_by[code]))
        else:
            resolved.append(comment)
    return ignored, resolved


def _is_bot(comment: Mapping[str, Any]) -> bool:
    user = comment.get("user") or {}
    return user.get("type") == "Bot"
