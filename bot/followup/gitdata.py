"""Git Data API reads of a follow-up: the branch ref, file modes, the open follow-up pull requests.

The writes (blobs, tree, commit, ref moves) are `publish.gateway.Gateway` methods.
https://docs.github.com/en/rest/git
"""
from __future__ import annotations

from typing import Any, Mapping, Protocol

import gidgethub

from ..github_api import GitHubAPI

R = "/repos/{owner}/{repo}"
# Regular file modes git knows for blobs; symlinks (120000) are never written by a fix.
_FILE_MODES = {"100644", "100755"}


async def ref_sha(gh: GitHubAPI, owner: str, repo: str, branch: str) -> str | None:
    """The commit a branch points to, or None when it does not exist."""
    try:
        ref = await gh.getitem(R + "/git/ref/{+ref}", url_vars={"owner": owner, "repo": repo,
                                                                "ref": f"heads/{branch}"})
    except gidgethub.HTTPException as exc:
        if int(exc.status_code) == 404:
            return None
        raise
    obj = ref.get("object") or {}
    return str(obj["sha"]) if obj.get("type", "commit") == "commit" else None


class GitReads(Protocol):
    """Commit and tree reads; `PullSnapshot` answers them from what the job already fetched."""

    async def commit(self, sha: str) -> dict[str, Any]: ...

    async def tree(self, tree_sha: str) -> dict[str, Any]: ...


def file_modes(tree: Mapping[str, Any], paths: set[str]) -> dict[str, str]:
    """The git mode of each path in a recursive tree listing (100644 or 100755), so a fix keeps an
    executable bit."""
    modes = {e["path"]: e["mode"] for e in tree.get("tree", []) if e.get("path") in paths}
    return {p: (modes.get(p) if modes.get(p) in _FILE_MODES else "100644") for p in paths}


async def open_followups(gh: GitHubAPI, owner: str, repo: str, branch: str) -> list[dict[str, Any]]:
    """Open pull requests whose head is `owner:branch` (there should be at most one)."""
    return [p async for p in gh.getiter(R + "/pulls{?head,state,per_page}", url_vars={
        "owner": owner, "repo": repo, "head": f"{owner}:{branch}", "state": "open", "per_page": "100"})]
