"""SQLite-only behaviour of the job queue: crash recovery, pruning, one process per file, WAL.

The behaviour both queue backends share (dedupe, claim order, retries with backoff, waiting) is tested
once for both in test_queue_contract.py.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hybridize_bot.bot.queue import DEDUPE_RETENTION_S, QueueInUse, SQLiteQueue


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




async def test_one_process_per_queue_file(queue: SQLiteQueue) -> None:
    with pytest.raises(QueueInUse, match="in use by another hybridize-bot process"):
        await SQLiteQueue.open(queue.path)


async def test_wal_mode(queue: SQLiteQueue) -> None:
    with sqlite3.connect(queue.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
