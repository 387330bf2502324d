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


class OrderedRouter(routing.Router):
    """A Router that runs the handlers of one event in the order they were registered.

    gidgethub's `Router.fetch` returns a frozenset, so without this the review and the follow-up ran
    in an order that changed with memory layout: when the follow-up ran first, the check run it
    attaches the Fix button to did not exist yet. The review runs first: it publishes the check run.
    """

    def __init__(self, *other_routers: routing.Router) -> None:
        self._order: dict[Any, int] = {}
        super().__init__(*other_routers)

    def add(self, func: Any, event_type: str, **data_detail: Any) -> None:
        self._order.setdefault(func, len(self._order))
        super().add(func, event_type, **data_detail)

    async def dispatch(self, event: sansio.Event, *args: Any, **kwargs: Any) -> None:
        for callback in sorted(self.fetch(event), key=lambda f: self._order.get(f, len(self._order))):
            await callback(event, *args, **kwargs)


_candidates = {"installations": installations.router, "pulls": _optional_router("hybridize_bot.bot.pulls.router")}
_candidates.update(followup=_optional_router("hybridize_bot.bot.followup.router"), commands=_optional_router("hybridize_bot.bot.commands.router"))  # issue 6: follow-up PRs, comment commands
FEATURES: dict[str, routing.Router] = {k: v for k, v in _candidates.items() if v is not None}

router = OrderedRouter(*FEATURES.values())


def handles(event: sansio.Event, event_router: routing.Router | None = None) -> bool:
    """Would any handler receive this event? (Unhandled events are acknowledged, not queued.)"""
    return bool((event_router or router).fetch(event))
