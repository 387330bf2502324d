"""The one summary comment on the pull request, found by its hidden marker (the gateway edits it in place)."""
from __future__ import annotations

from typing import Any

from ..github_api import GitHubAPI
from .identity import BotIdentity
from .markers import has_summary_marker


async def find_summary_comment(gh: GitHubAPI, owner: str, repo: str, number: int, me: BotIdentity) -> dict[str, Any] | None:
    async for comment in gh.getiter("/repos/{owner}/{repo}/issues/{issue_number}/comments{?per_page}",
                                    url_vars={"owner": owner, "repo": repo, "issue_number": str(number),
                                              "per_page": "100"}):
        # A person quoting our comment copies the marker; only our own comment counts.
        if has_summary_marker(comment.get("body")) and me.authored(comment):
            return comment
    return None
