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


_candidates = {"installations": installations.router, "pulls": _optional_router("hybridize_bot.bot.pulls.router")}
_candidates.update(followup=_optional_router("hybridize_bot.bot.followup.router"), commands=_optional_router("hybridize_bot.bot.commands.router"))  # issue 6: follow-up PRs, comment commands
FEATURES: dict[str, routing.Router] = {k: v for k, v in _candidates.items() if v is not None}

router = routing.Router(*FEATURES.values())


def handles(event: sansio.Event, event_router: routing.Router | None = None) -> bool:
    """Would any handler receive this event? (Unhandled events are acknowledged, not queued.)"""
    return bool((event_router or router).fetch(event))
