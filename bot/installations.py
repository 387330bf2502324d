"""Handlers for the App's own lifecycle events: installed, uninstalled, repositories added/removed.

Nothing is stored per installation (tokens are minted on demand), so these only log; they are the
place to add clean-up (e.g. dropping cached data of an uninstalled account) later.
https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation
"""

from __future__ import annotations

import logging
from typing import Any

from gidgethub import routing, sansio

log = logging.getLogger(__name__)

router = routing.Router()


def _account(data: dict[str, Any]) -> str:
    account = (data.get("installation") or {}).get("account") or {}
    return str(account.get("login", "?"))


@router.register("installation")
async def on_installation(event: sansio.Event, gh: Any, ctx: Any) -> None:
    data = event.data
    repos = [r.get("full_name", "?") for r in data.get("repositories") or []]
    log.info(
        "installation %s %s by %s (account %s, %d repositories%s) [delivery %s]",
        (data.get("installation") or {}).get("id"),
        data.get("action"),
        (data.get("sender") or {}).get("login", "?"),
        _account(data),
        len(repos),
        f": {', '.join(repos[:10])}" if repos else "",
        event.delivery_id,
    )


@router.register("installation_repositories")
async def on_installation_repositories(event: sansio.Event, gh: Any, ctx: Any) -> None:
    data = event.data
    added = [r.get("full_name", "?") for r in data.get("repositories_added") or []]
    removed = [r.get("full_name", "?") for r in data.get("repositories_removed") or []]
    log.info(
        "installation %s (account %s): repositories added %s, removed %s [delivery %s]",
        (data.get("installation") or {}).get("id"),
        _account(data),
        added or "none",
        removed or "none",
        event.delivery_id,
    )
