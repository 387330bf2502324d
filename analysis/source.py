"""Turning file bytes into an `ast` tree, and every way that can fail into one clear reason."""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ParseFailure:
    """Why a file could not be analyzed, and where (1-based line/column, 1 when unknown)."""

    reason: str
    line: int = 1
    col: int = 1


@dataclass(slots=True)
class SourceFile:
    """A parsed module: its tree and its text split into lines (for snippets and suppressions)."""

    path: str
    tree: ast.Module
    text: str
    lines: list[str]

    def char_col(self, line: int, byte_col: int) -> int:
        """Convert `ast`'s column (a UTF-8 byte offset into the line) to a character offset."""
        if line < 1 or line > len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text.encode("utf-8")[:byte_col].decode("utf-8", errors="replace"))

    def segment(self, node: ast.AST) -> str:
        """Source text of a node (best effort; whole lines when positions are missing)."""
        line = getattr(node, "lineno", None)
        if line is None:
            return ""
        end_line = getattr(node, "end_lineno", line) or line
        col = self.char_col(line, getattr(node, "col_offset", 0) or 0)
        end_col = getattr(node, "end_col_offset", None)
        if end_col is not None:
            end_col = self.char_col(end_line, end_col)
        if line == end_line:
            text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
            return text[col:end_col] if end_col is not None else text[col:]
        chunk = self.lines[line - 1 : end_line]
        if not chunk:
            return ""
        chunk = list(chunk)
        chunk[0] = chunk[0][col:]
        if end_col is not None:
            chunk[-1] = chunk[-1][:end_col]
        return "\n".join(chunk)


def decode(data: bytes) -> str:
    """Decode like the interpreter: BOM or PEP 263 coding cookie, else UTF-8."""
    import io
    import tokenize

    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def parse(path: str, data: bytes) -> SourceFile | ParseFailure:
    """Parse a file; never raises for bad input.

    `ast.parse` raises SyntaxError (bad syntax, Python 2 code), ValueError or SyntaxError for null bytes
    (depending on the Python version), RecursionError or MemoryError for absurdly deep nesting, and the
    decoding step raises UnicodeDecodeError/SyntaxError for undecodable bytes or unknown encodings.
    """
    try:
        text = decode(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as exc:
        return ParseFailure(f"cannot decode the file: {_first_line(exc)}")
    if "\x00" in text:
        return ParseFailure("the file contains null bytes")
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences etc. in analyzed code are not our business.
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path, type_comments=False)
    except SyntaxError as exc:
        hint = ""
        if _looks_like_python2(text):
            hint = " (this looks like Python 2 code)"
        return ParseFailure(
            f"syntax error: {exc.msg}{hint}", line=exc.lineno or 1, col=max(1, exc.offset or 1)
        )
    except (RecursionError, MemoryError):
        return ParseFailure("the code is nested too deeply for the parser")
    except ValueError as exc:
        return ParseFailure(f"cannot parse: {_first_line(exc)}")
    return SourceFile(path=path, tree=tree, text=text, lines=split_lines(text))


_NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as Python counts them: only \\n, \\r\\n and \\r end a line.

    `str.splitlines` also breaks at form feeds, U+2028 and other separators that may sit inside a
    string literal, which would shift every line number after them.
    """
    lines = _NEWLINE.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _looks_like_python2(text: str) -> bool:
    return bool(re.search(r"^\s*print\s+[^\s(=]|^\s*exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:", text, re.M))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
