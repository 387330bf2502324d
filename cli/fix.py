"""`hybridize fix PATH... [--diff] [--unsafe-fixes] [--select CODES]` (a plug-in of cli/main.py).

Applies the safe fixes (and the gated ones with `--unsafe-fixes`, ruff's name for the same idea), each
verified by the engine; writes every changed file atomically (a temporary file in the same directory,
then `os.replace`, keeping the file's permission bits); prints what it did. `--diff` prints a unified
diff instead and writes nothing.

Exit status: 0 when it ran (findings may remain: `check` is the command that reports them); with
`--diff`, 1 when there is something to change (ruff's convention, so CI can fail on it); 2 for errors.
"""
from __future__ import annotations

import argparse
import difflib
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.model import Finding, FixSafety

from .files import load_workspace

if TYPE_CHECKING:
    from hybridize_bot.analysis.fixes.engine import FixResult

# The fix engine (analysis/fixes: libcst, about 150 ms of imports) is imported by the functions that use
# it, not here: cli/main.py imports this module to register the `fix` subcommand on every run, `check`
# included, whose warm re-run takes a few hundred milliseconds in all (issue 11).

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from .options import add_workspace_options

    parser = subparsers.add_parser(
        "fix", help="apply safe fixes (gated ones with --unsafe-fixes)",
        description="Apply the automatic fixes whose safety allows it, after verifying each one.")
    add_workspace_options(parser)
    parser.add_argument("--diff", action="store_true", help="print a unified diff of the fixes and write nothing")
    parser.add_argument("--unsafe-fixes", action="store_true",
                        help="also apply gated fixes (correct only when the rule's preconditions hold)")
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    from hybridize_bot.analysis.fixes.engine import apply_fixes

    out = out or sys.stdout
    err = err or sys.stderr
    Config().with_cli(select=args.select)  # validates the codes (ConfigError -> exit 2)
    # The verifying re-analysis runs every configured rule: --select narrows what is fixed, not what is
    # checked, so a fix cannot hide that it creates another rule's finding.
    workspace = load_workspace(args.paths or ["."], config_file=args.config, no_config=args.no_config,
                               ignore=args.ignore)
    safeties = {FixSafety.SAFE} | ({FixSafety.GATED} if args.unsafe_fixes else set())
    result = apply_fixes(workspace.sources(), safeties, workspace.config, select=args.select,
                         only=set(workspace.python))
    if args.diff:
        for path in sorted(result.changed):
            out.write(unified_diff(path, workspace.python[path], result.changed[path]))
        _summary(result, args.unsafe_fixes, err, dry_run=True)
        return EXIT_CHANGES if result.changed else EXIT_OK
    failed = False
    for path in sorted(result.changed):
        try:
            write_atomically(workspace.root / path, result.changed[path], expected=workspace.python[path])
        except (OSError, FileChangedError) as exc:
            failed = True
            err.write(f"{path}: not written: {exc}\n")
    _summary(result, args.unsafe_fixes, out, dry_run=False)
    return EXIT_ERROR if failed else EXIT_OK


def _summary(result: FixResult, unsafe: bool, stream: TextIO, *, dry_run: bool) -> None:
    verb = "Would fix" if dry_run else "Fixed"
    for finding in result.applied:
        stream.write(f"{_where(finding)}: {finding.code} {verb.lower()}: {finding.fix.description if finding.fix else ''}\n")
    for finding, reason in result.withheld:
        stream.write(f"{_where(finding)}: {finding.code} fix withheld: {reason}\n")
    files = len(result.changed)
    line = f"{verb} {len(result.applied)} finding{'s' * (len(result.applied) != 1)} in {files} file{'s' * (files != 1)}"
    if result.withheld:
        line += f" ({len(result.withheld)} fix{'es' * (len(result.withheld) != 1)} withheld)"
    stream.write(line + ".\n")
    if not unsafe and result.gated_available:
        stream.write(f"{result.gated_available} more fix{'es' * (result.gated_available != 1)} available with "
                     "--unsafe-fixes (gated: correct only when the rule's preconditions hold).\n")


def _where(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.col}"


def unified_diff(path: str, old: bytes, new: bytes) -> str:
    """A unified diff of two versions of a file, decoded the way Python decodes the file."""
    from hybridize_bot.analysis.fixes.document import CannotFix, Document

    def text(data: bytes) -> str:
        try:
            doc = Document.from_bytes(path, data)
            return doc.text
        except CannotFix:
            return data.decode("utf-8", errors="replace")

    old_lines = text(old).splitlines(keepends=True)
    new_lines = text(new).splitlines(keepends=True)
    lines = difflib.unified_diff(old_lines, new_lines, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


class FileChangedError(Exception):
    """The file changed on disk between reading and writing; it is left alone."""


def write_atomically(path: Path, data: bytes, expected: bytes | None = None) -> None:
    """Replace a file's content atomically: readers see the old or the new file, never half of one.

    The temporary file is created in the same directory (`os.replace` is atomic only within one file
    system) and given the original's permission bits; a symlink is followed so the link stays a link.
    """
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode)
    if expected is not None and target.read_bytes() != expected:
        raise FileChangedError("it changed on disk while the fixes were computed")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".hybridize-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
