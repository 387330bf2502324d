"""What GitHub's answers taught one process is known to the others (issue 17): two app processes,
each with its own BOT_DATA_DIR (as on two machines), on one real redis-server, one fake GitHub.

- The installation token one process minted is the one the other uses, so the ETags one process
  stored get 304 Not Modified (free of rate limit) when the other process asks.
- The rate-limit window one process's answers reported holds back the other process's jobs.
"""
from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from hybridize_bot.bot.queue_redis import RedisQueue
from tests.fakegithub import FakeGitHub
from tests.fakegithub.server import RATE_LIMIT
from tests.redis_server import RedisServer

from .followup_harness import open_pr, pr_event
from .harness import APP_ID, PUBLIC_PEM, Bot
from .processes import AppProcess, send

REPO = "/repos/octo/tiny-tf"


async def _row_when(queue: RedisQueue, delivery: str, predicate: Any, timeout: float = 120.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            row = await queue.get(delivery)
            if row is not None and predicate(row):
                return row
            await asyncio.sleep(0.05)


async def test_etags_tokens_and_the_rate_budget_are_shared_between_processes(tmp_path):
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    api_url = await fake.start()
    apps = [AppProcess(i, tmp_path, api_url, redis.url) for i in range(2)]
    session = aiohttp.ClientSession()
    bot = Bot(fake, None, None, "", session)  # payload builders only
    queue = await RedisQueue.open(redis.url)
    deliveries = iter(range(1000))

    async def run_on(app: AppProcess, event: str, payload: dict[str, Any]) -> str:
        delivery = f"d-{next(deliveries)}"
        assert await send(session, app, event, payload, delivery) == 202
        return delivery

    try:
        # Any process of a Redis queue may run any job: one process runs at a time here, so each step
        # is known to run where it should, and a process started afresh knows only what is shared.
        apps[0].start()
        await apps[0].ready(session)
        pr = open_pr(fake)
        first = await run_on(apps[0], "pull_request", pr_event(bot, pr, "opened"))
        await _row_when(queue, first, lambda r: r["state"] == "done")
        # The review's comments changed the pull request's representation: one re-run on process 0
        # stores the ETags of the pull request and its files as they now are.
        again = await run_on(apps[0], "check_suite", bot.check_suite_event(pr, "rerequested"))
        await _row_when(queue, again, lambda r: r["state"] == "done")
        apps[0].stop()
        apps[1].start()
        await apps[1].ready(session)

        free = len(fake.not_modified)
        other = await run_on(apps[1], "check_suite", bot.check_suite_event(pr, "rerequested"))
        await _row_when(queue, other, lambda r: r["state"] == "done")
        # Process 1 never read this pull request; it asked with process 0's ETags and token: 304s.
        assert fake.not_modified[free:] == [f"{REPO}/pulls/1", f"{REPO}/pulls/1/files"]
        assert len(fake.requests_to("POST", r"/access_tokens$")) == 1  # one token, minted once

        # Process 1 learns from its answers that about 10 requests are left until a reset 20 s away...
        fake.rate_used, fake.rate_reset = RATE_LIMIT - 11, int(time.time()) + 20
        pushed = pr.head_sha
        fake.push(pr.repo, "feature", {"train.py": b"def helper(x):\n    return x\n"})
        learn = await run_on(apps[1], "pull_request", pr_event(bot, pr, "synchronize", before=pushed))
        await _row_when(queue, learn, lambda r: r["attempts"] >= 1 and r["state"] != "running")
        apps[1].stop()
        # ...and process 0, started afresh, holds the next job back until the reset instead of
        # running it into the limit: put back, no attempt counted.
        apps[0].start()
        await apps[0].ready(session)
        held = await run_on(apps[0], "check_suite", bot.check_suite_event(pr, "rerequested"))
        row = await _row_when(queue, held, lambda r: "deferred until" in (r["last_error"] or "")
                              or r["state"] in ("done", "failed"))
        assert row["attempts"] == 0 and row["state"] == "queued", row
        assert "requests left" in row["last_error"], row
        assert (await _row_when(queue, held, lambda r: r["state"] == "done"))["attempts"] == 1
    finally:
        await queue.close()
        for app in apps:
            app.stop()
        await session.close()
        await fake.stop()
        redis.stop()
