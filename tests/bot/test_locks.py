"""Per-PR locks on Redis: one holder across processes (separate connections stand for them), and a
holder that dies frees the lock when its lease runs out."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from hybridize_bot.bot.locks import RedisLocks, lock_name
from tests.redis_server import redis_server, redis_url  # noqa: F401

KEY = ("pull", "octo", "tiny-tf", 7)


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[aioredis.Redis]]:
    made = [aioredis.Redis.from_url(redis_url) for _ in range(2)]
    await made[0].flushdb()
    yield made
    for client in made:
        await client.aclose()


async def test_a_second_process_waits_until_the_first_releases(clients):
    first, second = RedisLocks(clients[0], "t:"), RedisLocks(clients[1], "t:")
    order: list[str] = []
    held, release = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with first(KEY):
            order.append("first in")
            held.set()
            await release.wait()
            order.append("first out")

    async def waiter() -> None:
        await held.wait()
        async with second(KEY):
            order.append("second in")

    tasks = [asyncio.create_task(holder()), asyncio.create_task(waiter())]
    await held.wait()
    # The waiter polls Redis every 50 ms; in 0.3 s (6 polls) it must not get in while the holder is.
    done, _ = await asyncio.wait([tasks[1]], timeout=0.3)
    assert not done and order == ["first in"]
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "first out", "second in"]
    assert await clients[0].get(lock_name("t:", KEY)) is None  # released


async def test_other_keys_are_not_blocked(clients):
    first, second = RedisLocks(clients[0], "t:"), RedisLocks(clients[1], "t:")
    async with first(KEY):
        async with second(("pull", "octo", "tiny-tf", 8)):
            pass


async def test_a_dead_holder_frees_the_lock_after_its_lease(clients):
    # A holder that never releases nor extends (its process was killed): the raw token it left.
    await clients[0].set(lock_name("t:", KEY), b"dead-process-token", px=300)
    survivor = RedisLocks(clients[1], "t:", lease_s=5.0)
    async with asyncio.timeout(5):
        async with survivor(KEY):
            assert await clients[1].get(lock_name("t:", KEY)) != b"dead-process-token"


async def test_a_long_job_keeps_its_lease(clients):
    holder, other = RedisLocks(clients[0], "t:", lease_s=0.3), RedisLocks(clients[1], "t:", lease_s=0.3)
    async with holder(KEY):
        # Three leases long: the keeper extends it, so the other side never gets in meanwhile.
        for _ in range(9):
            ttl = await clients[1].pttl(lock_name("t:", KEY))
            assert ttl > 0
            await asyncio.sleep(0.1)
        got_it = await other._client.set(lock_name("t:", KEY), b"x", nx=True, px=1000)
        assert not got_it
