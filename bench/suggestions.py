"""Review suggestions: one `suggestion_for` per finding vs one `suggestions_for` batch (issue 13).

The generated ~50,000-line repository of bench/pr_latency.py with its 20-file pull request (each changed
file gains a deprecated `experimental_relax_shapes`, a `print` in a `tf.function` and a `tf.Variable`
created in one). The head is analyzed once (not timed); then two sets of findings get their one-click
suggestions:

  * inline: the findings the review comments on inline (new findings, worst first, up to the default
    `max_inline_comments`), as `bot/pulls/job.py` asks for them;
  * all: every finding with a fix in the changed files (several per file, of three rules).

For each set: wall time per finding (`suggestion_for` in a loop, a fresh `Document` each) and as one
batch (`suggestions_for`, one `Document` per file), median of `--rounds`; libcst parses counted by
patching `libcst.parse_module`. Baseline in the same run: the same per-finding loop on another
checkout's code (`--baseline-ref`, default `main`; bench/baseline_ref.py), so the ratios compare code
paths under the same machine load.

    python -m bench.suggestions [--rounds 5] [--baseline-ref main] [--write]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.baseline_ref import run_on_ref
from bench.pr_latency import pr_change, repository, write_section

ROOT = Path(__file__).resolve().parents[1]


def _digest(replacements: list) -> str:
    return hashlib.sha256(repr(replacements).encode()).hexdigest()[:12]


def measure(rounds: int, files: int, changed: int) -> dict:
    """Measure the `hybridize_bot` this process imports (this tree's, or the baseline's)."""
    import libcst

    from hybridize_bot.analysis import analyze_sources
    from hybridize_bot.analysis.bot_options import DEFAULT_MAX_INLINE_COMMENTS
    from hybridize_bot.analysis import fixes

    base = repository(files)
    change = pr_change(base, files, changed, rev=1)
    head = {**base, **change}
    findings = analyze_sources(head).findings
    fixable = [f for f in findings if f.path in change and f.fix is not None]
    new = [f for f in fixable if f.line > base[f.path].count(b"\n")]
    sets = {
        "inline": sorted(new, key=lambda f: (-f.severity.rank, f.sort_key()))[:DEFAULT_MAX_INLINE_COMMENTS],
        "all": fixable,
    }
    parses = [0]
    real_parse = libcst.parse_module

    def counting_parse(*args, **kwargs):  # type: ignore[no-untyped-def]
        parses[0] += 1
        return real_parse(*args, **kwargs)

    libcst.parse_module = counting_parse
    modes = {"per finding": lambda fs: [fixes.suggestion_for(f, head[f.path]) for f in fs]}
    if hasattr(fixes, "suggestions_for"):
        modes["batch"] = lambda fs: fixes.suggestions_for(fs, head)
    out: dict = {"lines": sum(d.count(b"\n") for d in head.values()), "modules": len(head), "sets": {}}
    try:
        for name, chosen in sets.items():
            rows = {}
            for mode, run in modes.items():
                times = []
                for _ in range(rounds):
                    parses[0] = 0
                    started = time.perf_counter()
                    result = run(chosen)
                    times.append(time.perf_counter() - started)
                rows[mode] = {"times": times, "parses": parses[0], "digest": _digest(result),
                              "suggested": sum(r is not None for r in result)}
            out["sets"][name] = {"findings": len(chosen), "files": len({f.path for f in chosen}),
                                 "codes": sorted({f.code for f in chosen}), "modes": rows}
    finally:
        libcst.parse_module = real_parse
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--files", type=int, default=460)
    parser.add_argument("--changed", type=int, default=20)
    parser.add_argument("--baseline-ref", default="main", help="git ref measured as the baseline ('' for none)")
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--write", action="store_true", help="add/replace the section in bench/RESULTS.md")
    args = parser.parse_args(argv)
    if args.measure_only:
        print(json.dumps(measure(args.rounds, args.files, args.changed)))
        return 0

    trees = []
    if args.baseline_ref:
        out = run_on_ref(args.baseline_ref, "bench.suggestions", [
            "--measure-only", "--rounds", str(args.rounds), "--files", str(args.files), "--changed", str(args.changed)])
        trees.append((f"`{args.baseline_ref}`", json.loads(out.strip().splitlines()[-1])))
    here = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip()
    trees.append((f"this tree ({here})", measure(args.rounds, args.files, args.changed)))
    load = os.getloadavg()
    last = trees[-1][1]
    lines = [
        "## Review suggestions: per finding vs one batch (issue 13)",
        "",
        f"Command: `python -m bench.suggestions --rounds {args.rounds}"
        f"{'' if args.baseline_ref == 'main' else f' --baseline-ref {args.baseline_ref!r}'} --write` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; under load: load average "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs; median of {args.rounds} rounds). "
        f"Repository: {last['modules']} files, {last['lines']:,} lines; pull request: {args.changed} files. "
        "Same replacements: the digest of the list of replacements equals this tree's per-finding one.",
        "",
        "| findings | code | mode | median (s) | min (s) | per finding (ms) | libcst parses | suggestions | same replacements | ratio to baseline per finding |",
        "|---|---|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, info in last["sets"].items():
        reference = info["modes"]["per finding"]["digest"]
        baseline = statistics.median(trees[0][1]["sets"][name]["modes"]["per finding"]["times"])
        label = f"{name}: {info['findings']} in {info['files']} files ({', '.join(info['codes'])})"
        for tree, measured in trees:
            for mode, r in measured["sets"][name]["modes"].items():
                median = statistics.median(r["times"])
                lines.append(
                    f"| {label} | {tree} | {mode} | {median:.3f} | {min(r['times']):.3f} | "
                    f"{1000 * median / max(info['findings'], 1):.1f} | {r['parses']} | {r['suggested']} | "
                    f"{'yes' if r['digest'] == reference else 'NO'} | {median / baseline:.2f} |")
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(ROOT / "bench" / "RESULTS.md", lines[0], text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
