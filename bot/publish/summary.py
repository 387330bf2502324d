"""The one summary comment on the pull request, found by its hidden marker and edited in place."""
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


async def write_summary_comment(gh: GitHubAPI, owner: str, repo: str, number: int, body: str,
                                existing: dict[str, Any] | None) -> tuple[int, str]:
    """Edit `existing` (our summary comment as found before) or create the comment when None."""
    if existing is None:
        created = await gh.post("/repos/{owner}/{repo}/issues/{issue_number}/comments",
                                url_vars={"owner": owner, "repo": repo, "issue_number": str(number)},
                                data={"body": body})
        return int(created["id"]), "created"
    if existing.get("body") == body:
        return int(existing["id"]), "unchanged"
    await gh.patch("/repos/{owner}/{repo}/issues/comments/{comment_id}",
                   url_vars={"owner": owner, "repo": repo, "comment_id": str(existing["id"])},
                   data={"body": body})
    return int(existing["id"]), "edited"
