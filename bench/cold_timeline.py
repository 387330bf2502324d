"""Where one cold pull-request job's wall time goes: a timeline of its stages, in the App's process.

Runs bench/pr_latency.py's cold push once (471-file, ~50k-line generated repository, 20-file pull
request, review + follow-up in one job) with the App's stage functions wrapped to record when each
started and ended, relative to the webhook POST: the snapshot reads, each worker-process call (by
function: the review's analysis, the suggestions, the follow-up's fix plan), the review's publishing
(`Gateway.apply`), the check run's completion as the fake GitHub saw it, the follow-up sync and its
writes, and the job's end. Prints one line per stage.

    python -m bench.cold_timeline [--workers 2] [--runs 1]
    python -m bench.cold_timeline --analysis-cpu 3    # the review's analysis call alone, CPU timed
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from bench.pr_latency import pr_change, repository, review_only_router, wait_completed
from hybridize_bot.bot.webhook import WORKERS_KEY
from tests.e2e.harness import start_bot, stop_bot

Event = tuple[str, float, float]


def _wrap_async(owner: Any, name: str, label: Callable[..., str], events: list[Event], clock: list[float]) -> Callable[[], None]:
    original = getattr(owner, name)

    @functools.wraps(original)
    async def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            events.append((label(*args, **kwargs), started - clock[0], time.perf_counter() - clock[0]))

    setattr(owner, name, timed)
    return lambda: setattr(owner, name, original)


async def one_timeline(workers: int) -> list[Event]:
    from hybridize_bot.bot.context import ProcessRunner
    from hybridize_bot.bot.followup import sync
    from hybridize_bot.bot.pulls import job, pipeline
    from hybridize_bot.bot.pulls.pull_snapshot import PullSnapshot
    from hybridize_bot.bot.publish.gateway import Gateway

    events: list[Event] = []
    clock = [0.0]
    undo = [
        _wrap_async(PullSnapshot, "prefetch", lambda *a, **k: "snapshot reads (prefetch)", events, clock),
        _wrap_async(ProcessRunner, "run", lambda self, fn, *a, **k: f"pool call {fn.__name__}", events, clock),
        _wrap_async(Gateway, "apply", lambda *a, **k: "review publishing (Gateway.apply)", events, clock),
        _wrap_async(Gateway, "apply_followup", lambda *a, **k: "follow-up writes (Gateway.apply_followup)", events, clock),
        _wrap_async(job, "_publishing_inputs", lambda *a, **k: "publishing reads (concurrent)", events, clock),
        _wrap_async(pipeline, "sync_followup", lambda *a, **k: "follow-up sync (whole)", events, clock),
        _wrap_async(pipeline, "review_pull_request", lambda *a, **k: "review (whole)", events, clock),
    ]
    base = repository(460)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            fake, bot = await start_bot(Path(tmp), router=review_only_router(), ANALYSIS_TIMEOUT="600",
                                        LOG_LEVEL="WARNING", WORKERS=str(workers))
            try:
                await bot.runner.app[WORKERS_KEY].runner.ready()
                repo = fake.add_repo("bench/big")
                main = fake.commit(repo, base, message="base")
                fake.commit(repo, pr_change(base, 460, 20, rev=1), branch="feature", parent=main)
                pr = fake.open_pull_request(repo, "feature")
                clock[0] = time.perf_counter()
                sent = await bot.send("pull_request", bot.pull_request_event(pr, "opened"))
                events.append(("webhook acknowledged", 0.0, time.perf_counter() - clock[0]))
                await wait_completed(bot, pr.head_sha)
                completed = time.perf_counter() - clock[0]
                events.append(("CHECK RUN COMPLETED (seen by the fake)", completed, completed))
                await bot.wait_done(sent.delivery, timeout=600)
                done = time.perf_counter() - clock[0]
                events.append(("JOB DONE", done, done))
            finally:
                await stop_bot(fake, bot)
    finally:
        for restore in undo:
            restore()
    return sorted(events, key=lambda e: (e[1], e[2]))


def review_analysis_cpu(rounds: int) -> None:
    """The review's pool call (`job._analyze`) on the same head, cold cache, in this process: its wall
    and CPU time until it returns (what the check run waits for), and the CPU of the thread it left
    writing the cache (what only the follow-up and later runs wait for). CPU times hold up under load."""
    from hybridize_bot.analysis import analyze_sources
    from hybridize_bot.bot.pulls import job

    base = repository(460)
    change = pr_change(base, 460, 20, rev=1)
    head = {**base, **change}
    analyze_sources(head, changed=sorted(change), jobs=1)  # imports and first-call costs, not timed
    for n in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            wall, cpu = time.perf_counter(), time.process_time()
            result = job._analyze(head, None, tmp, sorted(change))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            writer = time.process_time()
            for thread in threading.enumerate():  # the cache writer, where there is one
                if thread.name == "analysis cache writer":
                    thread.join()
            writer = time.process_time() - writer
            print(f"round {n + 1}: returned after {wall:.2f} s wall, {cpu:.2f} s CPU; writer {writer:.2f} s CPU; "
                  f"{len(result.findings)} findings; load {os.getloadavg()[0]:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--analysis-cpu", type=int, default=0, metavar="ROUNDS",
                        help="instead: time the review's analysis call in this process, ROUNDS times")
    args = parser.parse_args(argv)
    if args.analysis_cpu:
        review_analysis_cpu(args.analysis_cpu)
        return 0
    for run in range(args.runs):
        events = asyncio.run(one_timeline(args.workers))
        print(f"run {run + 1} (WORKERS={args.workers}, load {os.getloadavg()[0]:.2f}):")
        for label, start, end in events:
            print(f"  {start:7.3f} -> {end:7.3f} s  ({end - start:6.3f} s)  {label}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
