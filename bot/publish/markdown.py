"""Text helpers for what GitHub shows: Markdown in comments and check-run summaries, plain text in
annotations (pure; no I/O).

GitHub comments keep single newlines as line breaks, so prose written with hard wraps (the rule
documentation's triple-quoted strings) must be joined into one line per paragraph; `__init__` outside a
code span renders as bold "init"; check-run annotation messages are plain text, so backticks and `**`
show literally there.
"""
from __future__ import annotations

import re
import textwrap
from typing import Any

# A Markdown code span (any backtick run, closed by a run of the same length) or a fenced block.
_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)", re.DOTALL)
# Python dunders (`__init__`, `__call__`): Markdown reads the underscores as strong emphasis.
_DUNDER = re.compile(r"(?<![\w`])(__[A-Za-z][A-Za-z0-9_]*?__)(?![\w`])")
_BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#{1,6}\s|>|\||```|~~~|<)")


def code_fence(text: str, info: str = "") -> str:
    """A fence one backtick longer than the longest backtick run in `text` (at least three)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def cell(text: Any) -> str:
    """Text safe inside one markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def inline_code(text: str) -> str:
    """`text` as one code span, whatever backticks it contains."""
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def truncate(text: str, limit: int, note: str = "\n\n_… truncated to fit GitHub's length limit._") -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(note))] + note


def markdown_text(text: str) -> str:
    """Analysis text as Markdown: bare dunders put in code spans, `<` escaped so `<lambda>` is not read
    as an HTML tag (which GitHub would strip); existing code spans are left alone."""
    def prose_part(part: str) -> str:
        return _DUNDER.sub(r"`\1`", part.replace("<", "&lt;"))

    out: list[str] = []
    pos = 0
    for span in _CODE_SPAN.finditer(text):
        out.append(prose_part(text[pos:span.start()]))
        out.append(span.group(0))
        pos = span.end()
    out.append(prose_part(text[pos:]))
    return "".join(out)


def plain(text: str) -> str:
    """Markdown-ish `text` as plain text for an annotation: code spans lose their backticks, `**`/`__`
    emphasis its markers."""
    text = _CODE_SPAN.sub(lambda m: m.group(2).strip() if m.group(1) else m.group(0), text)
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text)


def prose(text: str) -> str:
    """Hard-wrapped documentation text as GitHub comment Markdown: dedented, each paragraph on one line.

    Lists, headings, tables, quotes, fenced and indented code keep their line structure; a wrapped
    continuation line of a list item joins its item.
    """
    lines = textwrap.dedent(text).strip("\n").splitlines()
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        stripped = line.strip()
        if fence is not None:
            out.append(line)
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            out.append(line)
            continue
        joinable = (out and out[-1].strip() and not out[-1].strip().startswith(("```", "~~~", "#", "|"))
                    and not line.startswith("    ") and stripped and not _BLOCK_START.match(line))
        if joinable:
            out[-1] = out[-1].rstrip() + " " + stripped
        else:
            out.append(line.rstrip())
    return markdown_text("\n".join(out))


def first_sentence(text: str) -> str:
    """The first sentence of `text` (up to the first '. ' or the end), without its final period."""
    match = re.match(r"(.+?[.!?])(?:\s|$)", text.strip(), re.DOTALL)
    return (match.group(1) if match else text.strip()).rstrip(".!?").strip()


# A rule summary whose words are mostly in the finding's message says the same thing again.
_REPEAT_OVERLAP = 0.6


def repeats(summary: str, message: str) -> bool:
    """Whether `summary` says nothing the message does not: contained in it, the same first sentence,
    or most of its words already in the message ("runs once per trace, not once per call" after
    "runs once per trace, not on every call")."""
    s, m = _norm(summary), _norm(message)
    if not s or s in m or _norm(first_sentence(summary)) == _norm(first_sentence(message)):
        return True
    words, said = s.split(), set(m.split())
    return sum(w in said for w in words) >= _REPEAT_OVERLAP * len(words)


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", " ", plain(text)).strip().lower()
