"""`python -m bench.precision.jax_sites`: the recall yardstick of the JAX rules (issue 14).

The JAX (HYB1xx) rules report next to nothing on real JAX code. That means something only if they
looked at the compiled code and it had nothing to find. So: a seeded sample of the compiled sites the
study counts (`SITES` spellings in the JAX code bases of `bench/precision/jax_torch.py`), and for each
whether the analyzer inspects it (takes what it compiles for a root of its module, as
analysis/rules/_compiled.py does) and, judged by hand, whether the compiled code has a hazard a HYB1xx
rule covers. The table is `bench/precision/jax_sites.csv` (bench/precision/site_verdicts.py); hand
verdicts of sites still drawn are kept when it is rewritten.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.project import Project
from hybridize_bot.analysis.rules._compiled import compiled_roots
from hybridize_bot.analysis.rules.base import ModuleContext
from hybridize_bot.analysis.source import ParseFailure, parse
from hybridize_bot.analysis.summary import build_summary, module_name_for

from bench.precision.jax_torch import CODE_BASES, ensure_code_bases, site_lines
from bench.precision.site_verdicts import SITES_TABLE, SiteVerdict, load_sites, save_sites, site_counts

SEED = 20261207
SAMPLE = 40


def population(roots: dict[str, Path]) -> list[str]:
    """Every JAX compiled site as `codebase:path:line` (a line with two spellings counts once)."""
    out: set[str] = set()
    for c in CODE_BASES:
        if c.framework == "jax":
            name = c.code_base.name
            out.update(f"{name}:{path}:{line}" for path, line in site_lines(roots[name], "jax"))
    return sorted(out)


def draw(sites: list[str], n: int = SAMPLE, seed: int = SEED) -> list[str]:
    return sorted(random.Random(seed).sample(sites, min(n, len(sites))))


def inspected(root: Path, path: str, line: int) -> bool:
    """Whether the analyzer takes the function compiled at `path:line` for a JAX root of its module."""
    parsed = parse(path, (root / path).read_bytes())
    if isinstance(parsed, ParseFailure):
        return False
    summary = build_summary(parsed, module_name_for(path)[0])
    ctx = ModuleContext(Project([summary]), summary, Config())
    return any(r.framework == "jax" and getattr(r.site, "lineno", None) == line for r in compiled_roots(ctx))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.precision.jax_sites", description=__doc__.splitlines()[0])
    parser.add_argument("--context", type=int, default=0, metavar="N",
                        help="print N source lines after each site not judged yet (for judging)")
    args = parser.parse_args(argv)
    roots = ensure_code_bases()
    everything = population(roots)
    judged = {r.site: r for r in load_sites()}
    rows = []
    for site in draw(everything):
        codebase, path, line = site.rsplit(":", 2)
        old = judged.get(site)
        rows.append(SiteVerdict(site, inspected(roots[codebase], path, int(line)),
                                old.hazard if old else "", old.reason if old else ""))
    save_sites(rows)
    print(f"{len(everything)} JAX compiled sites; sample of {len(rows)} (seed {SEED}) in {SITES_TABLE.name}")
    print(site_counts(rows))
    if args.context:
        for r in rows:
            if not r.hazard:
                codebase, path, line = r.site.rsplit(":", 2)
                lines = (roots[codebase] / path).read_text(encoding="utf-8", errors="replace").splitlines()
                lo = int(line)
                print(f"\n=== {r.site} inspected={r.inspected}")
                print("\n".join(f"{n:6} {lines[n - 1]}" for n in range(lo, min(len(lines), lo + args.context) + 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
