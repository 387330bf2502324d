"""Handlers of one event run in registration order (gidgethub's Router.fetch returns a frozenset)."""
from __future__ import annotations

from gidgethub import routing, sansio

from hybridize_bot.bot.routing import FEATURES, OrderedRouter


async def test_handlers_run_in_the_order_their_routers_were_composed():
    calls: list[str] = []
    routers = []
    for name in ("a", "b", "c", "d", "e", "f"):
        r = routing.Router()

        async def handler(event, name=name):
            calls.append(name)

        r.add(handler, "pull_request", action="opened")
        routers.append(r)
    event = sansio.Event({"action": "opened"}, event="pull_request", delivery_id="1")
    await OrderedRouter(*routers).dispatch(event)
    await OrderedRouter(*reversed(routers)).dispatch(event)
    assert calls == ["a", "b", "c", "d", "e", "f", "f", "e", "d", "c", "b", "a"]


def test_the_review_runs_before_the_follow_up():
    assert list(FEATURES)[:3] == ["installations", "pulls", "followup"]
