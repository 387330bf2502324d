"""Job throughput on one real redis-server: the hand-written Lua queue (bot/queue_redis.py) vs arq and SAQ.

    python bench/queue_engines.py [--jobs 2000] [--concurrency 10] [--rounds 3]

Needs `pip install -e .[bench]` (arq, saq) and `redis-server` on PATH. Each engine gets a fresh
database of one redis-server on loopback; N jobs with a distinct delivery id each are enqueued
first (enqueue rate), then one worker with `concurrency` concurrent slots drains them with a no-op
handler (drain rate). Numbers are medians over the rounds; they measure each engine's own overhead
per job (round trips, scripts), which is what differs between them: a real job is dominated by
GitHub requests and the analysis. Used for the decision in docs/architecture.md.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.redis_server import RedisServer  # noqa: E402  (after the path set-up above)

Result = tuple[float, float]  # (enqueued per second, drained per second)


class _Countdown:
    def __init__(self, total: int) -> None:
        self.left, self.done = total, asyncio.Event()

    def tick(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.done.set()


async def bench_lua(url: str, jobs: int, concurrency: int) -> Result:
    from hybridize_bot.bot.queue_redis import RedisQueue

    queue = await RedisQueue.open(url, prefix="bench:")
    started = time.perf_counter()
    await asyncio.gather(*(queue.enqueue(f"d{i}", "pull_request", b"{}") for i in range(jobs)))
    enqueued = time.perf_counter() - started
    countdown = _Countdown(jobs)

    async def worker() -> None:
        while not countdown.done.is_set():
            job = await queue.claim()
            if job is None:
                await asyncio.sleep(0.005)
                continue
            await queue.complete(job)
            countdown.tick()

    started = time.perf_counter()
    workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
    await countdown.done.wait()
    drained = time.perf_counter() - started
    await asyncio.gather(*workers)
    await queue.close()
    return jobs / enqueued, jobs / drained


async def bench_arq(url: str, jobs: int, concurrency: int) -> Result:
    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.worker import Worker, func

    settings = RedisSettings.from_dsn(url)
    pool = await create_pool(settings)
    countdown = _Countdown(jobs)

    async def noop(ctx: dict) -> None:
        countdown.tick()

    started = time.perf_counter()
    # _job_id: arq's dedupe (a second enqueue of the same id is refused), like X-GitHub-Delivery.
    await asyncio.gather(*(pool.enqueue_job("noop", _job_id=f"d{i}") for i in range(jobs)))
    enqueued = time.perf_counter() - started
    worker = Worker(functions=[func(noop, name="noop")], redis_pool=pool, max_jobs=concurrency, poll_delay=0.005,
                    handle_signals=False, burst=True)
    started = time.perf_counter()
    task = asyncio.create_task(worker.main())
    await countdown.done.wait()
    drained = time.perf_counter() - started
    await task
    await worker.close()
    await pool.aclose()
    return jobs / enqueued, jobs / drained


async def bench_saq(url: str, jobs: int, concurrency: int) -> Result:
    from saq import Queue, Worker

    queue = Queue.from_url(url)
    countdown = _Countdown(jobs)

    async def noop(ctx: dict) -> None:
        countdown.tick()

    started = time.perf_counter()
    # key: SAQ's dedupe (an active job with the same key is not enqueued again).
    await asyncio.gather(*(queue.enqueue("noop", key=f"d{i}") for i in range(jobs)))
    enqueued = time.perf_counter() - started
    worker = Worker(queue, functions=[("noop", noop)], concurrency=concurrency, dequeue_timeout=0.005)
    started = time.perf_counter()
    task = asyncio.create_task(worker.start())
    await countdown.done.wait()
    drained = time.perf_counter() - started
    await worker.stop()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await queue.disconnect()
    return jobs / enqueued, jobs / drained


ENGINES: dict[str, Callable[[str, int, int], Awaitable[Result]]] = {
    "hand-written Lua (bot/queue_redis.py)": bench_lua, "arq": bench_arq, "SAQ": bench_saq}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[Result]] = {name: [] for name in ENGINES}
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp), appendonly=False)
        server.start()
        try:
            db = 0
            for _ in range(args.rounds):
                for name, bench in ENGINES.items():
                    db += 1
                    results[name].append(await bench(f"redis://127.0.0.1:{server.port}/{db % 16}", args.jobs,
                                                     args.concurrency))
        finally:
            server.stop()
    print(f"{args.jobs} no-op jobs, 1 worker x {args.concurrency} slots, median of {args.rounds} rounds")
    print("| engine | enqueue (jobs/s) | drain (jobs/s) |\n|---|---:|---:|")
    for name, rows in results.items():
        print(f"| {name} | {statistics.median(r[0] for r in rows):,.0f} | {statistics.median(r[1] for r in rows):,.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
