"""The follow-up and command stores behave the same on SQLite (embedded) and on the queue's Redis."""
from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from hybridize_bot.bot.followup.store import FollowupRecord
from hybridize_bot.bot.rate_budget import Window
from hybridize_bot.bot.state import Stores, sqlite_stores
from hybridize_bot.bot.state_redis import redis_stores
from tests.redis_server import redis_server, redis_url  # noqa: F401


@pytest.fixture
def two_views(two_handles) -> tuple[Stores, Stores]:
    return two_handles.pair(sqlite_stores, lambda client: redis_stores(client, "t:"))


async def test_a_follow_up_record_written_by_one_is_read_by_the_other(two_views):
    one, other = two_views
    assert await other.followups.get("octo/x", 1) is None
    record = FollowupRecord("Octo/X", 1, "hybridize/pr-1", last_commit="a" * 40, followup_number=7)
    await one.followups.put(record)
    got = await other.followups.get("octo/x", 1)
    assert got == FollowupRecord("octo/x", 1, "hybridize/pr-1", last_commit="a" * 40, followup_number=7)
    await other.followups.put(got.but(followup_number=None, dismissed_key="k"))
    assert (await one.followups.get("OCTO/x", 1)).dismissed_key == "k"
    assert await one.followups.get("octo/x", 2) is None


async def test_ignores_and_handled_comments_are_shared(two_views):
    one, other = two_views
    await one.commands.ignore("Octo/X", 3, {"HYB001", "HYB004"}, "alice")
    await other.commands.ignore("octo/x", 3, {"HYB004"}, "bob")  # already ignored: alice stays the ignorer
    assert await other.commands.ignored("octo/x", 3) == {"HYB001", "HYB004"}
    assert await other.commands.ignored_by("octo/x", 3) == {"HYB001": "alice", "HYB004": "alice"}
    await other.commands.unignore("octo/x", 3, {"HYB001"})
    assert await one.commands.ignored("octo/x", 3) == {"HYB004"}
    assert await one.commands.ignored("octo/x", 4) == set()
    assert not await other.commands.is_handled("octo/x", 99)
    await one.commands.mark_handled("Octo/X", 99)
    assert await other.commands.is_handled("octo/x", 99)


async def test_forget_deletes_the_redis_records_of_repositories_and_of_an_account(redis_url):  # noqa: F811
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    stores = redis_stores(client, "t:")
    for repo in ("octo/a", "octo/b", "octopus/c"):
        await stores.followups.put(FollowupRecord(repo, 1, "hybridize/pr-1"))
        await stores.commands.ignore(repo, 1, {"HYB001"}, "alice")
        await stores.commands.mark_handled(repo, 5)
    assert await stores.forget(["Octo/A"], None) == 3
    assert await stores.followups.get("octo/a", 1) is None and await stores.commands.ignored("octo/a", 1) == set()
    assert not await stores.commands.is_handled("octo/a", 5)
    assert await stores.forget([], "Octo") == 3  # octo/b; "octopus" is another account
    assert await stores.followups.get("octo/b", 1) is None
    assert await stores.followups.get("octopus/c", 1) is not None
    assert await stores.commands.ignored_by("octopus/c", 1) == {"HYB001": "alice"}
    await client.aclose()


async def test_what_github_answered_is_purged_with_a_repository_and_an_installation(two_views):
    one, other = two_views
    api = "https://api.github.com/repos"
    await one.etags.put(5, "t", f"{api}/octo/a/pulls/1", ('W/"a"', None, {}, None))
    await one.etags.put(5, "t", f"{api}/octo/b/pulls/1", ('W/"b"', None, {}, None))
    await one.etags.put(6, "t", f"{api}/elsewhere/c/pulls/1", ('W/"c"', None, {}, None))
    await one.windows.lower("5", Window(10, 2_000.0))
    await one.tokens.put(5, b"sealed", 4_000_000_000.0)

    await other.forget_installation(5)
    assert await one.etags.get(5, "t", f"{api}/octo/b/pulls/1") is None
    assert await one.windows.get("5") is None and await one.tokens.get(5) is None
    assert await one.etags.get(6, "t", f"{api}/elsewhere/c/pulls/1") == ('W/"c"', None, {}, None)


async def test_a_repository_removed_takes_its_etags_on_redis(redis_url):  # noqa: F811
    client = aioredis.Redis.from_url(redis_url)
    await client.flushdb()
    stores = redis_stores(client, "t:")
    api = "https://api.github.com/repos"
    await stores.etags.put(5, "t", f"{api}/octo/a/pulls/1", ('W/"a"', None, {}, None))
    await stores.etags.put(5, "t", f"{api}/octo/b/pulls/1/files", ('W/"b"', None, [], None))
    assert await stores.forget(["Octo/A"], None) == 1
    assert await stores.etags.get(5, "t", f"{api}/octo/a/pulls/1") is None
    assert await stores.etags.get(5, "t", f"{api}/octo/b/pulls/1/files") == ('W/"b"', None, [], None)
    assert await stores.forget([], "octo") == 1
    await client.aclose()
