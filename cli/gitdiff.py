"""`--diff REF`: which lines of the working tree were added or changed since a git revision.

Runs `git` as a subprocess (argument lists, never a shell) and parses `--unified=0` hunks: the new-side
range `+c,d` of each hunk is the set of changed lines (`d == 0` is a pure deletion and adds none).
Untracked files (not ignored) count as entirely new.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from hybridize_bot.analysis.model import Finding

PARSE_FAILURE_CODE = "HYB000"  # engine.PARSE_FAILURE_CODE; not imported to keep this module light

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
# A pathological repository must not hang the command line.
_GIT_TIMEOUT_S = 120


class GitDiffError(Exception):
    """The diff cannot be computed (not a repository, unknown revision, git missing)."""


@dataclass
class ChangedLines:
    """Changed lines per posix path relative to the project root; `new_files` changed entirely."""

    lines: dict[str, set[int]] = field(default_factory=dict)
    new_files: set[str] = field(default_factory=set)

    def touches(self, path: str, line: int, end_line: int) -> bool:
        if path in self.new_files:
            return True
        changed = self.lines.get(path)
        if not changed:
            return False
        return any(n in changed for n in range(line, max(line, end_line) + 1))

    def filter(self, findings: Iterable[Finding]) -> list[Finding]:
        return [f for f in findings if self.keeps(f)]

    def keeps(self, finding: Finding) -> bool:
        if finding.code == PARSE_FAILURE_CODE:
            # A file that stopped parsing hides all of its findings; where the parser notices the error
            # (often the end of the file) need not be the line that was changed.
            return finding.path in self.new_files or bool(self.lines.get(finding.path))
        return self.touches(finding.path, finding.line, finding.end_line)


def _git(args: Sequence[str], cwd: Path) -> str:
    import subprocess  # here: only --diff runs git, and every `check` imports this module (3 ms)

    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args], cwd=cwd, capture_output=True,
            timeout=_GIT_TIMEOUT_S, check=False,
        )
    except FileNotFoundError:
        raise GitDiffError("--diff needs git, which was not found on PATH") from None
    except subprocess.TimeoutExpired:
        raise GitDiffError(f"git {args[0]} took longer than {_GIT_TIMEOUT_S} s") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitDiffError(message[-1] if message else f"git {args[0]} failed with status {proc.returncode}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def changed_lines(ref: str, project_root: Path, paths: Sequence[Path]) -> ChangedLines:
    """Lines added or modified in the working tree since `ref`, for files under `paths`."""
    try:
        toplevel = Path(_git(["rev-parse", "--show-toplevel"], project_root).strip())
    except GitDiffError as exc:
        raise GitDiffError(f"--diff: {project_root} is not in a git repository ({exc})") from None
    if ref.startswith("-"):
        raise GitDiffError(f"--diff: '{ref}' is not a git revision")
    try:
        _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"], toplevel)
    except GitDiffError:
        raise GitDiffError(f"--diff: '{ref}' is not a commit in {toplevel}") from None

    pathspecs = [os.path.realpath(p) for p in paths] or [str(toplevel)]
    diff = _git(["diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames", ref, "--", *pathspecs],
                toplevel)
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z", "--", *pathspecs], toplevel)

    result = ChangedLines()
    for git_path, lines in parse_unified_diff(diff).items():
        result.lines[_relative(toplevel, git_path, project_root)] = lines
    for git_path in filter(None, untracked.split("\0")):
        result.new_files.add(_relative(toplevel, git_path, project_root))
    return result


def _relative(toplevel: Path, git_path: str, project_root: Path) -> str:
    return Path(os.path.relpath(toplevel / git_path, project_root.resolve())).as_posix()


def parse_unified_diff(text: str) -> dict[str, set[int]]:
    """New-side changed line numbers per file of a `git diff --unified=0` output."""
    out: dict[str, set[int]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            if target == "/dev/null":
                current = None  # deleted file: nothing on the new side
                continue
            target = _unquote(target)
            current = target[2:] if target.startswith("b/") else target
            out.setdefault(current, set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match is None:
                continue
            start = int(match.group(1))
            count = int(match.group(2)) if match.group(2) is not None else 1
            out[current].update(range(start, start + count))
    return out


def _unquote(path: str) -> str:
    """git C-quotes paths with unusual bytes even with core.quotePath=false (tabs, quotes, newlines)."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    body = path[1:-1]
    raw = bytearray()
    i = 0
    escapes = {"n": 10, "t": 9, '"': 34, "\\": 92, "a": 7, "b": 8, "f": 12, "r": 13, "v": 11}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in escapes:
                raw.append(escapes[nxt])
                i += 2
                continue
            octal = body[i + 1:i + 4]
            if len(octal) == 3 and all(c in "01234567" for c in octal):
                raw.append(int(octal, 8))
                i += 4
                continue
        raw.extend(ch.encode("utf-8", "surrogateescape"))
        i += 1
    return raw.decode("utf-8", "surrogateescape")
