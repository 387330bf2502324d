"""RateBudget: what each installation has left, from the headers GitHub sends, on the state backend
(SQLite by default, the queue's Redis for several processes): one process's answers hold back the
jobs of every other."""
from __future__ import annotations

import pytest

from hybridize_bot.bot.rate_budget import RateBudget, RateWindows, SqliteWindows, Window
from hybridize_bot.bot.state_redis import RedisWindows


class Clock:
    now = 1_000.0

    def __call__(self) -> float:
        return self.now


def headers(remaining: int, reset: int, resource: str = "core") -> dict[str, str]:
    return {"x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": resource}


@pytest.fixture
def two_views(two_handles) -> tuple[RateWindows, RateWindows]:
    return two_handles.pair(SqliteWindows, lambda client: RedisWindows(client, "t:"))


async def test_a_job_waits_for_the_reset_only_below_the_reserve(two_views) -> None:
    one, other = two_views
    clock = Clock()
    seen, deciding = RateBudget(one, reserve=50, clock=clock), RateBudget(other, reserve=50, clock=clock)
    assert await deciding.not_before("7") is None  # nothing known yet: run and learn
    await seen.observe("7", headers(50, 4_600))
    assert await deciding.not_before("7") is None  # exactly the reserve left: enough for one job
    await seen.observe("7", headers(49, 4_600))
    assert await deciding.not_before("7") == 4_600.0  # learnt from the other process's answer
    assert await deciding.not_before("8") is None  # another installation has its own window
    clock.now = 4_600.0
    assert await deciding.not_before("7") is None  # the window has reset


async def test_out_of_order_answers_keep_the_lowest_count_and_a_new_window_replaces_it(two_views) -> None:
    one, other = two_views
    await one.lower("7", Window(30, 2_000.0))
    await other.lower("7", Window(35, 2_000.0))  # an answer sent earlier, received later
    assert await one.get("7") == Window(30, 2_000.0)
    await other.lower("7", Window(4_999, 5_600.0))  # the next window
    assert await one.get("7") == Window(4_999, 5_600.0)
    await one.lower("7", Window(12, 2_000.0))  # a late answer of the old window: its reset is past
    assert await one.get("7") == Window(12, 2_000.0)
    await other.forget("7")
    assert await one.get("7") is None


async def test_other_resources_and_headerless_answers_are_ignored(tmp_path) -> None:
    budget = RateBudget(SqliteWindows(tmp_path), reserve=10, clock=Clock())
    await budget.observe("7", headers(0, 2_000, resource="graphql"))
    await budget.observe("7", {"x-ratelimit-remaining": "soon"})
    await budget.observe("7", {})
    assert await budget.window("7") is None


class Counting(SqliteWindows):
    writes = 0

    async def lower(self, installation: str, window: Window) -> None:
        self.writes += 1
        await super().lower(installation, window)


async def test_far_from_the_reserve_not_every_answer_is_written(tmp_path) -> None:
    windows = Counting(tmp_path)
    budget = RateBudget(windows, reserve=50, clock=Clock())
    for remaining in range(5_000, 4_980, -1):  # 20 answers; one write per 10 requests spent
        await budget.observe("7", headers(remaining, 4_600))
    assert windows.writes == 2 and await windows.get("7") == Window(4_990, 4_600.0)
    for remaining in range(99, 95, -1):  # under twice the reserve: every answer
        await budget.observe("7", headers(remaining, 4_600))
    assert windows.writes == 6 and await windows.get("7") == Window(96, 4_600.0)
