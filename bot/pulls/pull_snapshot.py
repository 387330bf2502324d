"""PullSnapshot: everything one job reads about one pull request, each resource fetched once.

Before it, the review and the follow-up each read the pull request, its changed files, the base
configuration, the head commit and its tree, and ran the analysis on their own copies (issue 13). A
job now holds one PullSnapshot per pull request (`BotContext.pull_snapshot`); every step of the
pipeline asks it, and concurrent askers of one resource share one request (each resource is an
`asyncio.Task`, created on first use). A failed read fails every asker the same way; the queue
retries the whole job, which builds a fresh snapshot.

What the snapshot holds is what GitHub said at the moment of the first read; a job that must see a
newer state (a later push) is a later job with its own snapshot.

Reads of immutable things (a commit, a tree, a file at a commit SHA, a blob) are kept across jobs in
the repository's content-addressed store (bot/pulls/blob_store.py), shared by every worker: a later job
on the same base or head reads them without a request. A cold head tree comes as one archive
(bot/pulls/archive.py) when many blobs are missing (issue 17).
"""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

from ..github_api import GitHubAPI
from . import reads
from .blob_store import BlobStore
from .review_analysis import ReviewAnalysis
from .snapshot import Snapshot, SnapshotLimits, TreeArchive, fetch_file_at, get_commit, get_tree, snapshot_from_tree

T = TypeVar("T")

_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
CONFIG_FILE = "pyproject.toml"


class PullSnapshot:
    def __init__(self, gh: GitHubAPI, owner: str, repo: str, number: int, blobs: BlobStore,
                 limits: SnapshotLimits = SnapshotLimits(), archive: TreeArchive | None = None) -> None:
        self.gh, self.owner, self.repo, self.number = gh, owner, repo, number
        self.blobs, self.limits, self.archive = blobs, limits, archive
        self._tasks: dict[Hashable, asyncio.Task[Any]] = {}
        # The `hybridize` check run this job started, once the review started one (the follow-up
        # adds its Fix button to it without listing the commit's runs).
        self.check_run: dict[str, Any] | None = None
        # The review's analysis of the head, once its check run is completed (the follow-up's fix
        # engine starts from it when its inputs are the same: review_analysis.py).
        self.review_analysis: ReviewAnalysis | None = None

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
        async def load() -> reads.BaseConfig:
            async def fetch() -> bytes:
                data = await fetch_file_at(self.gh, self.owner, self.repo, CONFIG_FILE, sha)
                return b"0" if data is None else b"1" + data  # a missing file is an answer too

            stored = await self._immutable(f"file:{sha}:{CONFIG_FILE}", sha, fetch)
            return reads.parse_base_config(stored[1:] if stored[:1] == b"1" else None)

        return await self._once(("config", sha), load)

    async def commit(self, sha: str) -> dict[str, Any]:
        """`GET /git/commits/{sha}`."""
        return await self._once(("commit", sha), lambda: self._immutable_json(
            f"commit:{sha}", sha, lambda: get_commit(self.gh, self.owner, self.repo, sha)))

    async def tree(self, tree_sha: str) -> dict[str, Any]:
        """`GET /git/trees/{sha}?recursive=1`."""
        return await self._once(("tree", tree_sha), lambda: self._immutable_json(
            f"tree:{tree_sha}", tree_sha, lambda: get_tree(self.gh, self.owner, self.repo, tree_sha)))

    async def files(self, commit_sha: str) -> Snapshot:
        """The analysable files at `commit_sha` (blobs through the content-addressed cache; a cold
        cache is filled from one archive of the commit)."""
        async def load() -> Snapshot:
            commit = await self.commit(commit_sha)
            tree = await self.tree(commit["tree"]["sha"])
            return await snapshot_from_tree(self.gh, self.owner, self.repo, tree, self.blobs, self.limits,
                                            archive=self.archive, commit_sha=commit_sha)

        return await self._once(("files", commit_sha), load)

    async def _immutable(self, key: str, sha: str, fetch: Callable[[], Awaitable[bytes]]) -> bytes:
        """What `fetch` answers for a read that a full SHA makes immutable, kept in the store."""
        if not _FULL_SHA.fullmatch(sha):  # a branch name or short SHA may move: always asked
            return await fetch()
        stored = await self.blobs.get_object(key)
        if stored is None:
            stored = await fetch()
            await self.blobs.put_object(key, stored)
        return stored

    async def _immutable_json(self, key: str, sha: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        async def fetch_bytes() -> bytes:
            return json.dumps(await fetch()).encode("utf-8")

        return json.loads(await self._immutable(key, sha, fetch_bytes))

    async def prefetch(self) -> dict[str, Any]:
        """Read the pull request, then its files, base configuration and head tree concurrently."""
        pull = await self.pull()
        if pull.get("state") == "open":
            await asyncio.gather(self.changed(), self.config(pull["base"]["sha"]), self.files(pull["head"]["sha"]))
        return pull
