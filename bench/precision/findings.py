"""Run an analyzer on one code base and key its findings so that hand verdicts survive analyzer changes.

The analyzer is a command (the installed `hybridize` by default, or another checkout's, e.g. a sibling
worktree's virtualenv) run as `CMD check --format json --no-config --no-cache -q .` inside the code base,
so each code base is one project root with the default configuration. `--no-cache`: two analyzers of
the same version but different code would otherwise share cached findings.
"""
from __future__ import annotations

import hashlib
import json
import shlex
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

DEFAULT_ANALYZER = (sys.executable, "-m", "hybridize_bot.cli.main")


@dataclass(frozen=True)
class StudyFinding:
    codebase: str
    path: str
    code: str
    severity: str
    line: int
    symbol: str
    message: str
    call_path: tuple[str, ...]
    key: str


def analyzer_command(spec: str | None) -> tuple[str, ...]:
    return tuple(shlex.split(spec)) if spec else DEFAULT_ANALYZER


def run_analyzer(root: Path, analyzer: Sequence[str], select: str | None = None) -> dict:
    """The JSON report of `analyzer` on the project at `root` (exit 0 and 1 both mean it ran).

    `select`: only these rule codes or prefixes (`--select`), for a study of some rules alone.
    """
    only = ["--select", select] if select else []
    proc = subprocess.run([*analyzer, "check", "--format", "json", "--no-config", "--no-cache", "-q", *only, "."],
                          cwd=root, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{shlex.join(analyzer)} failed on {root} (exit {proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout)


def line_key(codebase: str, path: str, code: str, symbol: str, line_text: str, occurrence: int) -> str:
    """`codebase:path:code:hash`, the hash over the enclosing symbol and the finding's first source line.

    Not the analyzer's own fingerprint: that hashes the reported range, which a changed rule may widen or
    narrow; the source line of the finding only changes when the judged code changes.
    """
    text = " ".join(line_text.split())
    digest = hashlib.sha256(f"{symbol}\x1f{text}\x1f{occurrence}".encode()).hexdigest()[:12]
    return f"{codebase}:{path}:{code}:{digest}"


def study_findings(codebase: str, root: Path, report: dict) -> list[StudyFinding]:
    """The report's findings with their keys (identical lines in one symbol are numbered in line order)."""
    lines_of: dict[str, list[str]] = {}
    seen: Counter[tuple[str, str, str, str]] = Counter()
    out = []
    for f in sorted(report["findings"], key=lambda f: (f["path"], f["location"]["line"], f["location"]["column"], f["code"])):
        if f["path"] not in lines_of:
            lines_of[f["path"]] = (root / f["path"]).read_text(encoding="utf-8", errors="replace").splitlines()
        source = lines_of[f["path"]]
        line = f["location"]["line"]
        text = source[line - 1] if 0 < line <= len(source) else ""
        ident = (f["path"], f["code"], f["symbol"], " ".join(text.split()))
        occurrence = seen[ident]
        seen[ident] += 1
        out.append(StudyFinding(codebase, f["path"], f["code"], f["severity"], line, f["symbol"], f["message"],
                                tuple(f.get("call_path") or ()),
                                line_key(codebase, f["path"], f["code"], f["symbol"], text, occurrence)))
    return out
