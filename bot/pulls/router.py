"""Which webhook events start a pull-request review (one gidgethub Router, bedevere style)."""
from __future__ import annotations

import logging
from typing import Any

from gidgethub import routing, sansio

from ..followup.sync import caused_by_bot
from ..github_api import GitHubAPI
from ..publish.render import CHECK_NAME
from .job import PullTarget, review_pull_request
from .pipeline import run_pull_request

log = logging.getLogger(__name__)

router = routing.Router()


def _repo(event: sansio.Event) -> tuple[str, str]:
    repository = event.data["repository"]
    return repository["owner"]["login"], repository["name"]


@router.register("pull_request", action="opened")
@router.register("pull_request", action="synchronize")
@router.register("pull_request", action="reopened")
@router.register("pull_request", action="ready_for_review")
async def on_pull_request(event: sansio.Event, gh: GitHubAPI, ctx: Any) -> None:
    owner, repo = _repo(event)
    pull = event.data["pull_request"]
    # Draft and bot-author checks need the base-branch configuration, so they happen in the job.
    # The bot's own pushes and follow-up pull requests are reviewed but get no follow-up (no loops).
    await run_pull_request(gh, ctx, PullTarget(owner, repo, int(pull["number"]), pull["head"]["sha"]),
                           follow_up=not await caused_by_bot(event, ctx))


@router.register("check_suite", action="requested")
@router.register("check_suite", action="rerequested")
async def on_check_suite(event: sansio.Event, gh: GitHubAPI, ctx: Any) -> None:
    # `pull_requests` lists only pull requests whose head branch is in this repository (not forks);
    # fork PRs are reviewed through their pull_request events.
    owner, repo = _repo(event)
    suite = event.data["check_suite"]
    automatic = event.data.get("action") == "requested"
    for pull in suite.get("pull_requests") or []:
        await review_pull_request(gh, ctx, PullTarget(owner, repo, int(pull["number"]), suite["head_sha"], automatic))


@router.register("check_run", action="rerequested")
async def on_check_run(event: sansio.Event, gh: GitHubAPI, ctx: Any) -> None:
    owner, repo = _repo(event)
    run = event.data["check_run"]
    if run.get("name") != CHECK_NAME:
        return
    pulls = run.get("pull_requests") or (run.get("check_suite") or {}).get("pull_requests") or []
    for pull in pulls:
        await review_pull_request(gh, ctx, PullTarget(owner, repo, int(pull["number"]), run["head_sha"], False))
