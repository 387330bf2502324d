"""The JAX recall yardstick's table, `bench/precision/jax_sites.csv`: a seeded sample of compiled sites.

Written by `python -m bench.precision.jax_sites` (which draws the sample and fills the `inspected`
column) and judged by hand (`hazard`, `reason`); read by `python -m bench.precision.jax_torch`, whose
section of docs/precision.md reports the counts. Where the rules report nothing, these say whether
that is because they did not look (a site the analyzer does not inspect) or because there was nothing
to find (a site without a hazard the HYB1xx rules cover).

Columns: site (`codebase:path:line`), inspected (`yes` when the analyzer takes the function the site
compiles for a root of its module), hazard (`yes`/`no`, by hand: the compiled code has a hazard one of
the HYB1xx rules covers; empty until judged), reason (one line).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SITES_TABLE = Path(__file__).with_name("jax_sites.csv")
COLUMNS = ("site", "inspected", "hazard", "reason")


@dataclass(frozen=True)
class SiteVerdict:
    site: str
    inspected: bool
    hazard: str  # "yes", "no", or "" (not judged yet)
    reason: str


def load_sites(table: Path = SITES_TABLE) -> list[SiteVerdict]:
    if not table.exists():
        return []
    with table.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for number, row in enumerate(rows, start=2):
        if row["inspected"] not in ("yes", "no") or row["hazard"] not in ("yes", "no", ""):
            raise ValueError(f"{table.name}:{number}: inspected must be yes/no and hazard yes/no/empty")
    return [SiteVerdict(r["site"], r["inspected"] == "yes", r["hazard"], r["reason"]) for r in rows]


def save_sites(rows: list[SiteVerdict], table: Path = SITES_TABLE) -> None:
    with table.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([r.site, "yes" if r.inspected else "no", r.hazard, r.reason])


def site_counts(rows: list[SiteVerdict]) -> str:
    """One markdown table row per count, for the docs section."""
    inspected = [r for r in rows if r.inspected]
    judged = [r for r in rows if r.hazard]
    hazards = [r for r in judged if r.hazard == "yes"]
    return "\n".join([
        "| sampled sites | inspected by the analyzer | judged | with a hazard the HYB1xx rules cover | "
        "of those, inspected |",
        "| --- | --- | --- | --- | --- |",
        f"| {len(rows)} | {len(inspected)} | {len(judged)} | {len(hazards)} | "
        f"{sum(1 for r in hazards if r.inspected)} |",
    ])
