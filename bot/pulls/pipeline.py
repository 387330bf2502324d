"""One pipeline per pull-request event: review, then the follow-up, then the check run's Fix button.

They used to be two gidgethub handlers for the same events; gidgethub runs a router's handlers in the
order of a frozenset, so the follow-up often looked for the check run before the review had created
it and the Fix button (what `autofix = "off"` users depend on) was never added. One handler runs the
steps in order on one PullSnapshot, so every resource is read once per job.
"""
from __future__ import annotations

import logging
from typing import Any

from ..followup.actions import offer_fix_button
from ..followup.sync import SyncRequest, sync_followup
from ..github_api import GitHubAPI
from .job import PullTarget, review_pull_request

log = logging.getLogger(__name__)


async def run_pull_request(gh: GitHubAPI, ctx: Any, target: PullTarget, *, follow_up: bool = True) -> str:
    """Review `target`, then bring its follow-up in line; returns the review's outcome."""
    outcome = await review_pull_request(gh, ctx, target)
    if not follow_up:
        return outcome
    synced = await sync_followup(gh, ctx, SyncRequest(target.owner, target.repo, target.number))
    if synced.offer_button:
        snapshot = ctx.pull_snapshot(gh, target.owner, target.repo, target.number)
        pull = await snapshot.pull()
        run = snapshot.check_run
        # The run this job started, when it is on the head the follow-up looked at.
        run_id = int(run["id"]) if run is not None and run.get("head_sha") == pull["head"]["sha"] else None
        await offer_fix_button(gh, ctx, target.owner, target.repo, pull["head"]["sha"], run_id)
    return outcome
