"""The JobQueue contract, run against both backends: SQLiteQueue (file) and RedisQueue (real server).

Whatever the backend, the webhook and the workers rely on: dedupe by delivery id, exclusive FIFO
claims, retries with exponential backoff then `failed` with the error, `not_before`, recovery of
jobs whose process was killed, ticket/wait wake-ups, persistence across reopening, binary payloads.
Backend-specific behaviour (leases, several machines, AOF restart) is in test_queue_redis.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hybridize_bot.bot.queue import SQLiteQueue
from hybridize_bot.bot.queue_redis import RedisQueue
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures)

REPO = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Backend:
    name: str
    location: str  # the SQLite file or the Redis URL
    clock: Clock

    async def open(self, **options: Any) -> Any:
        options.setdefault("clock", self.clock)
        if self.name == "sqlite":
            return await SQLiteQueue.open(Path(self.location), **options)
        return await RedisQueue.open(self.location, **options)


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        location = str(tmp_path / "q" / "queue.sqlite3")
    else:
        location = request.getfixturevalue("redis_url")  # flushed database on a real server
    return Backend(request.param, location, Clock())


@pytest.fixture
async def queue(backend: Backend) -> AsyncIterator[Any]:
    queue = await backend.open(max_attempts=3, retry_base_delay_s=10.0)
    yield queue
    await queue.close()


async def test_enqueue_dedupes_by_delivery_id(queue: Any) -> None:
    assert await queue.enqueue("a", "pull_request", b'{"n": 1}')
    assert not await queue.enqueue("a", "pull_request", b'{"n": 2}')
    assert await queue.depth() == 1
    job = await queue.claim()
    assert job is not None and job.payload == b'{"n": 1}' and job.attempts == 1
    assert job.delivery_id == "a" and job.event == "pull_request"
    assert await queue.counts() == {"queued": 0, "running": 1, "done": 0, "failed": 0}
    await queue.complete(job)
    # Still a duplicate after completion (redeliveries come up to 3 days later).
    assert not await queue.enqueue("a", "pull_request", b'{"n": 3}')
    assert await queue.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}
    row = await queue.get("a")
    assert row is not None and row["state"] == "done" and row["id"] == job.id
    assert await queue.get("never-seen") is None


async def test_concurrent_enqueues_are_deduped(queue: Any) -> None:
    results = await asyncio.gather(
        *(queue.enqueue("same", "e", b"{}") for _ in range(10)),
        *(queue.enqueue(f"other-{n}", "e", b"{}") for n in range(10)),
    )
    assert results[:10].count(True) == 1 and all(results[10:])
    assert await queue.depth() == 11


async def test_enqueue_on_a_closed_queue_raises(queue: Any) -> None:
    await queue.close()
    with pytest.raises(RuntimeError):
        await queue.enqueue("late", "e", b"{}")


async def test_claim_is_fifo_and_exclusive(queue: Any, backend: Backend) -> None:
    for n in range(3):
        await queue.enqueue(f"d{n}", "e", b"{}")
        backend.clock.now += 1
    claimed = await asyncio.gather(*(queue.claim() for _ in range(5)))
    ids = [job.delivery_id for job in claimed if job is not None]
    assert sorted(ids) == ["d0", "d1", "d2"] and claimed.count(None) == 2
    assert (await queue.counts())["running"] == 3


async def test_same_time_enqueues_are_claimed_in_order(queue: Any) -> None:
    # Equal enqueue times (a coarse clock): order by arrival, also past 9 -> 10 (string order).
    for n in range(12):
        await queue.enqueue(f"t{n}", "e", b"{}")
    order = [(await queue.claim()).delivery_id for _ in range(12)]
    assert order == [f"t{n}" for n in range(12)]


async def test_failed_job_backs_off_then_fails_for_good(queue: Any, backend: Backend) -> None:
    clock = backend.clock
    await queue.enqueue("x", "e", b"{}")
    job = await queue.claim()
    assert job is not None
    assert await queue.fail(job, "boom 1") == "queued"
    assert await queue.depth() == 1  # backing off counts as waiting
    assert await queue.claim() is None  # backing off for 10 s
    clock.now += 10
    job = await queue.claim()
    assert job is not None and job.attempts == 2
    assert await queue.fail(job, "boom 2") == "queued"
    clock.now += 19
    assert await queue.claim() is None  # second delay is 20 s
    clock.now += 1
    job = await queue.claim()
    assert job is not None and job.attempts == 3
    assert await queue.fail(job, "x" * 10_000 + "boom 3") == "failed"
    clock.now += 10_000
    assert await queue.claim() is None
    row = await queue.get("x")
    assert row is not None and row["state"] == "failed" and row["attempts"] == 3
    assert str(row["last_error"]).endswith("boom 3") and len(str(row["last_error"])) == 4000
    assert await queue.counts() == {"queued": 0, "running": 0, "done": 0, "failed": 1}
    assert not await queue.enqueue("x", "e", b"{}")  # a failed delivery is still known


async def test_a_permanent_failure_is_a_dead_letter_at_once(queue: Any, backend: Backend) -> None:
    await queue.enqueue("gone", "e", b'{"x": 1}')
    job = await queue.claim()
    assert job is not None and job.attempts == 1
    assert await queue.fail(job, "404 Not Found", permanent=True) == "failed"
    backend.clock.now += 10_000
    assert await queue.claim() is None  # never retried
    row = await queue.get("gone")
    assert row is not None and row["state"] == "failed" and row["attempts"] == 1 and row["last_error"] == "404 Not Found"
    assert (await queue.counts())["failed"] == 1


async def test_fail_waits_at_least_until_not_before(queue: Any, backend: Backend) -> None:
    await queue.enqueue("limited", "e", b"{}")
    job = await queue.claim()
    assert job is not None
    assert await queue.fail(job, "rate limited", not_before=backend.clock.now + 3600) == "queued"
    backend.clock.now += 3599  # the 10 s backoff is long over, the rate-limit reset is not
    assert await queue.claim() is None
    backend.clock.now += 1
    assert await queue.claim() is not None


async def test_a_deferred_job_waits_and_keeps_its_attempts(queue: Any, backend: Backend) -> None:
    """`defer`: the job did not run (its installation's rate limit is nearly spent), so it is due
    again at `until` and the attempt is not counted: deferring it many times never dead-letters it."""
    await queue.enqueue("later", "e", b"{}")
    for _ in range(5):  # more than max_attempts (3)
        job = await queue.claim()
        assert job is not None and job.attempts == 1
        await queue.defer(job, backend.clock.now + 600, "rate budget")
        row = await queue.get("later")
        assert row is not None and row["state"] == "queued" and row["attempts"] == 0
        assert row["last_error"] == "rate budget"
        backend.clock.now += 599
        assert await queue.claim() is None
        backend.clock.now += 1
    job = await queue.claim()
    assert job is not None and job.attempts == 1
    await queue.complete(job)
    row = await queue.get("later")
    assert row is not None and row["state"] == "done" and (await queue.counts())["failed"] == 0


_CHILD = """
import asyncio, sys
from pathlib import Path
from hybridize_bot.bot.queue import SQLiteQueue
from hybridize_bot.bot.queue_redis import RedisQueue

async def main(kind, location):
    if kind == "sqlite":
        queue = await SQLiteQueue.open(Path(location))
    else:
        queue = await RedisQueue.open(location)
    await queue.enqueue("a", "e", b"{}")
    await queue.enqueue("b", "e", b"{}")
    job = await queue.claim()
    print(job.delivery_id, flush=True)
    await asyncio.sleep(3600)  # "processing" until killed

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_job_of_a_killed_process_is_recovered(backend: Backend) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, backend.name, backend.location],
        cwd=REPO, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        line = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 20)
        assert line.strip() == b"a"
    finally:
        os.kill(child.pid, signal.SIGKILL)  # no cleanup of any kind runs in the child
        child.wait()
    backend.clock.now = time.time()  # the child used the real clock for its lease
    queue = await backend.open()
    try:
        assert await queue.counts() == {"queued": 1, "running": 1, "done": 0, "failed": 0}
        if backend.name == "redis":
            # Several machines share the queue: a lease is only taken over once it has expired.
            assert await queue.recover() == 0
            backend.clock.now += queue.lease_s + 1
        assert await queue.recover() == 1
        jobs = [await queue.claim(), await queue.claim()]
        assert sorted(j.delivery_id for j in jobs if j) == ["a", "b"]
        assert {j.delivery_id: j.attempts for j in jobs if j}["a"] == 2
    finally:
        await queue.close()


async def test_wait_wakes_on_enqueue_and_times_out(queue: Any) -> None:
    ticket = queue.ticket()
    waiter = asyncio.create_task(queue.wait(ticket, timeout=5))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await queue.enqueue("w", "e", b"{}")
    await asyncio.wait_for(waiter, 1)
    # A stale ticket returns at once; a fresh one waits for the timeout.
    await asyncio.wait_for(queue.wait(ticket, timeout=5), 0.5)
    await asyncio.sleep(0.05)  # let the Redis wake-up of our own enqueue arrive first
    loop = asyncio.get_running_loop()
    started = loop.time()
    await queue.wait(queue.ticket(), timeout=0.05)
    assert loop.time() - started >= 0.04


async def test_queued_jobs_survive_reopening(backend: Backend) -> None:
    first = await backend.open()
    await first.enqueue("kept", "pull_request", b'{"k": 1}')
    await first.close()
    second = await backend.open()
    try:
        assert not await second.enqueue("kept", "pull_request", b"{}")
        job = await second.claim()
        assert job is not None and (job.delivery_id, job.payload) == ("kept", b'{"k": 1}')
    finally:
        await second.close()


async def test_payload_bytes_roundtrip_exactly(queue: Any) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB, every byte value (the signed body, unchanged)
    await queue.enqueue("big", "push", payload)
    job = await queue.claim()
    assert job is not None and job.payload == payload
