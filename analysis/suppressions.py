"""`# hybridize: ignore[HYB001]` (one line) and `# hybridize: ignore-file` comments.

A bare `ignore` / `ignore-file` silences every rule; a list silences the named codes or prefixes.
A code that names no rule is itself reported (HYB099), so a typo cannot silently hide nothing.
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import Iterator
from dataclasses import dataclass, field

_COMMENT = re.compile(r"#\s*hybridize:\s*(ignore-file|ignore)\b(?:\[([^\]]*)\])?", re.I)
ALL = "*"


@dataclass
class Suppressions:
    file_codes: set[str] = field(default_factory=set)
    line_codes: dict[int, set[str]] = field(default_factory=dict)
    # (line, column, code) of every code written in a suppression comment, for validation.
    written: list[tuple[int, int, str]] = field(default_factory=list)

    def suppresses(self, code: str, line: int, end_line: int | None = None) -> bool:
        if _matches(self.file_codes, code):
            return True
        if _matches(self.line_codes.get(line, ()), code):
            return True
        return end_line is not None and end_line != line and _matches(self.line_codes.get(end_line, ()), code)


def _matches(codes: set[str] | tuple[()], code: str) -> bool:
    return any(c == ALL or code.startswith(c) for c in codes)


def _comments(text: str) -> Iterator[tuple[int, int, str]]:
    """(line, column, text) of every real comment: `tokenize`, so text inside strings never counts."""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT and "hybridize:" in tok.string:
                yield tok.start[0], tok.start[1], tok.string
    except (tokenize.TokenError, SyntaxError):
        return  # the file parsed with `ast`, so this is not expected; no suppressions rather than a crash


def parse_suppressions(text: str) -> Suppressions:
    result = Suppressions()
    if "hybridize:" not in text:
        return result
    for lineno, start, comment in _comments(text):
        for match in _COMMENT.finditer(comment):
            kind, codes_text = match.group(1).lower(), match.group(2)
            if codes_text is None or not codes_text.strip():
                codes = {ALL}
            else:
                codes = set()
                offset = start + match.start(2)
                for part in codes_text.split(","):
                    code = part.strip().upper()
                    if code:
                        codes.add(code)
                        result.written.append((lineno, offset + 1 + part.find(part.strip()), code))
                    offset += len(part) + 1
            if kind == "ignore-file":
                result.file_codes |= codes
            else:
                result.line_codes.setdefault(lineno, set()).update(codes)
    return result
