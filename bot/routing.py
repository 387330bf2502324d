"""The one place where feature routers are composed (bedevere's pattern).

Every feature module owns a module-level `router = gidgethub.routing.Router()` whose handlers have
the signature `async def handler(event, gh: GitHubClient, ctx: BotContext) -> None`. The webhook
queues only events some handler here would receive; the worker calls `router.dispatch`.

The routers are imported plainly: a feature that fails to import stops start-up instead of
silently switching itself off.
"""

from __future__ import annotations

from gidgethub import routing, sansio

from hybridize_bot.bot import installations
from hybridize_bot.bot.commands.router import router as commands_router
from hybridize_bot.bot.followup.router import router as followup_router
from hybridize_bot.bot.pulls.router import router as pulls_router


class OrderedRouter(routing.Router):
    """A gidgethub Router that calls an event's handlers in the order they were registered.

    gidgethub's `fetch` returns a frozenset, so the handlers of one event ran in an order set by their
    memory addresses. A pull-request event now has one pipeline handler (bot/pulls/pipeline.py), so the
    review/follow-up race is gone by construction; the order stays deterministic for everything else:
    the handlers registered for every action of the event first, then those for its action, each group
    in registration order; features are registered in the order below.
    """

    def fetch(self, event: sansio.Event) -> tuple:  # type: ignore[override]
        found = list(self._shallow_routes.get(event.event, ()))
        for data_key, data_values in self._deep_routes.get(event.event, {}).items():
            if data_key in event.data:
                try:
                    found.extend(data_values.get(event.data[data_key], ()))
                except TypeError:  # an unhashable value (a list): no handler is registered for it
                    continue
        return tuple(dict.fromkeys(found))


FEATURES: dict[str, routing.Router] = {
    "installations": installations.router,
    "pulls": pulls_router,        # review, then the follow-up, in one pipeline (bot/pulls/pipeline.py)
    "followup": followup_router,  # closed pull requests and the check run's Fix button
    "commands": commands_router,  # comment commands
}

router = OrderedRouter(*FEATURES.values())


def handles(event: sansio.Event, event_router: routing.Router | None = None) -> bool:
    """Would any handler receive this event? (Unhandled events are acknowledged, not queued.)"""
    return bool((event_router or router).fetch(event))
