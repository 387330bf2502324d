"""The checked-in table of hand verdicts, `bench/precision/verdicts.csv`: one row per judged finding.

Columns: key (see findings.line_key), rule, codebase, path, line (at judging time), verdict
(`true`, `false` or `debatable`), fixed (for a false alarm: `yes` once an analyzer stopped reporting it;
from then on its return is a regression), reason (one line).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

TABLE = Path(__file__).with_name("verdicts.csv")
COLUMNS = ("key", "rule", "codebase", "path", "line", "verdict", "fixed", "reason")
VERDICTS = ("true", "false", "debatable")


@dataclass(frozen=True)
class Verdict:
    key: str
    rule: str
    codebase: str
    path: str
    line: int
    verdict: str
    fixed: bool
    reason: str


def load_verdicts(table: Path = TABLE) -> dict[str, Verdict]:
    if not table.exists():
        return {}
    out: dict[str, Verdict] = {}
    with table.open(newline="", encoding="utf-8") as fh:
        for number, row in enumerate(csv.DictReader(fh), start=2):
            if row["verdict"] not in VERDICTS:
                raise ValueError(f"{table.name}:{number}: verdict {row['verdict']!r} is not one of {VERDICTS}")
            if row["key"] in out:
                raise ValueError(f"{table.name}:{number}: {row['key']} is judged twice")
            out[row["key"]] = Verdict(row["key"], row["rule"], row["codebase"], row["path"], int(row["line"]),
                                      row["verdict"], row["fixed"] == "yes", row["reason"])
    return out


def save_verdicts(verdicts: dict[str, Verdict], table: Path = TABLE) -> None:
    with table.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for v in sorted(verdicts.values(), key=lambda v: (v.rule, v.codebase, v.path, v.line, v.key)):
            writer.writerow((v.key, v.rule, v.codebase, v.path, v.line, v.verdict, "yes" if v.fixed else "", v.reason))


def mark_fixed(verdicts: dict[str, Verdict], reported: set[str]) -> dict[str, Verdict]:
    """Mark every false alarm that is no longer reported as fixed (a later return then fails the study)."""
    return {k: replace(v, fixed=True) if v.verdict == "false" and k not in reported else v
            for k, v in verdicts.items()}
