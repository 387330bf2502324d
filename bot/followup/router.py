"""Webhook handlers of the follow-up feature (one gidgethub Router, composed in bot/routing.py).

- pull_request opened/synchronize/reopened/ready_for_review: in bot/pulls/pipeline.py, after the review;
- pull_request closed: close the follow-up and delete its branch;
- check_run requested_action `hybridize-fix`: what `@hybridize-bot fix` does.
Events the bot caused itself (its pushes to follow-up branches, its own pull requests) are ignored.
"""
from __future__ import annotations

import logging
from typing import Any

from gidgethub import routing, sansio

from ..commands.permissions import has_write, permission_of
from ..github_api import GitHubAPI
from ..publish.gateway import Gateway
from .actions import FIX_ACTION_ID
from .sync import SyncRequest, caused_by_bot, sync_followup

log = logging.getLogger(__name__)

router = routing.Router()


def _repo(event: sansio.Event) -> tuple[str, str]:
    repository = event.data["repository"]
    return repository["owner"]["login"], repository["name"]


@router.register("pull_request", action="closed")
async def on_pull_request_closed(event: sansio.Event, gh: GitHubAPI, ctx: Any) -> None:
    """Opened, synchronize, reopened and ready_for_review run in bot/pulls/pipeline.py, after the review."""
    if await caused_by_bot(event, ctx):
        log.debug("ignoring %s.%s caused by the bot itself", event.event, event.data.get("action"))
        return
    owner, repo = _repo(event)
    await sync_followup(gh, ctx, SyncRequest(owner, repo, int(event.data["pull_request"]["number"])))


@router.register("check_run", action="requested_action")
async def on_fix_button(event: sansio.Event, gh: GitHubAPI, ctx: Any) -> None:
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
            await Gateway(gh, owner, repo).create_issue_comment(number, f"@{sender} {outcome.reply}")
