"""GitHub requests per review, on about 50,000 lines of real TensorFlow code (issue 17).

The repository is four packages of TF-Agents 0.19.0 (agents, networks, policies, environments: 210
Python files and pyproject.toml, about 54k lines; from the precision study's pinned release, bench/precision/codebases.py, cached
under ~/.cache and never committed), served by the fake GitHub on loopback. A 20-file pull request is
opened against it and then pushed to again (the same 20 files change), and the bot as deployed
(every feature router: review, then follow-up PR, in one job) handles both. Measured per job:

  * GitHub requests of the whole job (API requests; the archive's download from the codeload host is
    not an API request), `GET git/blobs` and `GET tarball` among them;
  * identical GETs: URLs read more than once in the job;
  * webhook POST -> `hybridize` check run completed, and -> job done (follow-up included).

Baseline in the same run: the same bot with the archive turned off (one `GET git/blobs` per missing
blob, as before issue 17), and `analyze_sources` of the head files in process (the analysis the bot
cannot avoid).

    python bench/pr_requests.py [--runs 3] [--write]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pr_latency import baseline, wait_completed, write_section  # noqa: E402
from bench.precision.codebases import precision_dir  # noqa: E402
from tests.e2e.harness import start_bot, stop_bot  # noqa: E402

CODE_BASE = "tf_agents"
PACKAGES = ("agents", "networks", "policies", "environments")
CHANGED = 20
PYPROJECT = b'[project]\nname = "tf-agents-subset"\n\n[tool.hybridize]\n'
# Appended to each changed file: a traced function with a Python side effect (a finding per file).
ADDITION = '''

@tf.function
def _bench_step_{rev}(x):
    print("tracing", x)
    return x * {rev}
'''


def repository() -> dict[str, bytes]:
    root = precision_dir() / "src" / CODE_BASE / CODE_BASE
    if not root.is_dir():
        raise SystemExit(f"{root} is missing: run `python -m bench.precision.codebases` first (downloads the "
                         "pinned releases into the cache)")
    files = {"pyproject.toml": PYPROJECT}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            files[f"{CODE_BASE}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return files


def change(base: dict[str, bytes], rev: int) -> dict[str, bytes]:
    """The same 20 modules (spread over the packages, each importing tensorflow) every push."""
    candidates = [p for p, data in sorted(base.items()) if p.endswith(".py") and b"import tensorflow as tf" in data
                  and not p.endswith("_test.py")]
    step = max(1, len(candidates) // CHANGED)
    return {p: base[p] + ADDITION.format(rev=rev).encode() for p in candidates[::step][:CHANGED]}


def _url(request: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in sorted(request.query.items()))
    return request.path + (f"?{query}" if query else "")


def job_counts(fake: Any, start: int) -> dict[str, Any]:
    requests = fake.requests[start:]
    gets = Counter(_url(r) for r in requests if r.method == "GET")
    return {"requests": len(requests),
            "followups": sum(r.method == "POST" and r.path.endswith("/pulls") for r in requests),
            "blobs": sum(n for url, n in gets.items() if "/git/blobs/" in url),
            "tarballs": sum(n for url, n in gets.items() if "/tarball/" in url),
            "twice": {re.sub(r"[0-9a-f]{40}", "{sha}", url): n for url, n in gets.items() if n > 1}}


@contextmanager
def archive_off(off: bool) -> Iterator[None]:
    """The baseline: the snapshot without an archive reader (per-blob reads only)."""
    from hybridize_bot.bot import context

    original = context.tree_archive
    if off:
        context.tree_archive = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        context.tree_archive = original


async def one_run(base: dict[str, bytes], no_archive: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, archive_off(no_archive):
        fake, bot = await start_bot(Path(tmp), ANALYSIS_TIMEOUT="600", LOG_LEVEL="WARNING")
        try:
            repo = fake.add_repo("bench/tf-agents")
            main = fake.commit(repo, base, message="base")
            first = change(base, 1)
            fake.commit(repo, first, branch="feature", parent=main)
            pr = fake.open_pull_request(repo, "feature")
            out: dict[str, Any] = {}
            for push, payload in (("cold", lambda: bot.pull_request_event(pr, "opened")), ("warm", None)):
                if push == "warm":
                    before = pr.head_sha
                    fake.push(repo, "feature", change(base, 2))
                    payload = lambda: bot.pull_request_event(pr, "synchronize", before=before)  # noqa: E731
                start = len(fake.requests)
                started = time.perf_counter()
                sent = await bot.send("pull_request", payload())
                assert sent.status == 202, sent
                await wait_completed(bot, pr.head_sha, timeout=600)
                out[f"{push}_check"] = time.perf_counter() - started
                row = await bot.wait_done(sent.delivery, timeout=600)
                assert row["state"] == "done", row
                out[f"{push}_done"] = time.perf_counter() - started
                out[push] = job_counts(fake, start)
            assert not fake.violations, fake.violations[:3]
            head = {p: fake.store.blobs[sha] for p, (_m, sha) in fake.store.files_at(pr.head_sha).items()}
            out["bare"] = min(baseline(head, 2))
            (run,) = bot.check_runs(pr.head_sha)
            out["title"] = run.output["title"]
            return out
        finally:
            await stop_bot(fake, bot)


async def pool_start() -> float:
    """Seconds until a fresh analysis process pool has analysed one tiny file (what a cold bot pays first)."""
    from hybridize_bot.analysis import analyze_sources
    from hybridize_bot.bot.context import ProcessRunner

    runner = ProcessRunner(1)
    started = time.perf_counter()
    try:
        await runner.run(analyze_sources, {"a.py": b"x = 1\n"}, timeout=600)
        return time.perf_counter() - started
    finally:
        runner.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="add/replace the section in bench/RESULTS.md")
    args = parser.parse_args(argv)
    base = repository()
    lines = sum(data.count(b"\n") for data in base.values())
    load = os.getloadavg()
    runs = {mode: [] for mode in ("archive", "per-blob baseline")}
    for _ in range(args.runs):  # interleaved, so both modes see the same machine load
        for mode, off in (("archive", False), ("per-blob baseline", True)):
            runs[mode].append(asyncio.run(one_run(base, off)))
            runs[mode][-1]["pool"] = asyncio.run(pool_start())
    load_after = os.getloadavg()

    def med(mode: str, key: str, field: str | None = None) -> float:
        return statistics.median(r[key][field] if field else r[key] for r in runs[mode])

    new, old = "archive", "per-blob baseline"
    last = runs[new][-1]
    report = [
        "## GitHub requests per review (issue 17)",
        "",
        f"Command: `python bench/pr_requests.py --runs {args.runs} --write` ({time.strftime('%Y-%m-%d')}; Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs shared with other jobs, load "
        f"average {load[0]:.1f} before and {load_after[0]:.1f} after; 1 worker; medians of {args.runs} runs, each "
        "with a fresh bot, data directory and fake GitHub; the two modes interleaved).",
        "",
        f"Repository: TF-Agents 0.19.0's {', '.join(PACKAGES)} packages, {len(base):,} files, {lines:,} lines; "
        f"pull request: {CHANGED} changed files, opened (cold: empty cache, process pool not started), then "
        f"pushed again changing the same {CHANGED} files (warm). Whole job as deployed (review, summary, "
        f"follow-up step; follow-up pull requests opened in the last run: {last['cold']['followups']} cold, "
        f"{last['warm']['followups']} warm). Check run of the last run: \"{last['title']}\".",
        "",
        "| push | measure | this branch | per-blob baseline (same run) | ratio | goal |",
        "|---|---|---:|---:|---:|---|",
    ]
    for push, goal in (("cold", "<= 30"), ("warm", "<= 15")):
        report.append(f"| {push} | GitHub API requests of the job | {med(new, push, 'requests'):.0f} | "
                      f"{med(old, push, 'requests'):.0f} | {med(new, push, 'requests') / med(old, push, 'requests'):.2f} | {goal} |")
        report.append(f"| {push} | of which `GET git/blobs` / `GET tarball` | {med(new, push, 'blobs'):.0f} / "
                      f"{med(new, push, 'tarballs'):.0f} | {med(old, push, 'blobs'):.0f} / {med(old, push, 'tarballs'):.0f} | | |")
        report.append(f"| {push} | URLs read twice in the job | {len(last[push]['twice'])} | "
                      f"{len(runs[old][-1][push]['twice'])} | | 0 |")
        for key, label, goal_s in (("check", "webhook -> check run completed (s)", "< 2" if push == "cold" else "< 1"),
                                   ("done", "webhook -> job done, follow-up included (s)", "< 3" if push == "cold" else "")):
            report.append(f"| {push} | {label} | {med(new, f'{push}_{key}'):.2f} | {med(old, f'{push}_{key}'):.2f} | "
                          f"{med(new, f'{push}_{key}') / med(old, f'{push}_{key}'):.2f} | {goal_s} |")
    report.append(f"| – | `analyze_sources` of the head files in process (best of 2 after each run, s) | "
                  f"{med(new, 'bare'):.2f} | {med(old, 'bare'):.2f} | | |")
    report.append(f"| – | a fresh analysis process pool's first (one-line) analysis, after each run (s) | "
                  f"{med(new, 'pool'):.2f} | {med(old, 'pool'):.2f} | | |")
    twice = sorted(set(last["cold"]["twice"]) | set(last["warm"]["twice"]))
    report += [
        "",
        "URLs read twice in one job (this branch, last run): " + (", ".join(f"`{u}`" for u in twice) or "none") + ".",
        "",
        "The request goals are met. The wall-time goals are not, on this machine: the cold time is mostly "
        "the analysis process pool starting (last row: forkserver, imports) plus the whole-repository "
        "analysis, on 2 cores shared at the load average above; the warm time is mostly the analysis of "
        "the 20 changed files and its fix suggestions. The fetch side is a small part of either: reading "
        "every blob of this repository from an archive takes about 0.1 s (\"What a snapshot read costs\" below).",
        "",
    ]
    text = "\n".join(report)
    print(text)
    if args.write:
        write_section(ROOT / "bench" / "RESULTS.md", report[0], text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
