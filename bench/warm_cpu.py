"""CPU of a warm "function appended" run, whole processes, this tree against a git ref in alternating rounds.

    python -m bench.warm_cpu [--ref main] [--rounds 7] [PROJECT_DIR] [--touch PATH]

Two processes are measured, each from interpreter start to exit (CPU = user + system of the child, from
`getrusage(RUSAGE_CHILDREN)`, which other processes' load does not add to; wall beside it):

* phase: bench/analysis_speed.py's "add" phase child (reads the project's files, imports the analysis,
  `analyze_sources` with the cache; its own "seconds" is the wall time of imports plus analysis, the
  number issue 11 states its goal in);
* cli:   `python -m hybridize_bot.cli.main check -q --cache-dir DIR .` in a copy of the project, what a
  user's warm re-run costs (argument parsing, walking and reading the files, the analysis, the report).

Each side fills its own cache once (a side may store another snapshot layout), from the project before
the edit; every round copies that cache, appends a function to PATH and runs both processes, this tree
and the ref alternating which goes first. The ref runs from a `git archive`, byte-compiled
(bench/baseline_ref.py); compile this tree too (`python -m compileall -q analysis cli bot bench`) when
the environment sets PYTHONDONTWRITEBYTECODE. Prints the medians (and every round) per side and the load
average before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.baseline_ref import ref_environment

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PROJECT = Path.home() / ".cache" / "hybridize-corpus" / "src" / "tf_models_official"
DEFAULT_TOUCH = "official/vision/modeling/backbones/resnet.py"
ADDED = b"\n\ndef _added_by_bench(x):\n    return x + 1\n"  # bench/analysis_speed.py's


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """(CPU seconds, wall seconds, stdout) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: `check` found something
        raise RuntimeError(f"{cmd} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall, done.stdout


class Side:
    """One code version: its environment and its filled caches."""

    def __init__(self, name: str, env: dict[str, str], work: Path, project: Path, copy: Path) -> None:
        self.name, self.env, self.work, self.project, self.copy = name, env, work, project, copy
        self.rows: list[dict[str, float]] = []
        self.outputs: set[str] = set()

    def fill(self) -> None:
        speed = str(REPO / "bench" / "analysis_speed.py")
        subprocess.run([sys.executable, speed, str(self.project), "--phase", "analyze", "--cache-dir",
                        str(self.work / "phase-filled")], env=self.env, check=True, capture_output=True)
        timed([sys.executable, "-m", "hybridize_bot.cli.main", "check", "-q", "--cache-dir",
               str(self.work / "cli-filled"), "."], self.env, self.copy)

    def round(self, touch: str) -> None:
        speed = str(REPO / "bench" / "analysis_speed.py")
        row: dict[str, float] = {}
        for kind in ("phase", "cli"):
            fresh = self.work / f"{kind}-round"
            shutil.rmtree(fresh, ignore_errors=True)
            shutil.copytree(self.work / f"{kind}-filled", fresh)
            if kind == "phase":
                cmd = [sys.executable, speed, str(self.project), "--phase", "analyze", "--cache-dir", str(fresh),
                       "--touch", touch, "--add"]
                cpu, wall, out = timed(cmd, self.env, REPO)
                row["phase seconds"] = json.loads(out.strip().splitlines()[-1])["seconds"]
            else:
                cmd = [sys.executable, "-m", "hybridize_bot.cli.main", "check", "-q", "--cache-dir", str(fresh), "."]
                cpu, wall, out = timed(cmd, self.env, self.copy)
                self.outputs.add(out)
            row[f"{kind} CPU"], row[f"{kind} wall"] = cpu, wall
            shutil.rmtree(fresh)
        self.rows.append(row)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?", default=str(DEFAULT_PROJECT))
    parser.add_argument("--touch", default=DEFAULT_TOUCH)
    parser.add_argument("--ref", default="main")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    project = Path(args.project)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hybridize-warmcpu-") as tmp, ref_environment(args.ref) as ref_env:
        copy = Path(tmp) / "project"
        shutil.copytree(project, copy)
        sides = []
        for name, env in (("this tree", dict(os.environ)), (args.ref, ref_env)):
            work = Path(tmp) / f"side-{len(sides)}"
            work.mkdir()
            sides.append(Side(name, env, work, project, copy))
            sides[-1].fill()
        with open(copy / args.touch, "ab") as handle:  # the CLI's edit; the phase child makes its own
            handle.write(ADDED)
        for i in range(max(1, args.rounds)):
            for side in sides if i % 2 == 0 else sides[::-1]:
                side.round(args.touch)
    load_after = os.getloadavg()
    print(f"{project.name}: a function appended to {args.touch}; {args.rounds} alternating rounds; load average "
          f"{load_before[0]:.2f} / {load_before[1]:.2f} -> {load_after[0]:.2f} / {load_after[1]:.2f}")
    for side in sides:
        print(f"{side.name}:")
        for key in ("phase CPU", "phase wall", "phase seconds", "cli CPU", "cli wall"):
            values = sorted(row[key] for row in side.rows)
            print(f"  {key:14s} median {statistics.median(values) * 1000:6.0f} ms   "
                  f"[{', '.join(f'{v * 1000:.0f}' for v in values)}]")
    same = sides[0].outputs == sides[1].outputs and len(sides[0].outputs) == 1
    print(f"the CLI's findings: {'the same on both sides' if same else 'DIFFERENT'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
