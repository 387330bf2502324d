"""PullSnapshot: everything one job reads about one pull request, each resource fetched once.

Before it, the review and the follow-up each read the pull request, its changed files, the base
configuration, the head commit and its tree, and ran the analysis on their own copies (issue 13). A
job now holds one PullSnapshot per pull request (`BotContext.pull_snapshot`); every step of the
pipeline asks it, and concurrent askers of one resource share one request (each resource is an
`asyncio.Task`, created on first use). A failed read fails every asker the same way; the queue
retries the whole job, which builds a fresh snapshot.

What the snapshot holds is what GitHub said at the moment of the first read; a job that must see a
newer state (a later push) is a later job with its own snapshot.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from ..github_api import GitHubAPI
from . import reads
from .snapshot import BlobCache, Snapshot, SnapshotLimits, get_commit, get_tree, snapshot_from_tree

T = TypeVar("T")

# The seam for a cold head tree taken from one archive download (issue 17, `bot/pulls/archive.py`):
# given a commit SHA, path -> bytes of the whole tree, or None to fall back to trees and blobs.
TreeArchive = Callable[[str], Awaitable[dict[str, bytes] | None]]


class PullSnapshot:
    def __init__(self, gh: GitHubAPI, owner: str, repo: str, number: int, blobs: BlobCache,
                 limits: SnapshotLimits = SnapshotLimits()) -> None:
        self.gh, self.owner, self.repo, self.number = gh, owner, repo, number
        self.blobs, self.limits = blobs, limits
        self._tasks: dict[Hashable, asyncio.Task[Any]] = {}
        # The `hybridize` check run this job started, once the review started one (the follow-up
        # adds its Fix button to it without listing the commit's runs).
        self.check_run: dict[str, Any] | None = None

    async def _once(self, key: Hashable, make: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = asyncio.ensure_future(make())
        # shield: one asker being cancelled must not cancel the read the others wait for.
        return await asyncio.shield(task)

    async def pull(self) -> dict[str, Any]:
        """`GET /pulls/{number}`."""
        return await self._once("pull", lambda: reads.get_pull(self.gh, self.owner, self.repo, self.number))

    async def changed(self) -> reads.ChangedFiles:
        """`GET /pulls/{number}/files`, every page, with parsed hunks."""
        return await self._once("files", lambda: reads.list_changed_files(self.gh, self.owner, self.repo,
                                                                           self.number))

    async def config(self, sha: str) -> reads.BaseConfig:
        """`[tool.hybridize]` of pyproject.toml at `sha` (the base commit: a PR cannot configure itself)."""
        return await self._once(("config", sha), lambda: reads.read_base_config(self.gh, self.owner, self.repo, sha))

    async def commit(self, sha: str) -> dict[str, Any]:
        """`GET /git/commits/{sha}`."""
        return await self._once(("commit", sha), lambda: get_commit(self.gh, self.owner, self.repo, sha))

    async def tree(self, tree_sha: str) -> dict[str, Any]:
        """`GET /git/trees/{sha}?recursive=1`."""
        return await self._once(("tree", tree_sha), lambda: get_tree(self.gh, self.owner, self.repo, tree_sha))

    async def files(self, commit_sha: str) -> Snapshot:
        """The analysable files at `commit_sha` (blobs through the content-addressed cache)."""
        async def load() -> Snapshot:
            commit = await self.commit(commit_sha)
            tree = await self.tree(commit["tree"]["sha"])
            return await snapshot_from_tree(self.gh, self.owner, self.repo, tree, self.blobs, self.limits)

        return await self._once(("files", commit_sha), load)

    async def prefetch(self) -> dict[str, Any]:
        """Read the pull request, then its files, base configuration and head tree concurrently."""
        pull = await self.pull()
        if pull.get("state") == "open":
            await asyncio.gather(self.changed(), self.config(pull["base"]["sha"]), self.files(pull["head"]["sha"]))
        return pull
