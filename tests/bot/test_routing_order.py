"""Handlers of one event run in feature order (gidgethub 6's fetch() is an unordered frozenset)."""

from __future__ import annotations

from typing import Any

from gidgethub import routing, sansio

from hybridize_bot.bot import routing as bot_routing


def _event(action: str = "opened") -> sansio.Event:
    return sansio.Event({"action": action}, event="pull_request", delivery_id="d")


async def test_composed_routers_dispatch_in_the_order_they_were_given() -> None:
    calls: list[str] = []
    routers = []
    for name in ("first", "second", "third"):
        router = routing.Router()

        async def handler(event: Any, name: str = name) -> None:
            calls.append(name)

        router.add(handler, "pull_request", action="opened")
        routers.append(router)
    await bot_routing.OrderedRouter(*routers).dispatch(_event())
    await bot_routing.OrderedRouter(*reversed(routers)).dispatch(_event())
    assert calls == ["first", "second", "third", "third", "second", "first"]


def test_the_review_runs_before_the_follow_up_that_adds_its_button() -> None:
    names = [f"{c.__module__}.{c.__name__}" for c in bot_routing.router.fetch(_event())]
    assert names == ["hybridize_bot.bot.pulls.router.on_pull_request",
                     "hybridize_bot.bot.followup.router.on_pull_request"]
