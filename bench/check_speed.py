"""`hybridize check` on the 1.3M-line corpus versus a bare `ast.parse` of the same files (issue 2).

Both sides are whole commands in fresh processes, alternated round by round so machine noise hits both:

- baseline: `python -c` that reads every .py file of the corpus and runs `ast.parse` on it (trees
  discarded, GC on: what any per-file Python linter pays at least);
- ours: `hybridize check <corpus> --no-cache --format json -o /dev/null` (discovery, reading, the
  whole-repository analysis, every rule, output), without the cache, i.e. a cold run.

    python bench/check_speed.py [--rounds 3] [--src DIR]

`--src DIR`: measure another tree of Python files instead of the corpus (e.g. JAX and PyTorch code
bases of the precision study, issue 14).

Prints the medians, the ratio of medians, lines per second and peak memory (ru_maxrss of the child
processes, which includes the analysis' worker processes).
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import ensure_corpus  # noqa: E402

BASELINE = """
import ast, pathlib, sys
for p in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    try:
        ast.parse(p.read_bytes())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
"""


def _timed(cmd: list[str]) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--src", type=Path, help="the tree to measure (default: the corpus, downloaded if missing)")
    args = parser.parse_args()
    src = args.src or ensure_corpus()
    files = sorted(src.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    base_cmd = [sys.executable, "-c", BASELINE, str(src)]
    ours_cmd = [sys.executable, "-m", "hybridize_bot.cli.main", "check", str(src), "--no-config", "--no-cache",
                "--format", "json", "-o", "/dev/null"]
    base_times, ours_times = [], []
    peak_kib = 0
    for i in range(args.rounds):
        t, _ = _timed(base_cmd)
        base_times.append(t)
        t, peak_kib = _timed(ours_cmd)
        ours_times.append(t)
        print(f"round {i + 1}: bare parse {base_times[-1]:.2f} s, hybridize check {ours_times[-1]:.2f} s "
              f"({ours_times[-1] / base_times[-1]:.2f}x)", flush=True)
    b, o = statistics.median(base_times), statistics.median(ours_times)
    print(f"corpus: {len(files)} files, {lines} lines")
    print(f"median bare parse {b:.2f} s ({lines / b:,.0f} lines/s); median hybridize check {o:.2f} s "
          f"({lines / o:,.0f} lines/s); ratio {o / b:.2f}x; peak RSS of a child {peak_kib / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
