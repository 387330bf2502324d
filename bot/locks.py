"""Per-pull-request serialisation across every worker process that shares the queue (issue 13, item 4).

The embedded default (SQLite queue, one process) needs only `KeyedLocks` (in-process asyncio locks,
bot/context.py). With `QUEUE_URL=redis://...` several processes, maybe on several machines, take jobs
from one queue, and two pushes of one pull request could otherwise be handled at once; `RedisLocks`
takes redis-py's lock (a token under SET NX PX, released and extended by Lua scripts that check the
token: https://redis.readthedocs.io/en/stable/lock.html) on the same Redis as the queue.

The lock is a lease: a process killed while holding it stops extending it and the lock frees itself
after `lease_s`, so its job's retry (by the queue's own lease recovery) is not blocked forever. While
held, the lease is extended every third of `lease_s`, and also right before each write to GitHub
(bot/fencing.py): a job whose lease ran out during a pause writes nothing more, so two jobs of one
pull request never both write (e.g. both create its summary comment).
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
from .fencing import LeaseLost, holding

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
            lease = RedisLease(lock, self.lease_s)
            keeper = asyncio.create_task(self._keep(lock, done, lease), name=f"lease {lock.name}")
            try:
                with holding(lease):
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

    async def _keep(self, lock: Lock, done: asyncio.Event, lease: RedisLease) -> None:
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
                lease.lost = True
                return
            except TimeoutError:
                log.warning("extending lock %s timed out; trying again", lock.name)


class RedisLease:
    """The lease of one held `RedisLocks` lock, renewed before each write (bot/fencing.py)."""

    def __init__(self, lock: Lock, lease_s: float) -> None:
        self._lock, self._lease_s = lock, lease_s
        self.lost = False  # once lost, never trusted again: another job may have read and written since

    async def renew(self) -> None:
        if self.lost:
            raise LeaseLost(f"lock {self._lock.name} was lost; not writing")
        try:
            # redis-py's reacquire is one Lua script: extend only if the key still holds our token.
            async with asyncio.timeout(self._lease_s / 3):
                await self._lock.reacquire()
        except (LockError, TimeoutError) as exc:
            # A renewal that does not answer in time proves nothing: treated as lost, not written.
            self.lost = True
            raise LeaseLost(f"lock {self._lock.name}: lease ran out before a write ({exc!r})") from exc
