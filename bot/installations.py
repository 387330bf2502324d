"""Handlers for the App's own lifecycle events: installed, uninstalled, repositories added/removed.

Tokens are minted on demand and not stored. What is cached per repository (source blobs, follow-up
and command records, ETags) is deleted when the App loses access: the whole account's on
`installation.deleted`, the repositories' on `installation_repositories.removed` (bot/private_data.py), and with the installation its rate-limit
window and every ETag (bot/state.py `Stores.forget_installation`).
https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from gidgethub import routing, sansio

from hybridize_bot.bot.private_data import purge_account, purge_repositories

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
    if data.get("action") == "deleted":
        await asyncio.to_thread(purge_account, ctx.data_dir, _account(data))
        await ctx.state.forget((), _account(data))  # the records beside a Redis queue
        installation_id = (data.get("installation") or {}).get("id")
        if isinstance(installation_id, int):
            # Its rate-limit window and ETags (on either backend), and its token in this process.
            await ctx.state.forget_installation(installation_id)
            ctx.github.tokens.invalidate(installation_id)
        log.info("purged cached data of account %s [delivery %s]", _account(data), event.delivery_id)


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
    if data.get("action") == "removed" and removed:
        await asyncio.to_thread(purge_repositories, ctx.data_dir, removed)
        await ctx.state.forget(removed, None)
        log.info("purged cached data of %s [delivery %s]", ", ".join(removed), event.delivery_id)
