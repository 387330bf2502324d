"""`@hybridize-bot ignore CODE`: the rules a pull request's review no longer reports.

The pull-request review (bot/pulls/job.py) leaves the findings of `ignored_rules` out and says who
ignored them; the follow-up pull request leaves the same rules out of its fixes.
"""
from __future__ import annotations

from typing import Any


async def ignored_codes(ctx: Any, repo: str, pr_number: int) -> set[str]:
    """Rule codes ignored on pull request `pr_number` of `repo` ("owner/name"), remembered across pushes."""
    return await ctx.state.commands.ignored(repo, pr_number)


async def ignored_rules(ctx: Any, owner: str, repo: str, pr_number: int) -> dict[str, str]:
    """Rule code -> login of who ignored it on this pull request (for "ignored by @user")."""
    return await ctx.state.commands.ignored_by(f"{owner}/{repo}", pr_number)
