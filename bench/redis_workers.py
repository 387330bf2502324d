"""Throughput with 1, 2 and 3 App processes on one Redis queue (issue 13): reviews per minute.

    python bench/redis_workers.py [--pulls 12] [--processes 1 2 3] [--workers 1] [--rounds 1]

Per configuration: a real redis-server, the fake GitHub on loopback, N App processes (each its own
BOT_DATA_DIR, `WORKERS` jobs at a time), `--pulls` pull requests of the small e2e project
(tests/e2e/project.py: review, summary, follow-up pull request each) in separate repositories. All
`pull_request.opened` deliveries go to the first process; any process takes jobs from the shared
queue. Timed: first delivery sent -> every job done. Processes start and warm up (one job each)
before the clock starts, so process start-up is not counted.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from hybridize_bot.bot.queue_redis import RedisQueue  # noqa: E402
from tests.e2e.followup_harness import pr_event  # noqa: E402
from tests.e2e.harness import APP_ID, PUBLIC_PEM, Bot  # noqa: E402
from tests.e2e.processes import AppProcess, send  # noqa: E402
from tests.e2e.project import BASE_FILES, PR_FILES  # noqa: E402
from tests.fakegithub import FakeGitHub  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402


async def _drain(queue: RedisQueue, deliveries: list[str]) -> None:
    while True:
        states = [((await queue.get(d)) or {}).get("state") for d in deliveries]
        if all(s in ("done", "failed") for s in states):
            assert all(s == "done" for s in states), states
            return
        await asyncio.sleep(0.05)


async def one(processes: int, pulls: int, workers: int, tmp: Path) -> float:
    redis = RedisServer(tmp / "redis", appendonly=False)
    redis.start()
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    api_url = await fake.start()
    apps = [AppProcess(i, tmp, api_url, redis.url, WORKERS=str(workers), LOG_LEVEL="WARNING")
            for i in range(processes)]
    session = aiohttp.ClientSession()
    bot = Bot(fake, None, None, "", session)
    queue = await RedisQueue.open(redis.url)
    try:
        for app in apps:
            app.start()
        for app in apps:
            await app.ready(session)

        def make(n: int):  # noqa: ANN202
            repo = fake.add_repo(f"octo/r{n}")
            main = fake.commit(repo, BASE_FILES, message="base")
            fake.commit(repo, PR_FILES, branch="feature", parent=main, message="feature")
            return fake.open_pull_request(repo, "feature")

        # Warm-up: one job per process, sent to it while the others are busy with theirs.
        warm = [make(1000 + i) for i in range(processes)]
        ids = [f"warm-{i}" for i in range(processes)]
        for i, pr in enumerate(warm):
            await send(session, apps[i], "pull_request", pr_event(bot, pr, "opened"), ids[i])
        await _drain(queue, ids)

        prs = [make(n) for n in range(pulls)]
        ids = [f"d-{n}" for n in range(pulls)]
        started = time.perf_counter()
        for pr, delivery in zip(prs, ids):
            await send(session, apps[0], "pull_request", pr_event(bot, pr, "opened"), delivery)
        await _drain(queue, ids)
        return pulls / (time.perf_counter() - started) * 60
    finally:
        await queue.close()
        await session.close()
        for app in apps:
            app.stop()
        await fake.stop()
        redis.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pulls", type=int, default=12)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--workers", type=int, default=1, help="WORKERS of each process")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    rates: dict[int, list[float]] = {n: [] for n in args.processes}
    for _ in range(args.rounds):
        for n in args.processes:
            with tempfile.TemporaryDirectory() as tmp:
                rates[n].append(await one(n, args.pulls, args.workers, Path(tmp)))
    print(f"{args.pulls} pull requests (review + summary + follow-up PR each), WORKERS={args.workers} per process, "
          f"median of {args.rounds} round(s)")
    print("| processes | jobs/minute | vs 1 process |\n|---:|---:|---:|")
    base = statistics.median(rates[args.processes[0]])
    for n in args.processes:
        rate = statistics.median(rates[n])
        print(f"| {n} | {rate:,.0f} | {rate / base:.2f}x |")


if __name__ == "__main__":
    asyncio.run(main())
