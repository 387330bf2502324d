"""First runs of a baseline revision and of this tree, interleaved in one run: wall and CPU per phase.

    mkdir -p BASE/hybridize_bot && git archive REV analysis cli bot | tar -x -C BASE/hybridize_bot
    python bench/before_after.py CORPUS_PROJECT --baseline BASE [--rounds 3]

Each round runs a bare parse, then for the baseline and for this tree a first run with an empty cache
and a no-cache run, each phase in its own process (`bench/analysis_speed.py --phase`); the baseline's
packages come first on PYTHONPATH. CPU is user + system time of the phase's process and its workers:
on a shared machine it moves far less with the load than the wall time. Prints the medians.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEED = Path(__file__).resolve().parent / "analysis_speed.py"


def run(root: str, args: list[str], pythonpath: str) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=pythonpath)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, str(SPEED), root, *args], check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", help="a project directory (e.g. a corpus project)")
    parser.add_argument("--baseline", required=True, help="a directory holding the baseline's hybridize_bot/")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows: dict[str, list[tuple[float, float]]] = {}

    def record(name: str, measured: tuple[float, float]) -> None:
        rows.setdefault(name, []).append(measured)
        print(f"{name:16s} wall {measured[0]:7.2f} cpu {measured[1]:7.2f}", flush=True)

    for i in range(args.rounds):
        print(f"round {i + 1} load {os.getloadavg()}", flush=True)
        record("parse", run(args.root, ["--phase", "parse"], ""))
        for name, pythonpath in (("baseline", str(Path(args.baseline).resolve())), ("this tree", "")):
            with tempfile.TemporaryDirectory(prefix="hybridize-bench-") as cache_dir:
                record(f"{name} fill", run(args.root, ["--phase", "analyze", "--cache-dir", cache_dir], pythonpath))
            record(f"{name} no cache", run(args.root, ["--phase", "analyze"], pythonpath))
    print("medians (wall s, CPU s):")
    for name, values in rows.items():
        print(f"{name:16s} {statistics.median(v[0] for v in values):7.2f} {statistics.median(v[1] for v in values):7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
