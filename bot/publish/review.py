"""Reading the pull request's review comments (the plan finds the bot's own by their markers)."""
from __future__ import annotations

from typing import Any

from ..github_api import GitHubAPI


async def list_review_comments(gh: GitHubAPI, owner: str, repo: str, number: int) -> list[dict[str, Any]]:
    """Every review comment of the PR (all pages; replies included, with `in_reply_to_id`)."""
    return [c async for c in gh.getiter(
        "/repos/{owner}/{repo}/pulls/{pull_number}/comments{?per_page}",
        url_vars={"owner": owner, "repo": repo, "pull_number": str(number), "per_page": "100"})]
