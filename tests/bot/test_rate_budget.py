"""RateBudget: what each installation has left, from the headers GitHub sends."""
from __future__ import annotations

from hybridize_bot.bot.rate_budget import RateBudget, Window


class Clock:
    now = 1_000.0

    def __call__(self) -> float:
        return self.now


def headers(remaining: int, reset: int, resource: str = "core") -> dict[str, str]:
    return {"x-ratelimit-remaining": str(remaining), "x-ratelimit-reset": str(reset),
            "x-ratelimit-resource": resource}


def test_a_job_waits_for_the_reset_only_below_the_reserve() -> None:
    clock = Clock()
    budget = RateBudget(reserve=50, clock=clock)
    assert budget.not_before("7") is None  # nothing known yet: run and learn
    budget.observe("7", headers(50, 4_600))
    assert budget.not_before("7") is None  # exactly the reserve left: enough for one job
    budget.observe("7", headers(49, 4_600))
    assert budget.not_before("7") == 4_600.0
    assert budget.not_before("8") is None  # another installation has its own window
    clock.now = 4_600.0
    assert budget.not_before("7") is None  # the window has reset


def test_out_of_order_answers_keep_the_lowest_count_and_a_new_window_replaces_it() -> None:
    budget = RateBudget(reserve=10, clock=Clock())
    budget.observe("7", headers(30, 2_000))
    budget.observe("7", headers(35, 2_000))  # an answer sent earlier, received later
    assert budget.window("7") == Window(30, 2_000.0)
    budget.observe("7", headers(4_999, 5_600))  # the next window
    assert budget.window("7") == Window(4_999, 5_600.0)


def test_other_resources_and_headerless_answers_are_ignored() -> None:
    budget = RateBudget(reserve=10, clock=Clock())
    budget.observe("7", headers(0, 2_000, resource="graphql"))
    budget.observe("7", {"x-ratelimit-remaining": "soon"})
    budget.observe("7", {})
    assert budget.window("7") is None
