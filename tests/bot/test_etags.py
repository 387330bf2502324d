"""ETags of conditional requests, on the state backend (SQLite by default, the queue's Redis for
several processes): kept only where they pay, keyed by installation and token, bounded in age."""
from __future__ import annotations

import pytest

from hybridize_bot.bot.etags import EtagState, SqliteEtags, StagedEtags, token_key
from hybridize_bot.bot.state_redis import RedisEtags

API = "https://api.github.com"
PULL = f"{API}/repos/o/r/pulls/7"


@pytest.fixture
def two_views(two_handles) -> tuple[EtagState, EtagState]:
    return two_handles.pair(SqliteEtags, lambda client: RedisEtags(client, "t:"))


async def test_an_entry_written_by_one_process_is_read_by_another_with_the_same_token(two_views) -> None:
    one, other = two_views
    token = token_key("token A")
    await one.put(1, token, PULL, ('W/"a"', None, {"number": 7}, None))
    assert await other.get(1, token, PULL) == ('W/"a"', None, {"number": 7}, None)
    assert await other.get(1, token_key("token B"), PULL) is None  # a rotated token: a plain request
    assert await other.get(2, token, PULL) is None  # another installation
    await other.forget(1)
    assert await one.get(1, token, PULL) is None


async def test_only_pull_requests_and_their_files_are_kept(two_views) -> None:
    one, _ = two_views
    token = token_key("token A")
    for url in (f"{API}/repos/o/r/pulls/7/files?per_page=100", f"{API}/repos/o/r/issues/7/comments",
                f"{API}/repos/o/r/pulls/7/comments"):
        await one.put(1, token, url, ('W/"x"', None, [], None))
    assert await one.get(1, token, f"{API}/repos/o/r/pulls/7/files?per_page=100") == ('W/"x"', None, [], None)
    assert await one.get(1, token, f"{API}/repos/o/r/issues/7/comments") is None  # changes with every review
    assert await one.get(1, token, f"{API}/repos/o/r/pulls/7/comments") is None


async def test_entries_expire_after_their_age(two_views) -> None:
    one, other = two_views
    one.max_age_s = 0.001  # type: ignore[attr-defined]
    await one.put(1, "t", PULL, ('W/"a"', None, {}, None))
    # The age is in the past for SQLite at once; Redis expires the key itself (1 ms).
    for _ in range(1000):
        if await other.get(1, "t", PULL) is None:
            break
    assert await other.get(1, "t", PULL) is None


def test_staged_entries_are_the_only_ones_read_and_written() -> None:
    staged = StagedEtags()
    staged.stage(PULL, ('W/"a"', None, {}, None))
    staged[f"{API}/repos/o/r/pulls/8"] = ('W/"b"', None, {}, None)  # not staged: dropped
    assert staged[PULL] == ('W/"a"', None, {}, None) and list(staged) == [PULL]
    staged.stage(PULL, None)  # the same URL read twice at once
    staged[PULL] = ('W/"c"', None, {}, None)
    assert staged.unstage(PULL) == ('W/"c"', None, {}, None)
    assert list(staged) == [PULL]  # still staged for the second request
    assert staged.unstage(PULL) is None
    assert len(staged) == 0
