"""Analysis speed: cold full analysis vs bare `ast.parse`, and warm re-analysis after touching one file.

    python bench/analysis_speed.py [CORPUS_DIR] [--warm-project tf_models_official] [--touch PATH]

CORPUS_DIR defaults to ~/.cache/hybridize-corpus/src (four PyPI wheels unpacked; never copied into
the repository). Every phase runs in its own process so that its peak memory (ru_maxrss) is its own:

* parse:  bare `ast.parse` of every file, trees discarded, GC on (the baseline);
* cold:   `analyze_sources` over the whole corpus, no cache (worker processes as `jobs_for` decides);
* cold-1-process: the same with HYBRIDIZE_JOBS=1;
* fill:   the same with an empty on-disk cache (what a first cached run costs);
* warm:   the same again with the cache filled and nothing changed;
* touch:  the warm project with one file changed (a comment appended: no facts change), cache filled;
* edit:   the warm project with a line inserted at the top of the same file (its facts change);
* add:    the warm project with a function appended to the same file (new facts: the whole-repository
          facts are recomputed from the cached module facts; only dependent modules are re-checked).

`--warm-only` skips the whole-corpus phases (parse, cold, cold-1-process). `--rounds N` runs the warm
phases (warm, touch, edit, add) N times, each round on a fresh copy of the filled cache, and reports
each phase's median.
The script measures whatever `hybridize_bot` the interpreter imports, so another checkout's virtual
environment running this file measures that checkout's code (a baseline in the same session).

`--first-runs N` measures only the first runs over the whole corpus, N rounds of (parse, fill, cold), each
phase in its own process, and prints the medians, the ratios of the medians to the parse, the CPU seconds
(user + system, worker processes included) and the load average before and after:

    python bench/analysis_speed.py --first-runs 3

Ratios are computed between phases of the same run, on the same machine.
"""
from __future__ import annotations

import argparse
import ast
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path.home() / ".cache" / "hybridize-corpus" / "src"  # bench/corpus.py's default


def read_tree(root: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def phase(name: str, root: Path, cache_dir: str | None, touch: str | None, edit: bool = False,
          add: bool = False) -> dict:
    sys.path.insert(0, str(REPO))
    files = read_tree(root)
    lines = sum(d.count(b"\n") for d in files.values())
    if touch and add:
        files[touch] = files[touch] + b"\n\ndef _added_by_bench(x):\n    return x + 1\n"
    elif touch and edit:
        # A line at the top shifts every line of the module: its facts change (only their lines), so the
        # project snapshot's lines are patched (analysis/facts/incremental.py) and dependent modules are
        # re-checked.
        files[touch] = b"# edited by bench/analysis_speed.py\n" + files[touch]
    elif touch:
        # A trailing comment changes no facts: the project snapshot is reused.
        files[touch] = files[touch] + b"\n# touched by bench/analysis_speed.py\n"
    start = time.perf_counter()
    stats = None
    if name == "parse":
        warnings.simplefilter("ignore")
        for data in files.values():
            try:
                ast.parse(data)
            except (SyntaxError, ValueError):
                pass
    else:
        from hybridize_bot.analysis.cache import AnalysisCache
        from hybridize_bot.analysis import analyze_sources

        cache = AnalysisCache(cache_dir) if cache_dir else None
        analyze_sources(files, cache=cache)
        if cache is not None:
            s = cache.stats
            stats = {"parsed": s.parsed, "facts_hits": s.facts_hits, "findings_hits": s.findings_hits,
                     "findings_misses": s.findings_misses, "snapshot_hits": s.snapshot_hits,
                     "snapshot_patches": s.snapshot_patches, "snapshot_deltas": getattr(s, "snapshot_deltas", None),
                     "checked": len(s.checked_paths)}
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Worker processes (parallel analysis) are children: their peak is reported separately.
    child_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"phase": name, "files": len(files), "lines": lines, "seconds": round(seconds, 3),
            "lines_per_s": round(lines / seconds) if seconds else None, "peak_rss_mib": round(peak_kib / 1024),
            "worker_peak_rss_mib": round(child_kib / 1024), "jobs": os.environ.get("HYBRIDIZE_JOBS", "auto"),
            "cache": stats}


def run_phase(name: str, root: Path, cache_dir: str | None = None, touch: str | None = None,
              jobs: str | None = None, edit: bool = False, add: bool = False) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    row = _run_phase(name, root, cache_dir, touch, jobs, edit, add)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of the phase's process and its workers: on a shared machine, what the work cost apart from waiting.
    row["cpu_seconds"] = round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 3)
    return row


def _run_phase(name: str, root: Path, cache_dir: str | None, touch: str | None, jobs: str | None,
               edit: bool, add: bool) -> dict:
    cmd = [sys.executable, __file__, str(root), "--phase", "parse" if name == "parse" else "analyze"]
    env = dict(os.environ)
    if jobs is not None:
        env["HYBRIDIZE_JOBS"] = jobs
    if cache_dir:
        cmd += ["--cache-dir", cache_dir]
    if touch:
        cmd += ["--touch", touch]
    if edit:
        cmd += ["--edit"]
    if add:
        cmd += ["--add"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    row = json.loads(out.strip().splitlines()[-1])
    row["phase"] = name
    return row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--warm-project", default="tf_models_official")
    parser.add_argument("--touch", default=None, help="file of the warm project to change (default: a model file)")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    parser.add_argument("--edit", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--add", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--warm-only", action="store_true", help="only the warm project's phases")
    parser.add_argument("--first-runs", type=int, default=0,
                        help="only the whole corpus's first runs (parse, empty cache, no cache), N rounds")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the warm phases (warm, touch, edit, add) this many times on the same filled "
                             "cache and report each phase's median")
    args = parser.parse_args()
    root = Path(args.corpus)
    if args.phase:
        gc.enable()
        name = "parse" if args.phase == "parse" else ("touch" if args.touch else "analyze")
        print(json.dumps(phase(name, root, args.cache_dir, args.touch, args.edit, args.add)))
        return 0
    if not root.is_dir():
        print(f"corpus {root} not found", file=sys.stderr)
        return 2
    if args.first_runs:
        _first_run_rounds(root, args.first_runs)
        return 0
    rows = [] if args.warm_only else [run_phase("parse", root), run_phase("cold", root),
                                      run_phase("cold-1-process", root, jobs="1")]
    warm_root = root / args.warm_project
    touch = args.touch or "official/vision/modeling/backbones/resnet.py"
    with tempfile.TemporaryDirectory(prefix="hybridize-bench-") as cache_dir:
        rows.append(run_phase("parse", warm_root))
        rows.append(run_phase("fill", warm_root, os.path.join(cache_dir, "filled")))
        rounds: list[list[dict]] = []
        for i in range(max(1, args.rounds)):
            # Each round on its own copy of the filled cache: a phase may rewrite the project snapshot (an
            # analyzer that recomputes the facts stores them), and the next phase must not start from it.
            fresh = os.path.join(cache_dir, f"round-{i}")
            shutil.copytree(os.path.join(cache_dir, "filled"), fresh)
            rounds.append([run_phase("warm", warm_root, fresh), run_phase("touch", warm_root, fresh, touch),
                           run_phase("edit", warm_root, fresh, touch, edit=True),
                           run_phase("add", warm_root, fresh, touch, add=True)])
            shutil.rmtree(fresh)
        for i in range(4):
            timings = sorted(r[i]["seconds"] for r in rounds)
            row = dict(rounds[0][i], seconds=statistics.median(timings), rounds=timings)
            rows.append(row)
    for row in rows:
        print(json.dumps(row))
    if args.warm_only:
        rows[:0] = [None, None, None]  # type: ignore[list-item] (the skipped corpus phases)
        _report_warm(rows, args.warm_project, touch)
        return 0
    parse_all, cold = rows[0]["seconds"], rows[1]["seconds"]
    print(f"\ncorpus: {rows[0]['files']} files, {rows[0]['lines']} lines")
    print(f"bare parse (GC on) {parse_all:.2f} s; cold analysis {cold:.2f} s ({rows[1]['jobs']} jobs); ratio "
          f"{cold / parse_all:.2f}x; peak RSS {rows[1]['peak_rss_mib']} MiB (workers {rows[1]['worker_peak_rss_mib']} MiB)")
    serial = rows[2]["seconds"]
    print(f"same in one process (HYBRIDIZE_JOBS=1): {serial:.2f} s; ratio {serial / parse_all:.2f}x; "
          f"peak RSS {rows[2]['peak_rss_mib']} MiB")
    _report_warm(rows, args.warm_project, touch)
    return 0


def _first_run_rounds(root: Path, rounds: int) -> None:
    """Parse, first cached run (an empty cache directory per round) and no-cache run, `rounds` times."""
    load_before = os.getloadavg()
    rows: dict[str, list[dict]] = {"parse": [], "fill": [], "cold": []}
    for _ in range(rounds):
        rows["parse"].append(run_phase("parse", root))
        with tempfile.TemporaryDirectory(prefix="hybridize-bench-") as cache_dir:
            rows["fill"].append(run_phase("fill", root, cache_dir))
        rows["cold"].append(run_phase("cold", root))
        for name in rows:
            print(json.dumps(rows[name][-1]))
    load_after = os.getloadavg()
    first = rows["parse"][0]
    print(f"\ncorpus: {first['files']} files, {first['lines']} lines; {rounds} rounds; jobs {rows['fill'][0]['jobs']}; "
          f"load average before {load_before[0]:.1f} / {load_before[1]:.1f} / {load_before[2]:.1f}, "
          f"after {load_after[0]:.1f} / {load_after[1]:.1f} / {load_after[2]:.1f}")
    parse = statistics.median(r["seconds"] for r in rows["parse"])
    parse_cpu = statistics.median(r["cpu_seconds"] for r in rows["parse"])
    for name, label in (("parse", "bare ast.parse"), ("fill", "first run, empty cache"), ("cold", "no cache")):
        wall = statistics.median(r["seconds"] for r in rows[name])
        cpu = statistics.median(r["cpu_seconds"] for r in rows[name])
        print(f"{label}: median {wall:.2f} s ({wall / parse:.2f}x parse), CPU {cpu:.2f} s ({cpu / parse_cpu:.2f}x); "
              f"rounds {', '.join(str(r['seconds']) for r in rows[name])}")


def _report_warm(rows: list[dict], project: str, touch: str) -> None:
    warm_parse, fill, warm, touched = (rows[i]["seconds"] for i in (3, 4, 5, 6))
    print(f"{project}: bare parse {warm_parse:.2f} s; first cached run {fill:.2f} s; warm unchanged "
          f"{warm * 1000:.0f} ms; warm after touching {touch} {touched * 1000:.0f} ms "
          f"(parsed {rows[6]['cache']['parsed']} file(s), findings re-checked {rows[6]['cache']['findings_misses']}, "
          f"snapshot reused {rows[6]['cache']['snapshot_hits']})")
    edit = rows[7]
    print(f"warm after an edit that changes the module's facts (a line inserted at its top): "
          f"{edit['seconds'] * 1000:.0f} ms (parsed {edit['cache']['parsed']} file(s), findings re-checked "
          f"{edit['cache']['findings_misses']}, snapshot reused {edit['cache']['snapshot_hits']}, "
          f"patched {edit['cache']['snapshot_patches']})")
    add = rows[8]
    print(f"warm after adding a function to it: {add['seconds'] * 1000:.0f} ms (parsed {add['cache']['parsed']} "
          f"file(s), modules re-checked {add['cache']['checked']}, snapshot reused {add['cache']['snapshot_hits']}, "
          f"brought up to date {add['cache'].get('snapshot_deltas')})")
    print(f"seconds per round (warm, touch, edit, add): "
          + "; ".join(str(rows[i].get("rounds", [rows[i]["seconds"]])) for i in (5, 6, 7, 8)))
    print(f"first cached run / bare parse: {fill / warm_parse:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
