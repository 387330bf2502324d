"""Per-pull-request serialisation across every worker process that shares the queue (issue 13, item 4).

The embedded default (SQLite queue, one process) needs only `KeyedLocks` (in-process asyncio locks,
bot/context.py). With `QUEUE_URL=redis://...` several processes, maybe on several machines, take jobs
from one queue, and two pushes of one pull request could otherwise be handled at once; `RedisLocks`
takes redis-py's lock (a token under SET NX PX, released and extended by Lua scripts that check the
token: https://redis.readthedocs.io/en/stable/lock.html) on the same Redis as the queue.

The lock is a lease: a process killed while holding it stops extending it and the lock frees itself
after `lease_s`, so its job's retry (by the queue's own lease recovery) is not blocked forever. While
held, the lease is extended every third of `lease_s`.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Hashable

from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from .context import KeyedLocks

log = logging.getLogger(__name__)

DEFAULT_LOCK_LEASE_S = 60.0


def lock_name(prefix: str, key: Hashable) -> str:
    parts = key if isinstance(key, tuple) else (key,)
    return prefix + "lock:" + ":".join(str(p) for p in parts)


class RedisLocks:
    """`async with locks(key):` held by at most one coroutine of all processes on this Redis."""

    def __init__(self, client: Redis, prefix: str, *, lease_s: float = DEFAULT_LOCK_LEASE_S,
                 poll_s: float = 0.05) -> None:
        self._client, self._prefix = client, prefix
        self.lease_s, self._poll_s = lease_s, poll_s
        # Waiters of this process queue on a local lock first, so only one of them polls Redis.
        self._local = KeyedLocks()

    @contextlib.asynccontextmanager
    async def __call__(self, key: Hashable) -> AsyncIterator[None]:
        async with self._local(key):
            lock = Lock(self._client, lock_name(self._prefix, key), timeout=self.lease_s, sleep=self._poll_s)
            await lock.acquire()
            done = asyncio.Event()
            keeper = asyncio.create_task(self._keep(lock, done), name=f"lease {lock.name}")
            try:
                yield
            finally:
                # The keeper is told to stop and finishes its current command, never cancelled inside
                # one: a redis-py command cancelled mid-flight could leave its connection waiting, and
                # the job stalled in this `finally` until the process stopped (seen in
                # tests/e2e/test_multiprocess.py, seed 23).
                done.set()
                await keeper
                try:
                    # A release that does not answer in time is given up: the lease frees the lock.
                    async with asyncio.timeout(self.lease_s):
                        await lock.release()
                except LockError:  # the lease ran out (e.g. a long pause); someone else may hold it now
                    log.warning("lock %s expired before it was released", lock.name)
                except TimeoutError:
                    log.warning("releasing lock %s timed out; its lease frees it", lock.name)

    async def _keep(self, lock: Lock, done: asyncio.Event) -> None:
        while True:
            try:
                async with asyncio.timeout(self.lease_s / 3):
                    await done.wait()
                return
            except TimeoutError:
                pass
            try:
                async with asyncio.timeout(self.lease_s / 3):
                    await lock.reacquire()  # back to a full lease_s
            except LockError:
                log.warning("lost lock %s: its lease ran out", lock.name)
                return
            except TimeoutError:
                log.warning("extending lock %s timed out; trying again", lock.name)
