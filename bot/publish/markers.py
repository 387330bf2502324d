"""Hidden HTML-comment markers that let the bot find its own comments again.

GitHub renders `<!-- ... -->` invisibly, so a marker costs nothing to readers. The summary comment
carries SUMMARY_MARKER; every inline review comment carries the fingerprint of its finding, so a
re-run (same head, new delivery) or a later push never posts the same comment twice, and a comment
whose finding disappeared can be found and marked resolved (reviewdog's `<!-- __reviewdog__:... -->`
meta comment is the model).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

SUMMARY_MARKER = "<!-- hybridize-bot:summary -->"

_FP_MARKER = re.compile(r"<!-- hybridize-bot:fp=(?P<fp>[0-9a-f]{8,64})(?P<resolved>;resolved)? -->")


@dataclass(frozen=True)
class FingerprintMarker:
    fingerprint: str
    resolved: bool = False


def fingerprint_marker(fingerprint: str, *, resolved: bool = False) -> str:
    """The hidden marker for one finding; `resolved` flags a comment whose finding is gone."""
    if not re.fullmatch(r"[0-9a-f]{8,64}", fingerprint):
        raise ValueError(f"not a hex fingerprint: {fingerprint!r}")
    return f"<!-- hybridize-bot:fp={fingerprint}{';resolved' if resolved else ''} -->"


def parse_fingerprint_marker(body: str | None) -> FingerprintMarker | None:
    """The fingerprint marker in a comment body, or None when the body has none.

    The LAST marker wins: a person quoting one of our comments puts our marker above their own text,
    but we never append anything after our marker, so for our own bodies first and last coincide.
    """
    if not body:
        return None
    matches = list(_FP_MARKER.finditer(body))
    if not matches:
        return None
    last = matches[-1]
    return FingerprintMarker(last.group("fp"), bool(last.group("resolved")))


def has_summary_marker(body: str | None) -> bool:
    return bool(body) and SUMMARY_MARKER in body  # type: ignore[operator]


def mark_resolved(body: str) -> str:
    """Rewrite every fingerprint marker in `body` to carry the resolved flag."""
    return _FP_MARKER.sub(lambda m: fingerprint_marker(m.group("fp"), resolved=True), body)


# The summary comment also remembers what it reported, so the next push can say what changed since
# ("2 fixed, 1 new since abc1234") without any state outside GitHub: the commit it reviewed, the rule
# code, fingerprint and path key of every new finding, and the delta it showed (kept by a re-run of the
# same commit, e.g. after `@hybridize-bot ignore`), e.g.
# <!-- hybridize-bot:reviewed sha=0123abc... new=HYB001.0a1b...@3f2a9c1d,... since=fedc... fixed=... added=... left=... -->
# The path key (`path_key`) says which file a finding was in: a finding counts as fixed only when its
# file was checked again (a push that stops touching a file re-checks nothing there). Summaries written
# before path keys have entries without `@...` (and no `left=`); they still parse.
_SHA = r"[0-9a-f]{7,64}"
_STATE_MARKER = re.compile(rf"<!-- hybridize-bot:reviewed sha=(?P<sha>{_SHA}) new=(?P<new>[^ ]*)"
                           rf"(?: since=(?P<since>{_SHA}) fixed=(?P<fixed>[^ ]*) added=(?P<added>[^ ]*)"
                           rf"(?: left=(?P<left>[^ ]*))?)? -->")
_STATE_ENTRY = re.compile(r"(?P<code>[A-Z]{2,8}\d{2,4})\.(?P<fp>[0-9a-f]{8,64})(?:@(?P<where>[0-9a-f]{8}))?")
# Beyond this many new findings the delta is not worth the comment's length; it says so instead.
MAX_STATE_ENTRIES = 300


def path_key(path: str) -> str:
    """A short, marker-safe key of a repository path (paths may hold spaces or `-->`). Eight hex
    digits: a collision only makes one unchecked file's finding count as checked."""
    return hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:8]


@dataclass(frozen=True)
class ReviewState:
    """What one summary comment reported: the reviewed commit, its new findings (fingerprint -> code)
    and their files (`where`: fingerprint -> `path_key`; missing in older summaries), and the delta it
    showed (`since`, `fixed`, `added`, `left`: not re-checked; `since` None when it showed none)."""

    sha: str
    new: dict[str, str]
    complete: bool = True  # False: more new findings than MAX_STATE_ENTRIES were reported
    since: str | None = None
    fixed: dict[str, str] = field(default_factory=dict)
    added: dict[str, str] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    left: dict[str, str] = field(default_factory=dict)


def _entries(findings: dict[str, str], where: dict[str, str] | None = None) -> str:
    where = where or {}
    out = (f"{code}.{fp}" + (f"@{where[fp]}" if fp in where else "")
           for fp, code in sorted(findings.items(), key=lambda item: (item[1], item[0])))
    return ",".join(e for e in out if _STATE_ENTRY.fullmatch(e))


def _parse_entries(raw: str) -> tuple[dict[str, str], dict[str, str]]:
    """(fingerprint -> code, fingerprint -> path key) of one list of entries."""
    entries = [m for m in (_STATE_ENTRY.fullmatch(e) for e in raw.split(",") if e) if m]
    return ({m.group("fp"): m.group("code") for m in entries},
            {m.group("fp"): m.group("where") for m in entries if m.group("where")})


def review_state_marker(state: ReviewState) -> str:
    """The hidden marker for `state`; over MAX_STATE_ENTRIES new findings it records none (`new=*`)."""
    for sha in (state.sha, state.since or state.sha):
        if not re.fullmatch(_SHA, sha):
            raise ValueError(f"not a hex commit sha: {sha!r}")
    if len(state.new) > MAX_STATE_ENTRIES:
        return f"<!-- hybridize-bot:reviewed sha={state.sha} new=* -->"
    delta = ""
    if state.since is not None and len(state.fixed) + len(state.added) + len(state.left) <= MAX_STATE_ENTRIES:
        delta = f" since={state.since} fixed={_entries(state.fixed)} added={_entries(state.added)}"
        if state.left:
            delta += f" left={_entries(state.left)}"
    return f"<!-- hybridize-bot:reviewed sha={state.sha} new={_entries(state.new, state.where)}{delta} -->"


def parse_review_state(body: str | None) -> ReviewState | None:
    """The review state in a summary comment body, or None when it has none (older bodies)."""
    match = _STATE_MARKER.search(body or "")
    if match is None:
        return None
    if match.group("new") == "*":
        return ReviewState(match.group("sha"), {}, complete=False)
    new, where = _parse_entries(match.group("new"))
    return ReviewState(match.group("sha"), new, since=match.group("since"),
                       fixed=_parse_entries(match.group("fixed") or "")[0],
                       added=_parse_entries(match.group("added") or "")[0], where=where,
                       left=_parse_entries(match.group("left") or "")[0])
