"""The one place where feature routers are composed (bedevere's pattern).

Every feature module owns a module-level `router = gidgethub.routing.Router()` whose handlers have
the signature `async def handler(event, gh: GitHubClient, ctx: BotContext) -> None`. The webhook
queues only events some handler here would receive; the worker calls `router.dispatch`.
"""

from __future__ import annotations

import logging
from typing import Any

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


_candidates = {"installations": installations.router, "pulls": _optional_router("hybridize_bot.bot.pulls.router")}
_candidates.update(followup=_optional_router("hybridize_bot.bot.followup.router"), commands=_optional_router("hybridize_bot.bot.commands.router"))  # issue 6: follow-up PRs, comment commands
FEATURES: dict[str, routing.Router] = {k: v for k, v in _candidates.items() if v is not None}


class OrderedRouter(routing.Router):
    """A composed router whose handlers for one event run in feature order, then registration order.

    gidgethub 6's `fetch` returns a frozenset, so `dispatch` ran the handlers of one event in an order
    set by their memory addresses, which any unrelated import could change. Features depend on the
    order: on `pull_request`, the review (pulls) creates the check run that the follow-up then gives
    its "Open fix PR" button; run the other way round, the button was silently lost.
    """

    def __init__(self, *other_routers: routing.Router) -> None:
        super().__init__(*other_routers)
        self._rank: dict[Any, int] = {}
        for other in other_routers:
            for callbacks in other._shallow_routes.values():
                self._rank_all(callbacks)
            for details in other._deep_routes.values():
                for specifics in details.values():
                    for callbacks in specifics.values():
                        self._rank_all(callbacks)

    def _rank_all(self, callbacks: list[Any]) -> None:
        for callback in callbacks:
            self._rank.setdefault(callback, len(self._rank))

    def fetch(self, event: sansio.Event) -> tuple[Any, ...]:  # type: ignore[override]
        return tuple(sorted(super().fetch(event), key=lambda callback: self._rank.get(callback, len(self._rank))))


router = OrderedRouter(*FEATURES.values())


def handles(event: sansio.Event, event_router: routing.Router | None = None) -> bool:
    """Would any handler receive this event? (Unhandled events are acknowledged, not queued.)"""
    return bool((event_router or router).fetch(event))
