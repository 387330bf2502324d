"""Writes fenced by the per-PR lease (bot/fencing.py, issue 13 point 8): two jobs of one pull request,
the first one's lease running out between its read ("no summary comment yet") and its write, must
not both create the summary comment. Seen as a duplicated summary in tests/e2e/test_multiprocess.py
on a loaded machine; here the interleaving is forced with events, so it does not depend on load."""
from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from hybridize_bot.bot.fencing import LeaseLost
from hybridize_bot.bot.locks import RedisLocks, lock_name
from hybridize_bot.bot.publish.gateway import Gateway
from hybridize_bot.bot.publish.markers import SUMMARY_MARKER
from hybridize_bot.bot.publish.summary import find_summary_comment
from tests.bot.test_gateway import ME, world  # noqa: F401  (fixture: the fake GitHub and a client)

KEY = ("pull", "octo", "proj", 1)


@pytest.fixture
async def redis_pair(redis_url: str):
    made = [aioredis.Redis.from_url(redis_url) for _ in range(2)]  # one connection per "process"
    await made[0].flushdb()
    yield made
    for client in made:
        await client.aclose()


def summaries(fake) -> list[str]:
    return [c.body for c in fake.issue_comments.values() if c.body.startswith(SUMMARY_MARKER)]


async def test_a_job_whose_lease_ran_out_does_not_write_the_summary_twice(world, redis_pair):
    fake, repo, pr, gh = world
    gateway = Gateway(gh, "octo", "proj")
    first, second = RedisLocks(redis_pair[0], "t:"), RedisLocks(redis_pair[1], "t:")
    read, written = asyncio.Event(), asyncio.Event()

    async def job(locks: RedisLocks, name: str, before_write: asyncio.Event | None) -> None:
        async with locks(KEY):
            previous = await find_summary_comment(gh, "octo", "proj", pr.number, ME)
            if before_write is not None:
                read.set()
                await before_write.wait()
            await gateway.write_summary(pr.number, f"{SUMMARY_MARKER}\nby {name}", previous)

    slow = asyncio.create_task(job(first, "slow", written))
    await read.wait()  # the slow job found no summary comment...
    # ... and paused longer than its lease (a loaded machine): the lease runs out in Redis.
    await redis_pair[0].delete(lock_name("t:", KEY))
    await job(second, "second", None)  # the other process takes the lock, reads, creates the summary
    written.set()
    with pytest.raises(LeaseLost):
        await slow
    assert summaries(fake) == [f"{SUMMARY_MARKER}\nby second"]


async def test_a_write_renews_the_lease(world, redis_pair):
    fake, repo, pr, gh = world
    locks = RedisLocks(redis_pair[0], "t:", lease_s=60.0)
    async with locks(KEY):
        await redis_pair[1].pexpire(lock_name("t:", KEY), 1000)  # little of the lease left
        await Gateway(gh, "octo", "proj").create_issue_comment(pr.number, "hello")
        # Renewed to a whole lease right before the POST, so the write had 60 s to land in.
        assert await redis_pair[1].pttl(lock_name("t:", KEY)) > 50_000
    assert [c.body for c in fake.issue_comments.values()] == ["hello"]


async def test_reads_are_not_fenced_and_a_lost_lease_sends_no_write(world, redis_pair):
    fake, repo, pr, gh = world
    locks = RedisLocks(redis_pair[0], "t:")
    async with locks(KEY):
        await redis_pair[1].set(lock_name("t:", KEY), b"another-process", px=5000)  # taken over
        assert await find_summary_comment(gh, "octo", "proj", pr.number, ME) is None  # a GET still goes
        before = len(fake.requests)
        with pytest.raises(LeaseLost):
            await Gateway(gh, "octo", "proj").create_issue_comment(pr.number, "late")
        assert len(fake.requests) == before  # nothing reached GitHub
    assert await redis_pair[1].get(lock_name("t:", KEY)) == b"another-process"  # not released by us
