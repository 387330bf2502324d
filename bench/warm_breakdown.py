"""Where a warm re-run spends its time: the "add" phase of bench/analysis_speed.py, broken down by stage.

    python bench/warm_breakdown.py [PROJECT_DIR] [--touch PATH] [--rounds N]

PROJECT_DIR defaults to the corpus's tf_models_official (~/.cache/hybridize-corpus/src, bench/corpus.py).
The script fills a cache once (a first run in its own process), then, N times, copies it and runs the
warm "add" phase in a fresh process: a function nobody calls appended to PATH, `analyze_sources` with the
cache, as `bench/analysis_speed.py` measures it (imports of the analysis package included). In that
process each stage is timed by wrapping the function that does it (wall time, inclusive):

* imports: importing `hybridize_bot.analysis` (the bench's phase time includes it);
* prepare: hashing the sources and reading the snapshot head (`pipeline/sources.py prepare`);
* module facts: reading the changed module's cached facts or parsing it (`ModuleLoader.facts`);
* snapshot read: unpickling snapshot files (`AnalysisCache.get_snapshot`: the head inside prepare, the
  body inside the delta);
* project delta: bringing the snapshot's facts up to date (`update_snapshot`, `patch_snapshot`; the
  body read included);
* signatures: recomputing the touched modules' context signatures (`module_signatures`);
* findings reads: reading the cached findings of the other modules (`AnalysisCache.get_findings`);
* rule imports: building the rules (`make_rules`, `known_rule_codes`: importing every rule module);
* rules: checking the re-checked modules (`check_module`, parsing them on demand included);
* cache writes: files written (`AnalysisCache._write`).

The summary line also counts the snapshot body's modules the run decoded (a body keeps each module's
facts packed until a run reads them: analysis/facts/module_store.py).

Stages nest (the snapshot body read is inside the delta), so they do not add up; "analyze total" is the
whole `analyze_sources` call: what a long-lived caller (the bot, which has imported everything already)
pays. Outside the analysis, as a command-line run pays it: "interpreter start" (from the parent's launch of
the process to the first line of this script, `site` and the bench's own imports included; CPU
unknown: the interpreter is not running Python code yet) and "process (launch to exit)", the whole run
as the parent sees it (reading the 1,250 files included).
Beside wall and CPU, the analysis's context switches (`getrusage`): voluntary ones are waits (I/O, a lock,
a child process), involuntary ones are the scheduler taking the CPU away (other load). When wall exceeds
CPU with no voluntary switches, the gap is other processes' load, not something the run waits on.
"collector after the run": a `gc.collect()` right after `analyze_sources` returns, what the run left to
the cyclic collector (paid by the caller's next collection, or at a command-line run's exit).
Each stage's median wall and CPU time (of the measuring process) over the rounds is printed, with the call
counts of the last round: on a loaded machine the CPU column is the one that says what the work costs.
The script measures whatever `hybridize_bot` the interpreter imports (another checkout's environment, or
PYTHONPATH, measures that code: a baseline in the same session).
"""
from __future__ import annotations

import time

STARTED = time.time()  # before the other imports: the end of the interpreter's start (see "interpreter start")

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

DEFAULT_PROJECT = Path.home() / ".cache" / "hybridize-corpus" / "src" / "tf_models_official"
DEFAULT_TOUCH = "official/vision/modeling/backbones/resnet.py"
ADDED = b"\n\ndef _added_by_bench(x):\n    return x + 1\n"

# (label, module, attribute): module.attribute is replaced by a timing wrapper (where the caller looks it up).
STAGES = [
    ("prepare", "hybridize_bot.analysis.pipeline.run", "prepare"),
    ("module facts", "hybridize_bot.analysis.pipeline.modules", "ModuleLoader.facts"),
    ("snapshot read", "hybridize_bot.analysis.cache", "AnalysisCache.get_snapshot"),
    ("project delta", "hybridize_bot.analysis.pipeline.load", "update_snapshot"),
    ("project delta", "hybridize_bot.analysis.pipeline.load", "patch_snapshot"),
    ("signatures", "hybridize_bot.analysis.facts.signature", "module_signatures"),
    ("findings reads", "hybridize_bot.analysis.cache", "AnalysisCache.get_findings"),
    ("rule imports", "hybridize_bot.analysis.pipeline.run", "make_rules"),
    ("rule imports", "hybridize_bot.analysis.pipeline.run", "known_rule_codes"),
    ("rules", "hybridize_bot.analysis.pipeline.run", "check_module"),
    ("cache writes", "hybridize_bot.analysis.cache", "AnalysisCache._write"),
]


def read_tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py")) if p.is_file()}


def _patch(totals: dict[str, float], cpu: dict[str, float], counts: dict[str, int]) -> None:
    import importlib

    for label, module_name, attr in STAGES:
        owner = importlib.import_module(module_name)
        *path, name = attr.split(".")
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)

        def timed(*args, __original=original, __label=label, **kwargs):  # noqa: ANN002, ANN003, ANN202
            start, begun = time.perf_counter(), time.process_time()
            try:
                return __original(*args, **kwargs)
            finally:
                totals[__label] = totals.get(__label, 0.0) + time.perf_counter() - start
                cpu[__label] = cpu.get(__label, 0.0) + time.process_time() - begun
                counts[__label] = counts.get(__label, 0) + 1

        setattr(owner, name, timed)


def _count_decoded() -> list[int]:
    """[modules of the snapshot body decoded by the run] (analysis/facts/module_store.py; stays 0 for a
    version whose snapshot keeps no packed modules)."""
    count = [0]
    try:
        from hybridize_bot.analysis.facts.module_store import PackedModule
    except ImportError:
        return count
    original = PackedModule.full

    def full(self):  # noqa: ANN001, ANN202
        if not self.decoded:
            count[0] += 1
        return original(self)

    PackedModule.full = full  # type: ignore[method-assign]
    return count


def measure(project: Path, cache_dir: str, touch: str | None) -> dict:
    """One run in this process: the fill (touch None) or the warm "add" run, stages timed."""
    import gc
    import resource

    files = read_tree(project)
    if touch is not None:
        files[touch] += ADDED
    totals: dict[str, float] = {}
    cpu: dict[str, float] = {}
    counts: dict[str, int] = {}
    start, begun = time.perf_counter(), time.process_time()
    from hybridize_bot.analysis import analyze_sources
    from hybridize_bot.analysis.cache import AnalysisCache

    totals["imports"], cpu["imports"] = time.perf_counter() - start, time.process_time() - begun
    # Wrapping the stages imports the modules that hold them, which a run would import lazily inside
    # `analyze_sources`: timed apart, so that "imports" plus this plus "analyze total" is the phase.
    wrap, wrap_cpu = time.perf_counter(), time.process_time()
    _patch(totals, cpu, counts)
    totals["lazy imports (wrappers)"] = time.perf_counter() - wrap
    cpu["lazy imports (wrappers)"] = time.process_time() - wrap_cpu
    decoded = _count_decoded()
    cache = AnalysisCache(cache_dir)
    middle, middle_cpu = time.perf_counter(), time.process_time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    analyze_sources(files, cache=cache)
    # What the run left to the cyclic collector, which a real caller pays at its next pass (the bot) or
    # at exit (the command line): a collection right away, timed. Nothing the collector tracks (a tuple,
    # a dict) is made before it: that would start the same pass unseen, inside the next line's time.
    done = time.perf_counter()
    done_cpu = time.process_time()
    left = gc.collect()
    collected = time.perf_counter()
    collected_cpu = time.process_time()
    after = resource.getrusage(resource.RUSAGE_SELF)
    totals["analyze total"], cpu["analyze total"] = done - middle, done_cpu - middle_cpu
    totals["collector after the run"] = collected - done
    cpu["collector after the run"] = collected_cpu - done_cpu
    switches = {"voluntary": after.ru_nvcsw - usage.ru_nvcsw, "involuntary": after.ru_nivcsw - usage.ru_nivcsw}
    totals["phase (imports + analyze)"] = time.perf_counter() - start
    cpu["phase (imports + analyze)"] = time.process_time() - begun
    return {"seconds": totals, "cpu": cpu, "counts": counts, "switches": switches, "garbage": left, "checked": len(cache.stats.checked_paths),
            "parsed": cache.stats.parsed, "deltas": cache.stats.snapshot_deltas, "decoded": decoded[0]}


def _run(project: Path, cache_dir: str, touch: str | None) -> dict:
    cmd = [sys.executable, __file__, str(project), "--measure", cache_dir]
    if touch is not None:
        cmd += ["--touch", touch]
    launched = time.time()
    out = subprocess.run(cmd + ["--launched", repr(launched)], check=True, capture_output=True, text=True).stdout
    whole = time.time() - launched
    row = json.loads(out.strip().splitlines()[-1])
    row["seconds"]["process (launch to exit)"] = whole
    return row


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?", default=str(DEFAULT_PROJECT))
    parser.add_argument("--touch", default=DEFAULT_TOUCH)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--fill", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--launched", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    project = Path(args.project)
    if args.measure:
        row = measure(project, args.measure, None if args.fill else args.touch)
        if args.launched is not None:
            row["seconds"]["interpreter start"] = STARTED - args.launched
        print(json.dumps(row))
        return 0
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hybridize-breakdown-") as tmp:
        filled = os.path.join(tmp, "filled")
        subprocess.run([sys.executable, __file__, str(project), "--measure", filled, "--fill"], check=True,
                       capture_output=True)
        rows = []
        for i in range(max(1, args.rounds)):
            fresh = os.path.join(tmp, f"round-{i}")
            shutil.copytree(filled, fresh)
            rows.append(_run(project, fresh, args.touch))
            shutil.rmtree(fresh)
    load_after = os.getloadavg()
    last = rows[-1]
    print(f"{project.name}: a function appended to {args.touch}; {len(rows)} round(s); modules re-checked "
          f"{last['checked']}, parsed {last['parsed']}, snapshot brought up to date {last['deltas']}, snapshot modules "
          f"decoded {last.get('decoded', 0)}; load average "
          f"{load_before[0]:.1f} -> {load_after[0]:.1f}")
    labels = ["process (launch to exit)", "interpreter start", "phase (imports + analyze)", "imports",
              "lazy imports (wrappers)", "analyze total", "collector after the run"] + \
        list(dict.fromkeys(label for label, _m, _a in STAGES))
    print(f"  {'stage':28s} {'wall':>8s}    {'CPU':>8s}    wall per round")
    for label in labels:
        values = [r["seconds"].get(label, 0.0) for r in rows]
        cpus = [r["cpu"][label] for r in rows if label in r["cpu"]]
        shown = f"{statistics.median(cpus) * 1000:5.0f} ms" if cpus else "    -   "  # not this process's CPU
        calls = last["counts"].get(label)
        print(f"  {label:28s} {statistics.median(values) * 1000:5.0f} ms    {shown}    "
              f"{', '.join(f'{v * 1000:.0f}' for v in values)}" + (f"   ({calls} calls)" if calls else ""))
    print("  context switches during the analysis (medians): voluntary "
          f"{statistics.median(r['switches']['voluntary'] for r in rows):.0f}, involuntary "
          f"{statistics.median(r['switches']['involuntary'] for r in rows):.0f}; objects the collector freed after "
          f"the run: {statistics.median(r.get('garbage', 0) for r in rows):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
