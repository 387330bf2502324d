"""The composed router calls an event's handlers in registration order (review before follow-up)."""
from __future__ import annotations

from gidgethub import routing, sansio

from hybridize_bot.bot.routing import FEATURES, OrderedRouter


async def test_handlers_run_in_the_order_they_were_registered() -> None:
    calls: list[int] = []
    routers = []
    for i in range(30):  # a frozenset of 30 functions is practically never in creation order
        router = routing.Router()

        async def handler(event, i=i) -> None:  # noqa: ANN001
            calls.append(i)
        router.add(handler, "pull_request", action="opened")
        if i % 3 == 0:
            router.add(handler, "pull_request")  # shallow too: still called once
        routers.append(router)
    composed = OrderedRouter(*routers)
    await composed.dispatch(sansio.Event({"action": "opened"}, event="pull_request", delivery_id="1"))
    shallow = [i for i in range(30) if i % 3 == 0]
    assert calls == shallow + [i for i in range(30) if i % 3]
    calls.clear()
    await composed.dispatch(sansio.Event({"action": ["opened"]}, event="pull_request", delivery_id="2"))
    assert calls == shallow  # an unhashable action matches no deep route


def test_the_review_is_registered_before_the_follow_up() -> None:
    assert list(FEATURES)[:3] == ["installations", "pulls", "followup"]
