"""File-level diffs the way GitHub reports them in ``pulls/{n}/files`` and ``compare``.

Patches use git's unified format without the ``---``/``+++`` header: hunks start with
``@@ -a,b +c,d @@`` (``,1`` omitted as git does, ``-0,0`` for an empty side), three lines of
context, ``\\ No newline at end of file`` markers, and git's default "function" heading after the
second ``@@`` (the nearest earlier line starting with a letter, ``_`` or ``$``), as GitHub shows it.
Checked byte-for-byte against ``git diff`` in tests/test_fakegithub.py when git is installed.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .gitobjects import ObjectStore

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_NO_NEWLINE = "\\ No newline at end of file"
_FUNCNAME_START = re.compile(r"[A-Za-z_$]")


@dataclass
class FileChange:
    filename: str
    status: str                  # added | removed | modified | renamed
    sha: str                     # blob sha on the head side (base side for removed files)
    additions: int
    deletions: int
    patch: str | None
    previous_filename: str | None = None

    @property
    def changes(self) -> int:
        return self.additions + self.deletions


def _range(start: int, length: int) -> str:
    # git/difflib convention: an empty range names the line before it; length 1 is omitted.
    if length == 0:
        return f"{start - 1 if start else 0},0"
    return str(start) if length == 1 else f"{start},{length}"


def _lines(data: bytes) -> list[str] | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def _funcname(lines: list[str], before: int) -> str:
    """git's default hunk heading: the last line above the hunk that starts with [A-Za-z_$]."""
    for line in reversed(lines[:before]):
        if _FUNCNAME_START.match(line):
            return line.rstrip()[:80]
    return ""


def unified_patch(old: bytes, new: bytes, context: int = 3) -> tuple[str | None, int, int]:
    """(patch, additions, deletions); patch is None for binary content."""
    a, b = _lines(old), _lines(new)
    if a is None or b is None:
        return None, 0, 0
    out: list[str] = []
    adds = dels = 0

    def emit(prefix: str, line: str) -> None:
        out.append(prefix + line.rstrip("\n"))
        if not line.endswith("\n"):
            out.append(_NO_NEWLINE)

    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        header = f"@@ -{_range(i1 + 1, i2 - i1)} +{_range(j1 + 1, j2 - j1)} @@"
        heading = _funcname(a, i1)
        out.append(f"{header} {heading}" if heading else header)
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                for line in a[a1:a2]:
                    emit(" ", line)
                continue
            for line in a[a1:a2]:
                emit("-", line)
                dels += 1
            for line in b[b1:b2]:
                emit("+", line)
                adds += 1
    return "\n".join(out), adds, dels


def diff_commits(store: ObjectStore, base: str | None, head: str) -> list[FileChange]:
    """Changes from ``base`` (None = empty tree) to ``head``, sorted by path like GitHub."""
    old = store.files_at(base) if base else {}
    new = store.files_at(head)
    removed = {p: v for p, v in old.items() if p not in new}
    added = {p: v for p, v in new.items() if p not in old}
    changes: list[FileChange] = []
    # Exact renames only (same blob moved); GitHub's similarity-based rename detection is not modelled.
    by_sha = {sha: p for p, (_, sha) in removed.items()}
    for path, (_, sha) in sorted(added.items()):
        if sha in by_sha:
            prev = by_sha.pop(sha)
            removed.pop(prev)
            changes.append(FileChange(path, "renamed", sha, 0, 0, None, previous_filename=prev))
            continue
        patch, adds, dels = unified_patch(b"", store.blobs[sha])
        changes.append(FileChange(path, "added", sha, adds, dels, patch))
    for path, (_, sha) in removed.items():
        patch, adds, dels = unified_patch(store.blobs[sha], b"")
        changes.append(FileChange(path, "removed", sha, adds, dels, patch))
    for path, (mode, sha) in new.items():
        if path in old and (old[path][1] != sha or old[path][0] != mode):
            patch, adds, dels = unified_patch(store.blobs[old[path][1]], store.blobs[sha])
            changes.append(FileChange(path, "modified", sha, adds, dels, patch))
    changes.sort(key=lambda c: c.filename)
    return changes


@dataclass(frozen=True)
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int

    def contains(self, line: int, side: str) -> bool:
        start, length = (self.new_start, self.new_len) if side == "RIGHT" else (self.old_start, self.old_len)
        return start <= line < start + length


def hunks(patch: str | None) -> list[Hunk]:
    out = []
    for text in (patch or "").split("\n"):
        m = HUNK_RE.match(text)
        if m:
            a, b, c, d = m.groups()
            out.append(Hunk(int(a), 1 if b is None else int(b), int(c), 1 if d is None else int(d)))
    return out


def position_count(patch: str | None) -> int:
    """Largest valid ``position`` for a review comment: lines after the first hunk header."""
    return max(len((patch or "").split("\n")) - 1, 0)
