"""Unified-diff hunks of one pull-request file, and which RIGHT-side lines they cover.

GitHub's `GET /pulls/{n}/files` gives each file's `patch`: the hunks of a unified diff without the
`---`/`+++` header. A review comment may only sit on a line that lies inside a hunk on the side it
names; a multi-line comment (and a ```suggestion that replaces its lines) must lie inside ONE hunk,
otherwise GitHub rejects the whole review with 422 "line must be part of the diff".
https://docs.github.com/en/rest/pulls/reviews#create-a-review-for-a-pull-request
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# "@@ -old_start[,old_count] +new_start[,new_count] @@ optional section heading"; a missing count is 1.
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(ValueError):
    """The patch text is not a sequence of well-formed unified-diff hunks."""


@dataclass(frozen=True)
class Hunk:
    """One `@@` hunk. `new_start..new_end` are the RIGHT-side lines it shows (context and added)."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    added: frozenset[int] = frozenset()  # RIGHT-side line numbers of '+' lines
    removed: frozenset[int] = frozenset()  # LEFT-side line numbers of '-' lines

    @property
    def new_end(self) -> int:
        """Last RIGHT-side line of the hunk (new_start - 1 when the hunk shows no RIGHT lines)."""
        return self.new_start + self.new_count - 1

    def contains_right(self, line: int) -> bool:
        return self.new_count > 0 and self.new_start <= line <= self.new_end


@dataclass(frozen=True)
class FileDiff:
    """What the PR changed in one file, as far as the `patch` tells."""

    path: str
    status: str = "modified"  # added, removed, modified, renamed, copied, changed, unchanged
    hunks: tuple[Hunk, ...] = ()
    # GitHub omits `patch` for binary files and for diffs too large to show; then nothing is known
    # about the lines and no inline comment can be placed in the file.
    patch_missing: bool = False
    previous_path: str | None = None
    added_lines: frozenset[int] = field(default=frozenset())

    @classmethod
    def from_patch(cls, path: str, patch: str | None, status: str = "modified",
                   previous_path: str | None = None) -> "FileDiff":
        if patch is None:
            return cls(path, status, (), patch_missing=status != "removed", previous_path=previous_path)
        hunks = tuple(parse_patch(patch))
        added = frozenset().union(*(h.added for h in hunks)) if hunks else frozenset()
        return cls(path, status, hunks, False, previous_path, added)

    def hunk_for(self, line: int) -> Hunk | None:
        return hunk_containing(self.hunks, line)

    def in_one_hunk(self, start: int, end: int) -> bool:
        return range_in_one_hunk(self.hunks, start, end)

    def touches_added(self, start: int, end: int) -> bool:
        """True when any line of start..end (inclusive) was added or changed by the PR."""
        if end < start:
            start, end = end, start
        if end - start > len(self.added_lines):
            return any(start <= line <= end for line in self.added_lines)
        return any(line in self.added_lines for line in range(start, end + 1))


def parse_patch(patch: str) -> list[Hunk]:
    """Parse the hunks of a GitHub `patch` string.

    Line counting follows the hunk headers: ' ' lines advance both sides, '-' the left, '+' the
    right; "\\ No newline at end of file" advances neither. A body shorter or longer than its header
    announces raises PatchError, because line numbers computed from it would be wrong.
    """
    hunks: list[Hunk] = []
    lines = patch.split("\n")
    # A trailing newline yields one empty string that is not a diff line.
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        match = _HUNK_HEADER.match(lines[i])
        if not match:
            raise PatchError(f"expected a hunk header '@@ -a,b +c,d @@' at patch line {i + 1}: {lines[i][:60]!r}")
        old_start, new_start = int(match.group(1)), int(match.group(3))
        old_count = int(match.group(2)) if match.group(2) is not None else 1
        new_count = int(match.group(4)) if match.group(4) is not None else 1
        i += 1
        old_line, new_line = old_start, new_start
        old_left, new_left = old_count, new_count
        added: set[int] = set()
        removed: set[int] = set()
        while i < len(lines) and (old_left > 0 or new_left > 0 or lines[i].startswith("\\")):
            text = lines[i]
            tag = text[:1]
            if tag == "+":
                added.add(new_line)
                new_line += 1
                new_left -= 1
            elif tag == "-":
                removed.add(old_line)
                old_line += 1
                old_left -= 1
            elif tag == " " or text == "":
                # GitHub keeps the leading space of context lines; tolerate an editor stripping it
                # from an empty context line.
                old_line += 1
                new_line += 1
                old_left -= 1
                new_left -= 1
            elif tag == "\\":
                pass  # "\ No newline at end of file"
            else:
                raise PatchError(f"unexpected diff line at patch line {i + 1}: {text[:60]!r}")
            if old_left < 0 or new_left < 0:
                raise PatchError(f"hunk at line {new_start} is longer than its header announces")
            i += 1
        if old_left or new_left:
            raise PatchError(f"hunk at line {new_start} is shorter than its header announces")
        hunks.append(Hunk(old_start, old_count, new_start, new_count, frozenset(added), frozenset(removed)))
    return hunks


def hunk_containing(hunks: tuple[Hunk, ...] | list[Hunk], line: int) -> Hunk | None:
    """The hunk that shows RIGHT-side `line`, or None when the line is outside every hunk."""
    for hunk in hunks:
        if hunk.contains_right(line):
            return hunk
    return None


def range_in_one_hunk(hunks: tuple[Hunk, ...] | list[Hunk], start: int, end: int) -> bool:
    """True when RIGHT-side lines start..end (inclusive) all lie inside a single hunk."""
    if end < start:
        return False
    hunk = hunk_containing(hunks, start)
    return hunk is not None and hunk.contains_right(end)


def reviewed_paths(diffs: Mapping[str, FileDiff]) -> list[str]:
    """The Python files a review checks: those the pull request added, modified, renamed or copied
    (a removed file has nothing left to check)."""
    return sorted(path for path, diff in diffs.items() if path.endswith(".py") and diff.status != "removed")
