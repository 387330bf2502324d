"""What computing one follow-up pull request costs: libcst parses, analyses and wall time.

The generated ~50,000-line repository of bench/pr_latency.py with its 20-file pull request (each
changed file gains a deprecated `experimental_relax_shapes`, a `print` in a `tf.function` and a
`tf.Variable` created in one). The analysis cache is first filled the way the review fills it
(`--review full`: main's review analyzes the whole head; `--review scoped`: only the PR's files), then `bot.followup.compute.compute_fix_plan` runs for the pull request's files,
as the follow-up sync does, and is measured:

  * libcst parses: calls of `libcst.parse_module` (each fixer run on a fresh document parses once);
  * analyses: calls of the analysis entry point the follow-up computation makes;
  * wall time of `compute_fix_plan` (median of `--runs`, each on a fresh copy of the warm cache).

Baseline in the same run: the same measurement of another checkout's code (`--baseline-ref`, default
`main`), exported with `git archive` and run in a subprocess that imports `hybridize_bot` from it, so
the ratio compares the two code paths under the same machine load.

    python -m bench.followup_plan [--runs 3] [--safeties safe|gated] [--review full|scoped] [--baseline-ref main] [--write]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.baseline_ref import run_on_ref

ROOT = Path(__file__).resolve().parents[1]


def measure(runs: int, safeties: str, files: int, changed: int, review: str = "full") -> dict:
    """Measure the `hybridize_bot` this process imports (the working tree's, or the baseline's)."""
    import libcst

    import hybridize_bot.bot.followup.compute as compute
    from hybridize_bot.analysis import analyze_sources, load_pyproject_bytes
    from hybridize_bot.analysis.cache import AnalysisCache

    from bench.pr_latency import pr_change, repository

    base = repository(files)
    head = {**base, **pr_change(base, files, changed, rev=1)}
    paths = sorted(pr_change(base, files, changed, rev=1))
    config = load_pyproject_bytes(head["pyproject.toml"])
    wanted = sorted(compute.safeties_for(safeties, include_gated=False))

    counts = {"parses": 0, "analyses": 0}
    real_parse, real_analyze = libcst.parse_module, compute.analyze_sources

    def counting_parse(*args, **kwargs):
        counts["parses"] += 1
        return real_parse(*args, **kwargs)

    def counting_analyze(*args, **kwargs):
        counts["analyses"] += 1
        return real_analyze(*args, **kwargs)

    times, plan = [], None
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm"
        # What the review leaves behind: main's review analyzes the whole head; a scoped review checks
        # only the pull request's files (`changed=`), and leaves no whole-project snapshot in the cache.
        analyze_sources(head, config, cache=AnalysisCache(str(warm)), **({"changed": set(paths)} if review == "scoped" else {}))
        for run in range(runs):
            cache_dir = Path(tmp) / f"run{run}"
            shutil.copytree(warm, cache_dir)
            counts.update(parses=0, analyses=0)
            libcst.parse_module, compute.analyze_sources = counting_parse, counting_analyze
            try:
                started = time.perf_counter()
                plan = compute.compute_fix_plan(head, config, wanted, paths, str(cache_dir))
                times.append(time.perf_counter() - started)
            finally:
                libcst.parse_module, compute.analyze_sources = real_parse, real_analyze
    assert plan is not None
    return {"times": times, "parses": counts["parses"], "analyses": counts["analyses"],
            "files": len(plan.changed), "fixes": len(plan.entries), "commits": max(len(plan.steps), 1),
            "kinds": plan.codes, "key": plan.key, "steps": _steps_key(plan),
            "lines": sum(d.count(b"\n") for d in head.values()), "modules": len(head)}


def _steps_key(plan) -> str:
    """Identity of the commits: each step's code and the fixes key of its files."""
    from hybridize_bot.bot.followup.compute import fixes_key

    return "|".join(f"{step.code}:{fixes_key({}, step.changed)}" for step in plan.steps)


def measure_baseline(ref: str, args: argparse.Namespace) -> dict:
    """`measure` in a subprocess importing `hybridize_bot` from `ref`'s tree (bench/ stays this one's)."""
    out = run_on_ref(ref, "bench.followup_plan", [
        "--measure-only", "--runs", str(args.runs), "--safeties", args.safeties, "--files", str(args.files),
        "--changed", str(args.changed), "--review", args.review])
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--safeties", choices=["safe", "gated"], default="safe", help="the autofix level")
    parser.add_argument("--files", type=int, default=460)
    parser.add_argument("--changed", type=int, default=20)
    parser.add_argument("--review", choices=["full", "scoped"], default="full",
                        help="how the review filled the analysis cache before the follow-up is computed")
    parser.add_argument("--baseline-ref", default="main", help="git ref measured as the baseline ('' for none)")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args(argv)
    if args.measure_only:
        print(json.dumps(measure(args.runs, args.safeties, args.files, args.changed, args.review)))
        return 0

    rows = []
    if args.baseline_ref:
        rows.append((f"baseline: `{args.baseline_ref}`", measure_baseline(args.baseline_ref, args)))
    here = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    rows.append((f"this tree ({here})", measure(args.runs, args.safeties, args.files, args.changed, args.review)))
    load = os.getloadavg()
    last = rows[-1][1]
    lines = [
        f"Command: `python -m bench.followup_plan --runs {args.runs} --safeties {args.safeties} --review {args.review}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; under load: load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs). Repository: {last['modules']} files, "
        f"{last['lines']:,} lines; pull request: {args.changed} files; the follow-up: {last['fixes']} fixes in "
        f"{last['files']} files, {last['commits']} commits ({', '.join(last['kinds'])}).",
        "",
        "| code | libcst parses | analyses | median wall (s) | min (s) | max (s) | same files and commits |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for label, r in rows:
        lines.append(f"| {label} | {r['parses']} | {r['analyses']} | {statistics.median(r['times']):.2f} | "
                     f"{min(r['times']):.2f} | {max(r['times']):.2f} | {'yes' if (r['key'], r['steps']) == (last['key'], last['steps']) else 'NO'} |")
    if len(rows) == 2:
        b, n = rows[0][1], rows[1][1]
        lines.append(f"| ratio this / baseline | {n['parses'] / max(b['parses'], 1):.2f} | "
                     f"{n['analyses'] / max(b['analyses'], 1):.2f} | "
                     f"{statistics.median(n['times']) / statistics.median(b['times']):.2f} | | | |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        path = ROOT / "bench" / "RESULTS.md"
        path.write_text(path.read_text().rstrip("\n") + f"\n\n## Computing one follow-up pull request (issue 13; autofix = {args.safeties}, {args.review} review)\n\n"
                        + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
