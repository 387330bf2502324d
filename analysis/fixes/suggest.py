"""Whole-line replacements for GitHub review suggestions (```suggestion blocks).

A suggestion replaces whole lines of the new side of the diff, so a fix's edits are widened to the lines
they touch. Fixes whose edits lie far apart (an import at the top plus a decorator further down) are not
offered as one suggestion: GitHub needs the range inside a single hunk, and a 40-line block is no
longer a reviewable suggestion.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from ..model import Finding, FixSafety
from .document import CannotFix, Documents
from .registry import FIXERS

MAX_SUGGESTION_LINES = 40


@dataclass(frozen=True, slots=True)
class LineReplacement:
    first_line: int  # 1-based, inclusive
    last_line: int  # 1-based, inclusive
    text: str  # the replacement lines joined with "\n", without a trailing newline ("" deletes the lines)


def suggestion_for(finding: Finding, source: bytes) -> LineReplacement | None:
    """The replacement for the lines a finding's fix touches, or None when there is no textual fix."""
    return _suggestion(finding, Documents({finding.path: source}))


def suggestions_for(findings: Sequence[Finding], sources: Mapping[str, bytes], *,
                    on_error: Callable[[Finding, Exception], None] | None = None) -> list[LineReplacement | None]:
    """`suggestion_for` of each finding (same order), with one `Document` per path: the fixers of a
    file's findings share its libcst parse, position metadata and node lists instead of each redoing
    them (most of a suggestion's cost on a large file).

    `on_error`, when given, receives an unexpected exception of one finding's fixer and that finding gets
    None, so one broken fix does not cost the others; without it the exception propagates.
    """
    docs = Documents(sources)
    out: list[LineReplacement | None] = []
    for finding in findings:
        try:
            out.append(_suggestion(finding, docs))
        except Exception as exc:
            if on_error is None:
                raise
            on_error(finding, exc)
            out.append(None)
    return out


def _suggestion(finding: Finding, docs: Documents) -> LineReplacement | None:
    fix = finding.fix
    if fix is None or fix.safety is FixSafety.NONE:
        return None
    try:
        doc = docs.get(finding.path)
        edits = fix.edits or (FIXERS[finding.code](finding, doc) if finding.code in FIXERS else ())
    except CannotFix:
        return None
    if not edits:
        return None
    first = min(e.line for e in edits)
    # An edit ending at column 0 of a line (a whole-line deletion or insertion) does not touch that line.
    last = max(e.end_line - 1 if e.end_col == 0 and e.end_line > e.line else e.end_line for e in edits)
    last = max(last, first)
    if last - first + 1 > MAX_SUGGESTION_LINES:
        return None
    start = doc.line_starts[first - 1]
    end = doc.line_starts[last] if last < doc.line_count else len(doc.text)
    delta = 0
    for edit in edits:
        s, e = doc.span(edit)
        delta += len(edit.text) - (e - s)
    new_text = doc.apply_text(list(edits))
    region = new_text[start:end + delta]
    region = re.sub(r"\r\n|\r", "\n", region)
    if region.endswith("\n"):
        region = region[:-1]
    return LineReplacement(first, last, region)
