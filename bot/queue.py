"""The durable job queue between the webhook (which must answer within 10 s) and the workers.

GitHub counts a delivery as failed if it is not answered with a 2XX within 10 seconds and never
redelivers it on its own, so accepted events are written here first and processed afterwards.
https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks

`JobQueue` is the whole interface the server and the workers use; `SQLiteQueue` is the embedded
implementation (one process; a Redis implementation for several machines can sit behind the same
interface). Its properties:

- dedupe: `X-GitHub-Delivery` is unique (it is unchanged on redelivery), a second enqueue of the same
  id is a no-op. Completed jobs keep their row (payload dropped) for DEDUPE_RETENTION_S;
- crash recovery: jobs left `running` by a crash are re-queued by `recover()` at start-up;
- group commit: enqueues that arrive while a write is in progress share the next transaction,
  and each caller returns only once its row is committed;
- retries: `fail()` re-queues with exponential backoff until `max_attempts` (at once for a permanent
  failure), then keeps the job as `failed` with its error and payload: the dead-letter record, for
  inspection or a manual re-queue, counted by `counts()["failed"]` and the `/metrics` endpoint.

Durability: WAL with synchronous=NORMAL. A committed enqueue survives a crash or kill of the bot
process; only an OS crash or power loss can lose the last commits (https://www.sqlite.org/wal.html,
https://www.sqlite.org/pragma.html#pragma_synchronous). Deliveries lost that way can be redelivered
from GitHub for 3 days (https://docs.github.com/en/rest/apps/webhooks).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

T = TypeVar("T")
# (delivery_id, event, payload, enqueued_at, future resolved with "inserted?")
_Pending = tuple[str, str, bytes, float, "asyncio.Future[bool]"]

# GitHub keeps deliveries (and allows redelivering them) for 3 days; remember ids for a week.
# https://docs.github.com/en/webhooks/testing-and-troubleshooting-webhooks/redelivering-webhooks
DEDUPE_RETENTION_S = 7 * 24 * 3600
_PRUNE_EVERY = 1000  # completions between two prunes of old rows
_MAX_ERROR_CHARS = 4000

STATES = ("queued", "running", "done", "failed")


class QueueInUse(RuntimeError):
    """Another process already serves this queue file (recovery would steal its running jobs)."""


class Wakeups:
    """`ticket()`/`wait()` of the JobQueue protocol: idle workers sleep until something is enqueued.

    A worker takes a ticket before looking for work and waits only if nothing changed since; a fresh
    Event per generation wakes the waiters of the old one while later waiters block again.
    """

    def __init__(self) -> None:
        self._generation = 0
        self._changed = asyncio.Event()

    def ticket(self) -> int:
        return self._generation

    async def wait(self, ticket: int, timeout: float) -> None:
        if ticket != self._generation:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    def _notify(self) -> None:
        self._generation += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id  TEXT    NOT NULL UNIQUE,
    event        TEXT    NOT NULL,
    payload      BLOB    NOT NULL,
    state        TEXT    NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    available_at REAL    NOT NULL,
    created_at   REAL    NOT NULL,
    updated_at   REAL    NOT NULL,
    last_error   TEXT
);
CREATE INDEX IF NOT EXISTS jobs_ready ON jobs (state, available_at, id);
"""


@dataclass(frozen=True)
class Job:
    id: int
    delivery_id: str
    event: str
    payload: bytes  # the raw webhook body, exactly as signed by GitHub
    attempts: int  # including the current one


class JobQueue(Protocol):
    """What the webhook and the workers need from a queue backend."""

    async def enqueue(self, delivery_id: str, event: str, payload: bytes) -> bool:
        """Store a job; False if this delivery id was seen before (nothing stored)."""

    async def claim(self) -> Job | None:
        """Take the next due job (marks it running), or None."""

    async def complete(self, job: Job) -> None: ...

    async def fail(self, job: Job, error: str, *, not_before: float | None = None,
                   permanent: bool = False) -> str:
        """Record a failure; returns the new state: 'queued' (retry scheduled) or 'failed'.

        `not_before` (epoch seconds) delays the retry at least until then, e.g. a rate-limit reset.
        `permanent`: retrying cannot help (bot/errors.py); the job is kept as `failed` at once.
        """

    async def defer(self, job: Job, until: float, reason: str) -> None:
        """Put a claimed job back, due at `until` (epoch seconds), without counting the attempt: it
        did not run (e.g. its installation's rate limit is nearly spent, bot/rate_budget.py)."""

    async def depth(self) -> int:
        """Jobs waiting (queued, including those backing off)."""

    async def counts(self) -> dict[str, int]: ...

    async def recover(self) -> int:
        """Re-queue jobs a crashed process left running; returns how many."""

    def ticket(self) -> int:
        """A marker to pass to wait(): wait returns at once if anything was enqueued since."""

    async def wait(self, ticket: int, timeout: float) -> None: ...

    async def close(self) -> None: ...


class SQLiteQueue(Wakeups):
    """JobQueue on one SQLite file, for a single server process. Use `await SQLiteQueue.open(...)`."""

    def __init__(
        self,
        path: Path,
        *,
        max_attempts: int = 4,
        retry_base_delay_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.path = path
        self.max_attempts = max_attempts
        self.retry_base_delay_s = retry_base_delay_s
        self._clock = clock
        # sqlite3 connections belong to one thread: every statement runs on this one, off the loop.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="queue-sqlite")
        self._db: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._pending: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None
        self._completions = 0

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        max_attempts: int = 4,
        retry_base_delay_s: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> SQLiteQueue:
        """Create the file if needed, lock it for this process, and return the queue."""
        queue = cls(
            path, max_attempts=max_attempts, retry_base_delay_s=retry_base_delay_s, clock=clock
        )
        try:
            await asyncio.get_running_loop().run_in_executor(queue._executor, queue._connect)
        except BaseException:
            queue._executor.shutdown(wait=False)
            raise
        return queue

    # -- interface -------------------------------------------------------------------------

    async def enqueue(self, delivery_id: str, event: str, payload: bytes) -> bool:
        # Group commit: deliveries arriving while a write is in progress are inserted together in
        # the next transaction. Each caller still returns only after its row is committed.
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((delivery_id, event, payload, self._clock(), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        inserted = await future
        if inserted:
            self._notify()
        return inserted

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                results = await self._run(lambda db: _insert_batch(db, batch))
            except Exception as exc:  # nothing of this batch was stored
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for (*_, future), inserted in zip(batch, results):
                    if not future.done():
                        future.set_result(inserted)

    async def claim(self) -> Job | None:
        now = self._clock()
        row = await self._run(
            lambda db: db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, updated_at = ?"
                " WHERE id = (SELECT id FROM jobs WHERE state = 'queued' AND available_at <= ?"
                "             ORDER BY available_at, id LIMIT 1)"
                " RETURNING id, delivery_id, event, payload, attempts",
                (now, now),
            ).fetchone()
        )
        return None if row is None else Job(*row)

    async def complete(self, job: Job) -> None:
        # Keep the row so a redelivery of this id is still recognised; the payload is not needed.
        await self._run(
            lambda db: db.execute(
                "UPDATE jobs SET state = 'done', payload = x'', last_error = NULL, updated_at = ?"
                " WHERE id = ?",
                (self._clock(), job.id),
            )
        )
        self._completions += 1
        if self._completions % _PRUNE_EVERY == 0:
            await self.prune()

    async def fail(self, job: Job, error: str, *, not_before: float | None = None,
                   permanent: bool = False) -> str:
        now = self._clock()
        error = error[-_MAX_ERROR_CHARS:]
        if permanent or job.attempts >= self.max_attempts:
            state, available_at = "failed", now
        else:
            state = "queued"
            available_at = now + self.retry_base_delay_s * 2 ** (job.attempts - 1)
            if not_before is not None:
                available_at = max(available_at, not_before)
        await self._run(
            lambda db: db.execute(
                "UPDATE jobs SET state = ?, available_at = ?, last_error = ?, updated_at = ?"
                " WHERE id = ?",
                (state, available_at, error, now, job.id),
            )
        )
        return state

    async def defer(self, job: Job, until: float, reason: str) -> None:
        await self._run(
            lambda db: db.execute(
                "UPDATE jobs SET state = 'queued', attempts = attempts - 1, available_at = ?,"
                " last_error = ?, updated_at = ? WHERE id = ? AND state = 'running'",
                (until, reason[-_MAX_ERROR_CHARS:], self._clock(), job.id),
            )
        )

    async def depth(self) -> int:
        return (await self.counts())["queued"]

    async def counts(self) -> dict[str, int]:
        rows = await self._run(
            lambda db: db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
        )
        counts = dict.fromkeys(STATES, 0)
        counts.update(rows)
        return counts

    async def recover(self) -> int:
        recovered = await self._run(
            lambda db: db.execute(
                "UPDATE jobs SET state = 'queued', available_at = ?, updated_at = ?"
                " WHERE state = 'running'",
                (self._clock(), self._clock()),
            ).rowcount
        )
        await self.prune()
        if recovered:
            self._notify()
        return recovered

    async def prune(self) -> int:
        """Forget completed jobs older than DEDUPE_RETENTION_S."""
        cutoff = self._clock() - DEDUPE_RETENTION_S
        return await self._run(
            lambda db: db.execute(
                "DELETE FROM jobs WHERE state = 'done' AND updated_at < ?", (cutoff,)
            ).rowcount
        )

    async def get(self, delivery_id: str) -> dict[str, object] | None:
        """The stored row of a delivery (for tests and operators)."""

        def query(db: sqlite3.Connection) -> dict[str, object] | None:
            cursor = db.execute(
                "SELECT id, delivery_id, event, state, attempts, available_at, last_error"
                " FROM jobs WHERE delivery_id = ?",
                (delivery_id,),
            )
            row = cursor.fetchone()
            return None if row is None else dict(zip([c[0] for c in cursor.description], row))

        return await self._run(query)

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        if self._db is not None:
            await self._run(lambda db: db.close())
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None
        self._executor.shutdown(wait=True)

    # -- internals -------------------------------------------------------------------------


    def _connect(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock_exclusively(self.path.with_name(self.path.name + ".lock"))
        # isolation_level=None: autocommit; each statement above is its own atomic transaction.
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("PRAGMA busy_timeout = 5000")
        db.executescript(_SCHEMA)
        self._db = db

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn)

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._db is None:
            raise RuntimeError("queue is closed")
        return fn(self._db)


def _insert_batch(db: sqlite3.Connection, batch: list[_Pending]) -> list[bool]:
    """Insert a batch in one transaction; per row, False if its delivery id was already known."""
    inserted = []
    db.execute("BEGIN IMMEDIATE")
    try:
        for delivery_id, event, payload, now, _ in batch:
            cursor = db.execute(
                "INSERT INTO jobs (delivery_id, event, payload, state, available_at, created_at,"
                " updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?)"
                " ON CONFLICT (delivery_id) DO NOTHING",
                (delivery_id, event, payload, now, now, now),
            )
            inserted.append(cursor.rowcount == 1)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return inserted


def _lock_exclusively(path: Path) -> int:
    """Hold an advisory lock for the queue's lifetime: one server process per data directory."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise QueueInUse(f"{path.parent} is in use by another hybridize-bot process") from None
    return fd
