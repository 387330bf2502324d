"""Git Data API calls of a follow-up: blobs, trees on the parent's tree, its commits, the branch ref.

https://docs.github.com/en/rest/git — the commit is created without `author`/`committer`, so GitHub
records the App's bot user (`<slug>[bot]`) as both: the App is the author.
"""
from __future__ import annotations

import base64
from typing import Any, Mapping, Protocol, Sequence

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


async def create_fix_commits(gh: GitHubAPI, owner: str, repo: str, parent_sha: str,
                             steps: Sequence[tuple[Mapping[str, bytes], str]], *, reads: GitReads) -> str:
    """A chain of commits on `parent_sha`, one per (changed files, message) step, each tree the previous
    one with that step's files replaced; returns the last commit's sha. File modes come from the parent."""
    parent = await reads.commit(parent_sha)
    base_tree = parent["tree"]["sha"]
    modes = file_modes(await reads.tree(base_tree), {p for changed, _ in steps for p in changed})
    sha = parent_sha
    for changed, message in steps:
        entries = []
        for path, data in sorted(changed.items()):
            blob = await gh.post(R + "/git/blobs", url_vars={"owner": owner, "repo": repo},
                                 data={"content": base64.b64encode(data).decode("ascii"), "encoding": "base64"})
            entries.append({"path": path, "mode": modes[path], "type": "blob", "sha": blob["sha"]})
        tree = await gh.post(R + "/git/trees", url_vars={"owner": owner, "repo": repo},
                             data={"base_tree": base_tree, "tree": entries})
        commit = await gh.post(R + "/git/commits", url_vars={"owner": owner, "repo": repo},
                               data={"message": message, "tree": tree["sha"], "parents": [sha]})
        base_tree, sha = str(tree["sha"]), str(commit["sha"])
    return sha


async def point_branch(gh: GitHubAPI, owner: str, repo: str, branch: str, sha: str, *, expected: str | None) -> bool:
    """Move `branch` to `sha` only if it still points at `expected` (None: does not exist yet); False
    when it moved meanwhile (compare-and-swap: another worker's newer sync must never be overwritten by
    an older one).

    The REST API has no conditional ref update, so the check is a fresh read right before the write;
    the per-PR lock (bot/locks.py) keeps other workers of this App out of that short window. The move
    is forced: the new commit sits on a newer head, so it is not a fast-forward of the old one.
    """
    if expected is None:
        try:
            await gh.post(R + "/git/refs", url_vars={"owner": owner, "repo": repo},
                          data={"ref": f"refs/heads/{branch}", "sha": sha})
            return True
        except gidgethub.HTTPException as exc:
            # 422 "Reference already exists": somebody created it since the sync looked.
            if int(exc.status_code) == 422:
                return False
            raise
    if await ref_sha(gh, owner, repo, branch) != expected:
        return False
    await gh.patch(R + "/git/refs/{+ref}", url_vars={"owner": owner, "repo": repo, "ref": f"heads/{branch}"},
                   data={"sha": sha, "force": True})
    return True


async def delete_branch(gh: GitHubAPI, owner: str, repo: str, branch: str) -> bool:
    """Delete the branch; False when it was already gone (422/404), like miss-islington's clean-up."""
    try:
        await gh.delete(R + "/git/refs/{+ref}", url_vars={"owner": owner, "repo": repo, "ref": f"heads/{branch}"})
    except gidgethub.HTTPException as exc:
        if int(exc.status_code) in (404, 422):
            return False
        raise
    return True


async def open_followups(gh: GitHubAPI, owner: str, repo: str, branch: str) -> list[dict[str, Any]]:
    """Open pull requests whose head is `owner:branch` (there should be at most one)."""
    return [p async for p in gh.getiter(R + "/pulls{?head,state,per_page}", url_vars={
        "owner": owner, "repo": repo, "head": f"{owner}:{branch}", "state": "open", "per_page": "100"})]
