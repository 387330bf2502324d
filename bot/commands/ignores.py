"""`@hybridize-bot ignore CODE`: the rules a pull request's review no longer reports.

The pull-request review (bot/pulls/job.py) calls `drop_ignored` on the analysis findings; the
follow-up pull request leaves the same rules out of its fixes.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..analysis_api import Finding



async def ignored_codes(ctx: Any, repo: str, pr_number: int) -> set[str]:
    """Rule codes ignored on pull request `pr_number` of `repo` ("owner/name"), remembered across pushes."""
    return await ctx.state.commands.ignored(repo, pr_number)


async def drop_ignored(ctx: Any, owner: str, repo: str, pr_number: int, findings: Iterable[Finding]) -> list[Finding]:
    """`findings` without those whose rule was ignored on this pull request."""
    ignored = await ignored_codes(ctx, f"{owner}/{repo}", pr_number)
    return [f for f in findings if f.code not in ignored]
