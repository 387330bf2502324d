"""What every output format renders: the `Report` of a run, and what they all print about the tool."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hybridize_bot.analysis.model import Finding, Note

TOOL_NAME = "hybridize"
PACKAGE_NAME = "hybridize-bot"


@dataclass
class Report:
    """What a `check` run found, ready to be rendered."""

    root: Path
    findings: list[Finding]
    notes: list[Note] = field(default_factory=list)
    files: int = 0
    lines: int = 0


@lru_cache(maxsize=1)
def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE_NAME)
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"


def by_code(findings: list[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return dict(sorted(counts.items()))
