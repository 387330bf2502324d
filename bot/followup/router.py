"""Webhook handlers of the follow-up feature (one gidgethub Router, composed in bot/routing.py).

- pull_request opened/synchronize/reopened/ready_for_review: recompute, create/update/close the follow-up;
- pull_request closed: close the follow-up and delete its branch;
- check_run requested_action `hybridize-fix`: what `@hybridize-bot fix` does.
Events the bot caused itself (its pushes to follow-up branches, its own pull requests) are ignored.
"""
from __future__ import annotations

import logging
from typing import Any

from gidgethub import routing, sansio

from ..commands.permissions import has_write, permission_of
from ..publish.identity import bot_identity
from .actions import FIX_ACTION_ID, offer_fix_button
from .naming import BRANCH_PREFIX
from .sync import SyncRequest, sync_followup

log = logging.getLogger(__name__)

router = routing.Router()


def _repo(event: sansio.Event) -> tuple[str, str]:
    repository = event.data["repository"]
    return repository["owner"]["login"], repository["name"]


async def caused_by_bot(event: sansio.Event, ctx: Any) -> bool:
    """The App's own bot user sent it, or it is about one of the bot's follow-up branches (no loops)."""
    sender = event.data.get("sender") or {}
    me = await bot_identity(ctx.app_client, str(ctx.settings.app_id), ctx.settings.bot_name)
    if sender.get("login") == me.login:
        return True
    head_ref = ((event.data.get("pull_request") or {}).get("head") or {}).get("ref", "")
    return head_ref.startswith(BRANCH_PREFIX)


@router.register("pull_request", action="opened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="reopened")
@router.register("pull_request", action="ready_for_review")
@router.register("pull_request", action="closed")
async def on_pull_request(event: sansio.Event, gh: Any, ctx: Any) -> None:
    if await caused_by_bot(event, ctx):
        log.debug("ignoring %s.%s caused by the bot itself", event.event, event.data.get("action"))
        return
    owner, repo = _repo(event)
    pull = event.data["pull_request"]
    outcome = await sync_followup(gh, ctx, SyncRequest(owner, repo, int(pull["number"])))
    if outcome.offer_button and event.data.get("action") != "closed":
        await offer_fix_button(gh, ctx, owner, repo, pull["head"]["sha"])


@router.register("check_run", action="requested_action")
async def on_fix_button(event: sansio.Event, gh: Any, ctx: Any) -> None:
    if (event.data.get("requested_action") or {}).get("identifier") != FIX_ACTION_ID:
        return
    owner, repo = _repo(event)
    sender = (event.data.get("sender") or {}).get("login", "")
    permission = await permission_of(gh, owner, repo, sender)
    if not has_write(permission):
        # GitHub shows the button to people who can write to the repository; anything else is odd
        # enough to log, not worth a comment.
        log.warning("%s/%s: %s pressed the Fix button with %s access; ignored", owner, repo, sender, permission)
        return
    for pull in (event.data.get("check_run") or {}).get("pull_requests") or []:
        number = int(pull["number"])
        outcome = await sync_followup(gh, ctx, SyncRequest(owner, repo, number, explicit=True,
                                                           include_gated=True, requester=sender))
        # A button press has no comment to answer; tell the pull request only when nothing was opened.
        if outcome.reply and outcome.action not in ("created", "updated", "kept"):
            await gh.post("/repos/{owner}/{repo}/issues/{issue_number}/comments",
                          url_vars={"owner": owner, "repo": repo, "issue_number": str(number)},
                          data={"body": f"@{sender} {outcome.reply}"})
