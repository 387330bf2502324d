"""The SQLite job queue: dedupe, claim order, retries with backoff, recovery, persistence."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.queue import DEDUPE_RETENTION_S, QueueInUse, SQLiteQueue


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def queue(tmp_path: Path, clock: Clock) -> AsyncIterator[SQLiteQueue]:
    queue = await SQLiteQueue.open(
        tmp_path / "q" / "queue.sqlite3", max_attempts=3, retry_base_delay_s=10.0, clock=clock
    )
    yield queue
    await queue.close()


async def test_enqueue_dedupes_by_delivery_id(queue: SQLiteQueue) -> None:
    assert await queue.enqueue("a", "pull_request", b'{"n": 1}')
    assert not await queue.enqueue("a", "pull_request", b'{"n": 2}')
    assert await queue.depth() == 1
    job = await queue.claim()
    assert job is not None and job.payload == b'{"n": 1}' and job.attempts == 1
    await queue.complete(job)
    # Still a duplicate after completion (redeliveries come up to 3 days later).
    assert not await queue.enqueue("a", "pull_request", b'{"n": 3}')
    assert await queue.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}


async def test_concurrent_enqueues_are_committed_together_and_deduped(queue: SQLiteQueue) -> None:
    results = await asyncio.gather(
        *(queue.enqueue("same", "e", b"{}") for _ in range(10)),
        *(queue.enqueue(f"other-{n}", "e", b"{}") for n in range(10)),
    )
    assert results[:10].count(True) == 1 and all(results[10:])
    assert await queue.depth() == 11


async def test_enqueue_on_a_closed_queue_raises(queue: SQLiteQueue) -> None:
    await queue.close()
    with pytest.raises(RuntimeError):
        await queue.enqueue("late", "e", b"{}")


async def test_claim_is_fifo_and_exclusive(queue: SQLiteQueue, clock: Clock) -> None:
    for n in range(3):
        await queue.enqueue(f"d{n}", "e", b"{}")
        clock.now += 1
    claimed = await asyncio.gather(*(queue.claim() for _ in range(5)))
    ids = [job.delivery_id for job in claimed if job is not None]
    assert sorted(ids) == ["d0", "d1", "d2"] and claimed.count(None) == 2
    assert (await queue.counts())["running"] == 3


async def test_failed_job_backs_off_then_fails_for_good(queue: SQLiteQueue, clock: Clock) -> None:
    await queue.enqueue("x", "e", b"{}")
    job = await queue.claim()
    assert job is not None
    assert await queue.fail(job, "boom 1") == "queued"
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
    assert await queue.fail(job, "boom 3") == "failed"
    clock.now += 10_000
    assert await queue.claim() is None
    row = await queue.get("x")
    assert row is not None and row["state"] == "failed" and row["last_error"] == "boom 3"


async def test_fail_waits_at_least_until_not_before(queue: SQLiteQueue, clock: Clock) -> None:
    await queue.enqueue("limited", "e", b"{}")
    job = await queue.claim()
    assert job is not None
    assert await queue.fail(job, "rate limited", not_before=clock.now + 3600) == "queued"
    clock.now += 3599  # the 10 s backoff is long over, the rate-limit reset is not
    assert await queue.claim() is None
    clock.now += 1
    assert await queue.claim() is not None


async def test_recover_requeues_running_jobs(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "queue.sqlite3"
    first = await SQLiteQueue.open(path, clock=clock)
    await first.enqueue("a", "e", b"{}")
    await first.enqueue("b", "e", b"{}")
    assert await first.claim() is not None  # "a" is running when the process dies
    await first.close()

    second = await SQLiteQueue.open(path, clock=clock)
    try:
        assert await second.counts() == {"queued": 1, "running": 1, "done": 0, "failed": 0}
        assert await second.recover() == 1
        jobs = [await second.claim(), await second.claim()]
        assert sorted(j.delivery_id for j in jobs if j) == ["a", "b"]
        assert {j.delivery_id: j.attempts for j in jobs if j}["a"] == 2
    finally:
        await second.close()


async def test_completed_payload_dropped_and_old_rows_pruned(queue: SQLiteQueue, clock: Clock) -> None:
    await queue.enqueue("old", "e", b"x" * 1000)
    job = await queue.claim()
    assert job is not None
    await queue.complete(job)
    with sqlite3.connect(queue.path) as db:
        assert db.execute("SELECT length(payload) FROM jobs").fetchone() == (0,)
    clock.now += DEDUPE_RETENTION_S + 1
    assert await queue.prune() == 1
    assert await queue.enqueue("old", "e", b"{}")  # forgotten after the retention period


async def test_wait_wakes_on_enqueue_and_times_out(queue: SQLiteQueue) -> None:
    ticket = queue.ticket()
    waiter = asyncio.create_task(queue.wait(ticket, timeout=5))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    await queue.enqueue("w", "e", b"{}")
    await asyncio.wait_for(waiter, 1)
    # A stale ticket returns at once; a fresh one waits for the timeout.
    await asyncio.wait_for(queue.wait(ticket, timeout=5), 0.5)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await queue.wait(queue.ticket(), timeout=0.05)
    assert loop.time() - started >= 0.04


async def test_one_process_per_queue_file(queue: SQLiteQueue) -> None:
    with pytest.raises(QueueInUse, match="in use by another hybridize-bot process"):
        await SQLiteQueue.open(queue.path)


async def test_wal_mode(queue: SQLiteQueue) -> None:
    with sqlite3.connect(queue.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
