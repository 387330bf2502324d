"""The `issue_comment` handler: commands in comments on pull requests.

Plain issues (no `pull_request` key), comments by bots (the bot itself included) and comments without
a command are ignored. Each comment is acted on once: its id is remembered in BOT_DATA_DIR.
"""
from __future__ import annotations

import logging
from typing import Any

from gidgethub import routing, sansio

from ..github_api import GitHubAPI
from ..publish.gateway import Gateway
from .parse import parse_commands
from .permissions import allowed, permission_of, refusal
from .run import Invocation, review_again, run_command

log = logging.getLogger(__name__)

router = routing.Router()
REPLY_MARKER = "<!-- hybridize-bot:reply to={comment_id} -->"


@router.register("issue_comment", action="created")
async def on_comment(event: sansio.Event, gh: GitHubAPI, ctx: Any) -> None:
    data = event.data
    issue, comment = data.get("issue") or {}, data.get("comment") or {}
    if "pull_request" not in issue:
        return
    user = comment.get("user") or {}
    if user.get("type") == "Bot":
        return
    commands = parse_commands(comment.get("body"), ctx.settings.bot_name)
    if not commands:
        return
    owner, repo = data["repository"]["owner"]["login"], data["repository"]["name"]
    store = ctx.state.commands
    full_name, comment_id = f"{owner}/{repo}", int(comment["id"])
    if await store.is_handled(full_name, comment_id):
        log.info("%s comment %d was already handled", full_name, comment_id)
        return
    login = user.get("login", "")
    number = int(issue["number"])
    permission = await permission_of(gh, owner, repo, login)
    runnable = [c for c in commands if allowed(c.name, permission)]
    await _react(gh, owner, repo, comment_id, "+1" if runnable else "eyes")

    # The job's snapshot: `fix` and the re-review after `ignore`/`recheck` read the pull request once.
    pull = await ctx.pull_snapshot(gh, owner, repo, number).pull()
    inv = Invocation(gh, ctx, owner, repo, number, login, permission, pull)
    parts: list[str] = []
    for command in commands:
        if command in runnable:
            text = await run_command(inv, command)
        else:
            text = refusal(command.name, permission)
        if text:
            parts.append(text)
    if inv.review_needed:
        await review_again(inv)
    if parts:
        body = f"@{login} " + "\n\n".join(parts) + "\n\n" + REPLY_MARKER.format(comment_id=comment_id)
        # REPLY_MARKER names the command comment: the reply's idempotency key (the store marks it handled).
        await Gateway(gh, owner, repo).create_issue_comment(number, body)
    await store.mark_handled(full_name, comment_id)


async def _react(gh: GitHubAPI, owner: str, repo: str, comment_id: int, content: str) -> None:
    """Acknowledge the comment (Dependabot answers commands with a 👍)."""
    await Gateway(gh, owner, repo).react(comment_id, content)
