"""Hidden HTML-comment markers that let the bot find its own comments again.

GitHub renders `<!-- ... -->` invisibly, so a marker costs nothing to readers. The summary comment
carries SUMMARY_MARKER; every inline review comment carries the fingerprint of its finding, so a
re-run (same head, new delivery) or a later push never posts the same comment twice, and a comment
whose finding disappeared can be found and marked resolved (reviewdog's `<!-- __reviewdog__:... -->`
meta comment is the model).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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
