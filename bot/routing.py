"""The one place where feature routers are composed (bedevere's pattern).

Every feature module owns a module-level `router = gidgethub.routing.Router()` whose handlers have
the signature `async def handler(event, gh: GitHubClient, ctx: BotContext) -> None`. The webhook
queues only events some handler here would receive; the worker calls `router.dispatch`.
"""

from __future__ import annotations

import logging

from gidgethub import routing, sansio

from hybridize_bot.bot import installations

log = logging.getLogger(__name__)


def _optional_router(module: str) -> routing.Router | None:
    """Import `module.router` if the feature module exists yet.

    Only the module's own absence is tolerated: an ImportError raised *inside* an existing feature
    module is a bug and must stop start-up rather than silently switch the feature off.
    """
    import importlib

    try:
        return importlib.import_module(module).router  # type: ignore[no-any-return]
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module == exc.name or module.startswith(exc.name + ".")):
            log.warning("feature module %s is not available; its events are ignored", module)
            return None
        raise


class OrderedRouter(routing.Router):
    """A gidgethub Router that calls an event's handlers in the order they were registered.

    gidgethub's `fetch` returns a frozenset, so the handlers of one event ran in an order set by their
    memory addresses: the follow-up could run before the review had created the check run it adds the
    Fix button to, depending on what else happened to be imported. Now: the handlers registered for
    every action of the event first, then those for its action, each group in registration order;
    features are registered in the order below (review first).
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


_candidates = {"installations": installations.router, "pulls": _optional_router("hybridize_bot.bot.pulls.router")}
_candidates.update(followup=_optional_router("hybridize_bot.bot.followup.router"), commands=_optional_router("hybridize_bot.bot.commands.router"))  # issue 6: follow-up PRs, comment commands
FEATURES: dict[str, routing.Router] = {k: v for k, v in _candidates.items() if v is not None}

router = OrderedRouter(*FEATURES.values())


def handles(event: sansio.Event, event_router: routing.Router | None = None) -> bool:
    """Would any handler receive this event? (Unhandled events are acknowledged, not queued.)"""
    return bool((event_router or router).fetch(event))
