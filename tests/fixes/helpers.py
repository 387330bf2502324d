"""Building findings for fixer tests the way a rule would report them (1-based line, UTF-8 column + 1)."""
from __future__ import annotations

import re

from hybridize_bot.analysis.fixes.document import Document
from hybridize_bot.analysis.fixes.registry import FIXERS
from hybridize_bot.analysis.model import Finding, Fix, FixSafety, Severity


def finding_at(source: bytes, code: str, needle: str, occurrence: int = 0,
               safety: FixSafety = FixSafety.SAFE) -> Finding:
    """A finding on the `occurrence`-th appearance of `needle` in the decoded source."""
    text = Document.from_bytes("m.py", source).text
    starts = [m.start() for m in re.finditer(re.escape(needle), text)]
    start = starts[occurrence]
    end = start + len(needle)

    def position(offset: int) -> tuple[int, int]:
        before = text[:offset]
        line_start = max(before.rfind("\n"), before.rfind("\r")) + 1
        line = len(re.findall(r"\r\n|\r|\n", before)) + 1
        return line, len(before[line_start:].encode("utf-8")) + 1

    (line, col), (end_line, end_col) = position(start), position(end)
    return Finding(code, "test", "m.py", line, col, end_line, end_col, "message", Severity.WARNING,
                   fix=Fix("test fix", safety))


def fix_bytes(source: bytes, code: str, needle: str, occurrence: int = 0) -> bytes:
    """Run the registered fixer for `code` on the finding at `needle` and return the fixed bytes."""
    doc = Document.from_bytes("m.py", source)
    edits = FIXERS[code](finding_at(source, code, needle, occurrence), doc)
    return doc.apply(edits)
