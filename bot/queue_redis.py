"""The job queue on Redis, for several server processes on several machines sharing one queue.

Same `JobQueue` interface and semantics as `bot.queue.SQLiteQueue`; the webhook and the workers do
not know which one they use (`QUEUE_URL` picks it, see bot/settings.py). Every state change is one
Lua script, so it is atomic on the server: a crash of the bot between two commands cannot lose or
duplicate a job. Keys (all under `prefix`, default `hybridize-bot:`):

    seq              INCR counter for job ids
    job:<id>         hash: delivery_id, event, payload, state, attempts, available_at,
                     created_at, updated_at, last_error
    dedupe:<guid>    job id of an X-GitHub-Delivery; set NX with enqueue, TTL DEDUPE_RETENTION_S
    ready            ZSET id -> not-before time. Queued jobs and jobs backing off after a failure
                     (the delayed set) are the same set: a job is due when its score <= now.
    running          ZSET id -> lease expiry. A claim moves the id here atomically.
    done, failed     ZSET id -> time it got there (counts, pruning, inspection)
    wakeup           pub/sub channel: one message per enqueue

Ids are zero-padded (`%015d`) so that ZSET ties (same score) are broken in enqueue order.

Reliability across machines: a claim moves the job from `ready` to `running` with a lease of
`lease_s`; while the job is held, a background task of the claiming process renews the lease every
`lease_s / 3`. A process that dies stops renewing, and the next `claim()` or `recover()` of *any*
process re-queues the job once the lease has expired (so `recover()` here only touches expired
leases: jobs of live processes on other machines are left alone). A job whose lease expired
`max_attempts` times (it keeps killing its worker) is kept as `failed`, not re-queued forever.
A claim is identified by (job id, attempts): `complete`/`fail` from a process whose lease was lost
and whose job was claimed again are ignored, so a job is never completed twice. Delivery is
at-least-once: a job whose holder stalled for longer than the lease may run twice.

Closing the queue (graceful shutdown) re-queues the jobs it still holds at once.

Clock: times are the bot's wall clock (`clock`, passed into the scripts), as in SQLiteQueue, so
machines sharing a queue need synchronised clocks (NTP); skew must stay well below `lease_s`.

Waiting: `wait()` wakes on a local enqueue or a `wakeup` message from any process; pub/sub is
fire-and-forget, so a lost message only delays a job until the worker's next poll (its timeout).

Durability: run Redis with `appendonly yes`. Redis writes the AOF before it replies, so an
acknowledged enqueue survives a kill of Redis; with the default `appendfsync everysec` an OS crash
or power loss can lose the last second (https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/).
GitHub keeps deliveries for redelivery for 3 days (https://docs.github.com/en/rest/apps/webhooks).
`open()` logs a warning when the server has AOF off.

Not supported: Redis Cluster (the scripts build job keys from ids, which Cluster forbids).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from hybridize_bot.bot.queue import _MAX_ERROR_CHARS, DEDUPE_RETENTION_S, STATES, Job, Wakeups
from hybridize_bot.bot.settings import redact_url

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "hybridize-bot:"
DEFAULT_LEASE_S = 30.0
# GitHub gives up on a delivery not answered within 10 s; an enqueue must fail (503, GitHub can
# redeliver) well before that rather than hang on an unreachable Redis: at most 2 tries of 3 s.
# (redis-py's own default is 10 retries.)
# https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
_SOCKET_TIMEOUT_S = 3.0
_RETRIES = 1
_RECLAIM_BATCH = 100  # expired leases handled per script call (keeps each call short)


class QueueUnavailable(ConnectionError):
    """Redis cannot be reached at start-up (a ConnectionError, so main() reports it in one line)."""


# Re-queue (or, after max_attempts, fail) jobs whose lease expired. Shared by claim and recover.
# KEYS: ready, running, failed. ARGV: prefix, now, max_attempts. Sets `requeued` (a count).
_RECLAIM = """
local prefix, now, max_attempts = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local requeued = 0
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, %d)) do
  redis.call('ZREM', KEYS[2], m)
  local key = prefix .. 'job:' .. m
  local attempts = tonumber(redis.call('HGET', key, 'attempts'))
  if attempts and attempts >= max_attempts then
    redis.call('ZADD', KEYS[3], now, m)
    redis.call('HSET', key, 'state', 'failed', 'updated_at', ARGV[2],
      'last_error', 'worker lost (lease expired) on attempt ' .. attempts)
  elseif attempts then
    redis.call('ZADD', KEYS[1], now, m)
    redis.call('HSET', key, 'state', 'queued', 'available_at', ARGV[2], 'updated_at', ARGV[2])
    requeued = requeued + 1
  end
end
""" % _RECLAIM_BATCH

# KEYS: dedupe, seq, ready. ARGV: prefix, delivery_id, event, payload, now, retention_ms, channel
_ENQUEUE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local m = string.format('%015d', redis.call('INCR', KEYS[2]))
redis.call('SET', KEYS[1], m, 'PX', ARGV[6])
redis.call('HSET', ARGV[1] .. 'job:' .. m, 'delivery_id', ARGV[2], 'event', ARGV[3],
  'payload', ARGV[4], 'state', 'queued', 'attempts', 0,
  'available_at', ARGV[5], 'created_at', ARGV[5], 'updated_at', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[5], m)
redis.call('PUBLISH', ARGV[7], m)
return 1
"""

# KEYS: ready, running, failed. ARGV: prefix, now, max_attempts, lease_until
_CLAIM = _RECLAIM + """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 1)
if #due == 0 then return false end
local m = due[1]
local key = prefix .. 'job:' .. m
redis.call('ZREM', KEYS[1], m)
redis.call('ZADD', KEYS[2], ARGV[4], m)
local attempts = redis.call('HINCRBY', key, 'attempts', 1)
redis.call('HSET', key, 'state', 'running', 'updated_at', ARGV[2])
local f = redis.call('HMGET', key, 'delivery_id', 'event', 'payload')
return {m, f[1], f[2], f[3], attempts}
"""

# KEYS: ready, running, failed. ARGV: prefix, now, max_attempts, channel
_RECOVER = _RECLAIM + """
if requeued > 0 then redis.call('PUBLISH', ARGV[4], 'recovered') end
return requeued
"""

# Extend the leases of claims this process still holds (and only those: same attempts number).
# KEYS: running. ARGV: prefix, lease_until, then pairs of (id, attempts)
_RENEW = """
for i = 3, #ARGV, 2 do
  local m = ARGV[i]
  if redis.call('ZSCORE', KEYS[1], m)
     and redis.call('HGET', ARGV[1] .. 'job:' .. m, 'attempts') == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[2], m)
  end
end
return 0
"""

# Put back claims this process holds, at once (graceful shutdown).
# KEYS: ready, running. ARGV: prefix, now, channel, then pairs of (id, attempts)
_RELEASE = """
local released = 0
for i = 4, #ARGV, 2 do
  local m = ARGV[i]
  local key = ARGV[1] .. 'job:' .. m
  if redis.call('ZSCORE', KEYS[2], m) and redis.call('HGET', key, 'attempts') == ARGV[i + 1] then
    redis.call('ZREM', KEYS[2], m)
    redis.call('ZADD', KEYS[1], ARGV[2], m)
    redis.call('HSET', key, 'state', 'queued', 'available_at', ARGV[2], 'updated_at', ARGV[2])
    released = released + 1
  end
end
if released > 0 then redis.call('PUBLISH', ARGV[3], 'released') end
return released
"""

# A claim is still ours if nobody claimed the job since (same attempts) and it is not done yet.
# It may have been re-queued by lease expiry meanwhile: finishing it then saves a second run.
_OWNED = """
local key = ARGV[1] .. 'job:' .. ARGV[2]
local state = redis.call('HGET', key, 'state')
if not state then return 'missing' end
if state == 'done' or redis.call('HGET', key, 'attempts') ~= ARGV[3] then return state end
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
"""

# KEYS: ready, running, failed, done, dedupe. ARGV: prefix, id, attempts, now, retention_ms, cutoff
_COMPLETE = _OWNED + """
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2])
redis.call('HSET', key, 'state', 'done', 'updated_at', ARGV[4])
-- Keep the id (for redelivery dedupe) for the retention period; the payload is not needed.
redis.call('HDEL', key, 'payload', 'last_error')
redis.call('PEXPIRE', key, ARGV[5])
redis.call('PEXPIRE', KEYS[5], ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[6])
return 'done'
"""

# KEYS: ready, running, failed, dedupe.
# ARGV: prefix, id, attempts, now, new_state, available_at, error
_FAIL = _OWNED + """
if ARGV[5] == 'queued' then
  redis.call('ZADD', KEYS[1], ARGV[6], ARGV[2])
  redis.call('HSET', key, 'state', 'queued', 'available_at', ARGV[6], 'last_error', ARGV[7],
    'updated_at', ARGV[4])
else
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
  redis.call('HSET', key, 'state', 'failed', 'last_error', ARGV[7], 'updated_at', ARGV[4])
  -- Failed jobs are kept (like SQLite's rows), so a redelivery stays a duplicate.
  redis.call('PERSIST', KEYS[4])
end
return ARGV[5]
"""


# KEYS: ready, running, failed. ARGV: prefix, id, attempts, now, available_at, reason
_DEFER = _OWNED + """
redis.call('HINCRBY', key, 'attempts', -1)
redis.call('ZADD', KEYS[1], ARGV[5], ARGV[2])
redis.call('HSET', key, 'state', 'queued', 'available_at', ARGV[5], 'last_error', ARGV[6],
  'updated_at', ARGV[4])
return 'queued'
"""


def _member(job_id: int) -> str:
    return "%015d" % job_id


def _num(value: float) -> str:
    return repr(float(value))  # full precision; Lua's number formatting would round to 14 digits


class RedisQueue(Wakeups):
    """JobQueue on a Redis server shared by any number of processes. Use `await RedisQueue.open(url)`."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        max_attempts: int = 4,
        retry_base_delay_s: float = 30.0,
        lease_s: float = DEFAULT_LEASE_S,
        dedupe_retention_s: float = DEDUPE_RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.prefix = prefix
        self.max_attempts = max_attempts
        self.retry_base_delay_s = retry_base_delay_s
        self.lease_s = lease_s
        self.dedupe_retention_s = dedupe_retention_s
        self._clock = clock
        self._client = client
        self._ready, self._running = prefix + "ready", prefix + "running"
        self._done, self._failed = prefix + "done", prefix + "failed"
        self._seq, self._channel = prefix + "seq", prefix + "wakeup"
        self._scripts = {
            name: client.register_script(source)
            for name, source in (
                ("enqueue", _ENQUEUE), ("claim", _CLAIM), ("recover", _RECOVER),
                ("renew", _RENEW), ("release", _RELEASE), ("complete", _COMPLETE), ("fail", _FAIL),
                ("defer", _DEFER),
            )
        }
        self._held: dict[int, int] = {}  # job id -> attempts of our claim (the lease to renew)
        self._closed = False
        super().__init__()
        self._background: list[asyncio.Task[None]] = []

    @property
    def client(self) -> aioredis.Redis:
        """The connection pool, shared with what lives beside the queue (bot/locks.py)."""
        return self._client

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        max_attempts: int = 4,
        retry_base_delay_s: float = 30.0,
        lease_s: float = DEFAULT_LEASE_S,
        dedupe_retention_s: float = DEDUPE_RETENTION_S,
        clock: Callable[[], float] = time.time,
    ) -> RedisQueue:
        """Connect (redis://host:port/db), check the server answers, start lease renewal and wakeups."""
        client = aioredis.Redis.from_url(
            url,
            socket_timeout=_SOCKET_TIMEOUT_S,
            socket_connect_timeout=_SOCKET_TIMEOUT_S,
            retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), _RETRIES),
        )
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            await client.aclose()
            raise QueueUnavailable(f"Redis queue at {redact_url(url)} unavailable: {exc}") from None
        try:
            persistence = await client.info("persistence")
        except RedisError:  # some hosted Redis restrict INFO; durability is then theirs to state
            persistence = {"aof_enabled": 1}
        if not persistence.get("aof_enabled"):
            log.warning(
                "Redis at %s runs without appendonly: queued jobs are lost if Redis restarts",
                redact_url(url),
            )
        queue = cls(
            client, prefix=prefix, max_attempts=max_attempts, retry_base_delay_s=retry_base_delay_s,
            lease_s=lease_s, dedupe_retention_s=dedupe_retention_s, clock=clock,
        )
        queue._background = [
            asyncio.create_task(queue._renew_leases(), name="redis-queue-leases"),
            asyncio.create_task(queue._listen(), name="redis-queue-wakeups"),
        ]
        return queue

    # -- interface -------------------------------------------------------------------------

    async def enqueue(self, delivery_id: str, event: str, payload: bytes) -> bool:
        self._check_open()
        inserted = await self._scripts["enqueue"](
            keys=[self.prefix + "dedupe:" + delivery_id, self._seq, self._ready],
            args=[
                self.prefix, delivery_id, event, payload, _num(self._clock()),
                int(self.dedupe_retention_s * 1000), self._channel,
            ],
        )
        if inserted:
            self._notify()
        return bool(inserted)

    async def claim(self) -> Job | None:
        self._check_open()
        now = self._clock()
        row = await self._scripts["claim"](
            keys=[self._ready, self._running, self._failed],
            args=[self.prefix, _num(now), self.max_attempts, _num(now + self.lease_s)],
        )
        if row is None:
            return None
        member, delivery_id, event, payload, attempts = row
        job = Job(int(member), delivery_id.decode(), event.decode(), payload, int(attempts))
        self._held[job.id] = job.attempts
        return job

    async def complete(self, job: Job) -> None:
        self._check_open()
        now = self._clock()
        try:
            state = await self._scripts["complete"](
                keys=[self._ready, self._running, self._failed, self._done, self._dedupe(job)],
                args=[
                    self.prefix, _member(job.id), job.attempts, _num(now),
                    int(self.dedupe_retention_s * 1000), _num(now - self.dedupe_retention_s),
                ],
            )
        finally:
            self._held.pop(job.id, None)
        if state.decode() != "done":
            log.warning("completion of delivery %s ignored: claimed again meanwhile", job.delivery_id)

    async def fail(self, job: Job, error: str, *, not_before: float | None = None,
                   permanent: bool = False) -> str:
        self._check_open()
        now = self._clock()
        error = error[-_MAX_ERROR_CHARS:]
        if permanent or job.attempts >= self.max_attempts:
            state, available_at = "failed", now
        else:
            state = "queued"
            available_at = now + self.retry_base_delay_s * 2 ** (job.attempts - 1)
            if not_before is not None:
                available_at = max(available_at, not_before)
        try:
            result = await self._scripts["fail"](
                keys=[self._ready, self._running, self._failed, self._dedupe(job)],
                args=[
                    self.prefix, _member(job.id), job.attempts, _num(now), state,
                    _num(available_at), error,
                ],
            )
        finally:
            self._held.pop(job.id, None)
        if result.decode() != state:
            log.warning("failure of delivery %s ignored: claimed again meanwhile", job.delivery_id)
        return result.decode()

    async def defer(self, job: Job, until: float, reason: str) -> None:
        self._check_open()
        try:
            await self._scripts["defer"](
                keys=[self._ready, self._running, self._failed],
                args=[self.prefix, _member(job.id), job.attempts, _num(self._clock()), _num(until),
                      reason[-_MAX_ERROR_CHARS:]],
            )
        finally:
            self._held.pop(job.id, None)

    async def depth(self) -> int:
        self._check_open()
        return int(await self._client.zcard(self._ready))

    async def counts(self) -> dict[str, int]:
        self._check_open()
        cutoff = self._clock() - self.dedupe_retention_s
        async with self._client.pipeline(transaction=True) as pipe:  # one consistent snapshot
            pipe.zcard(self._ready).zcard(self._running)
            pipe.zcount(self._done, _num(cutoff), "+inf").zcard(self._failed)
            values = await pipe.execute()
        return dict(zip(STATES, map(int, values)))

    async def recover(self) -> int:
        """Re-queue jobs whose lease expired (their process died); live processes keep theirs."""
        self._check_open()
        requeued = await self._scripts["recover"](
            keys=[self._ready, self._running, self._failed],
            args=[self.prefix, _num(self._clock()), self.max_attempts, self._channel],
        )
        await self.prune()
        return int(requeued)

    async def prune(self) -> int:
        """Forget completed jobs older than the retention (their keys expire on their own)."""
        cutoff = self._clock() - self.dedupe_retention_s
        return int(await self._client.zremrangebyscore(self._done, "-inf", _num(cutoff)))

    async def get(self, delivery_id: str) -> dict[str, object] | None:
        """The stored job of a delivery (for tests and operators), like SQLiteQueue.get."""
        self._check_open()
        member = await self._client.get(self.prefix + "dedupe:" + delivery_id)
        if member is None:
            return None
        fields = ("delivery_id", "event", "state", "attempts", "available_at", "last_error")
        values = await self._client.hmget(self.prefix + "job:" + member.decode(), fields)
        if values[0] is None:
            return None
        row: dict[str, Any] = {"id": int(member)}
        row.update((f, v.decode() if v is not None else None) for f, v in zip(fields, values))
        row["attempts"] = int(row["attempts"])
        row["available_at"] = float(row["available_at"])
        return row


    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        await _cancel(self._background)
        if self._held:  # jobs interrupted by shutdown: hand them to other workers now
            try:
                released = await self._scripts["release"](
                    keys=[self._ready, self._running],
                    args=[self.prefix, _num(self._clock()), self._channel, *self._pairs()],
                )
                log.info("re-queued %d interrupted job(s)", released)
            except (RedisError, OSError):  # their leases expire instead
                log.warning("could not re-queue %d interrupted job(s)", len(self._held))
            self._held.clear()
        await self._client.aclose()

    # -- internals -------------------------------------------------------------------------

    def _check_open(self) -> None:
        # redis-py reconnects on use even after aclose(); a closed queue must refuse like SQLite's.
        if self._closed:
            raise RuntimeError("queue is closed")

    def _dedupe(self, job: Job) -> str:
        return self.prefix + "dedupe:" + job.delivery_id

    def _pairs(self) -> list[str | int]:
        return [x for job_id, attempts in self._held.items() for x in (_member(job_id), attempts)]


    async def _renew_leases(self) -> None:
        while not self._closed:
            await asyncio.sleep(self.lease_s / 3)
            if not self._held:
                continue
            try:
                await self._scripts["renew"](
                    keys=[self._running],
                    args=[self.prefix, _num(self._clock() + self.lease_s), *self._pairs()],
                )
            except (RedisError, OSError) as exc:
                log.warning("could not renew job leases: %s", exc)

    async def _listen(self) -> None:
        while not self._closed:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    while not self._closed:
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=1.0
                        )
                        if message is not None:
                            self._notify()
            except (RedisError, OSError) as exc:
                # Workers keep polling meanwhile; only the instant wake-up is missing.
                log.warning("Redis queue wake-ups interrupted (%s); resubscribing", exc)
                await asyncio.sleep(1.0)



async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel and await tasks, cancelling again while they run: redis-py can swallow a
    cancellation that arrives while it connects (then the loops end on `_closed` instead)."""
    pending = {task for task in tasks if not task.done()}
    for _ in range(40):
        if not pending:
            break
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.05)
    await asyncio.gather(*tasks, return_exceptions=True)
