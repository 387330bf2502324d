"""The repository's analysable files at one commit, from git trees and blobs with a content-addressed cache.

`GET /git/trees/{tree}?recursive=1` lists every path with its blob SHA; a blob SHA names its content,
so blobs are cached by SHA (`BlobCache` on disk under `<data_dir>/blobs/`, or the queue's Redis:
bot/pulls/blob_store.py) and a push that changes k files downloads k blobs. When many blobs are
missing (a cold cache), one archive download (bot/pulls/archive.py) fills the cache instead of one
`GET git/blobs` per file. No path from the repository is ever used to build a local file name (the
cache file name is the verified hex SHA).
"""
from __future__ import annotations

import asyncio
import base64
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from ..github_api import GitHubAPI
from .blob_store import BlobStore, git_blob_sha, object_name, verify

__all__ = ["BlobCache", "BlobStore", "Snapshot", "SnapshotLimits", "git_blob_sha", "fetch_snapshot",
           "snapshot_from_tree", "TreeArchive"]

log = logging.getLogger(__name__)

# The analysis reads only these (see analysis.analyze_sources); everything else is not downloaded.
_CONFIG_NAMES = {"pyproject.toml", "setup.cfg"}
_REQUIREMENTS = re.compile(r"requirements[^/]*\.txt$")
_HEX_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# git modes: 100644/100755 regular files; 120000 symlinks and 160000 submodules are not content.
_REGULAR_MODES = {"100644", "100755"}


@dataclass(frozen=True)
class SnapshotLimits:
    # Matches analysis.config.DEFAULT_MAX_FILE_BYTES: bigger files are generated code, not reviewed.
    max_file_bytes: int = 1_000_000
    max_files: int = 20_000
    max_total_bytes: int = 200_000_000
    concurrency: int = 8
    # With at least this many blobs missing from the cache, the tree comes as one archive download
    # (1 API request, the whole repository) rather than one `GET git/blobs` each. The rate limit
    # decides: a push costs about 12 requests besides its blobs, so with at most 3 blob requests every
    # warm push stays within the 15-request goal of issue 17. Time would favour blobs for longer
    # (reading the 54k-line bench repository's archive alone costs as much as about 30 blob
    # requests on loopback, bench/RESULTS.md; over the internet each request adds a round trip).
    archive_min_missing: int = 4


@dataclass
class Snapshot:
    sources: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # files left out, and why
    partial: list[str] = field(default_factory=list)  # reasons the snapshot is incomplete
    downloaded: int = 0      # blobs fetched one by one (`GET git/blobs`)
    from_cache: int = 0
    from_archive: int = 0    # blobs taken from the archive download


def is_wanted(path: str) -> bool:
    name = PurePosixPath(path).name
    return path.endswith(".py") or name in _CONFIG_NAMES or bool(_REQUIREMENTS.search(name))


# The seam for a cold head tree taken from one archive download (`bot/pulls/archive.py`): given a
# commit SHA, path -> bytes of its analysable files, or None when no archive could be had.
TreeArchive = Callable[[str], Awaitable["dict[str, bytes] | None"]]


class BlobCache:
    """Content-addressed blob store on disk: `<root>/<sha[:2]>/<sha>`; content verified before storing.

    Objects (immutable read results, bot/pulls/blob_store.py) lie under `<root>/obj/`, named by the
    SHA-256 of their key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha: str) -> Path:
        if not _HEX_SHA.fullmatch(sha):
            raise ValueError(f"not a git object id: {sha!r}")
        return self.root / sha[:2] / sha

    def get(self, sha: str) -> bytes | None:
        try:
            return self._path(sha).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, sha: str, data: bytes) -> None:
        verify({sha: data})
        self._write(self._path(sha), data)

    # The BlobStore protocol. A whole tree's files take 20 to 80 ms to read or write
    # (bench/RESULTS.md): in a thread, so the event loop keeps answering webhooks meanwhile.
    async def get_many(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = set(shas)

        def read() -> dict[str, bytes]:
            found = {sha: self.get(sha) for sha in wanted}
            return {sha: data for sha, data in found.items() if data is not None}

        return await asyncio.to_thread(read) if wanted else {}

    async def put_many(self, blobs: Mapping[str, bytes]) -> None:
        def write() -> None:
            verify(blobs)
            for sha, data in blobs.items():
                self._write(self._path(sha), data)

        if blobs:
            await asyncio.to_thread(write)

    def _object_path(self, key: str) -> Path:
        name = object_name(key)
        return self.root / "obj" / name[:2] / name

    async def get_object(self, key: str) -> bytes | None:
        try:
            return self._object_path(key).read_bytes()
        except FileNotFoundError:
            return None

    async def put_object(self, key: str, data: bytes) -> None:
        self._write(self._object_path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write-then-rename: a crash or a concurrent writer never leaves a half-written blob.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


async def get_commit(gh: GitHubAPI, owner: str, repo: str, sha: str) -> dict[str, Any]:
    """`GET /git/commits/{sha}`: the commit's tree, parents, author and message."""
    return await gh.getitem("/repos/{owner}/{repo}/git/commits/{commit_sha}",
                            url_vars={"owner": owner, "repo": repo, "commit_sha": sha})


async def get_tree(gh: GitHubAPI, owner: str, repo: str, tree_sha: str) -> dict[str, Any]:
    """`GET /git/trees/{sha}?recursive=1`: every path of the tree with its mode and blob SHA."""
    return await gh.getitem("/repos/{owner}/{repo}/git/trees/{tree_sha}{?recursive}",
                            url_vars={"owner": owner, "repo": repo, "tree_sha": tree_sha, "recursive": "1"})


async def fetch_snapshot(gh: GitHubAPI, owner: str, repo: str, commit_sha: str, cache: BlobStore,
                         limits: SnapshotLimits = SnapshotLimits(), archive: TreeArchive | None = None) -> Snapshot:
    """Analysable files of `owner/repo` at `commit_sha` (paths are repository-relative posix)."""
    commit = await get_commit(gh, owner, repo, commit_sha)
    tree = await get_tree(gh, owner, repo, commit["tree"]["sha"])
    return await snapshot_from_tree(gh, owner, repo, tree, cache, limits, archive=archive, commit_sha=commit_sha)


async def snapshot_from_tree(gh: GitHubAPI, owner: str, repo: str, tree: dict[str, Any], cache: BlobStore,
                             limits: SnapshotLimits = SnapshotLimits(), *, archive: TreeArchive | None = None,
                             commit_sha: str | None = None) -> Snapshot:
    """The analysable files of a recursive tree listing: from `cache` when it has them, else from one
    archive of `commit_sha` when at least `limits.archive_min_missing` blobs are missing, else (and
    for whatever the archive did not give) one `GET git/blobs` per distinct missing blob."""
    snap = Snapshot()
    if tree.get("truncated"):
        # https://docs.github.com/en/rest/git/trees#get-a-tree : "limit of 100,000 entries with a
        # maximum size of 7 MB when using the recursive parameter".
        snap.partial.append("GitHub truncated the repository tree listing (over 100,000 entries or 7 MB); "
                            "only the listed files were analyzed.")
    entries = _select_entries(tree.get("tree", []), limits, snap)
    blobs = await cache.get_many(e["sha"] for e in entries)
    snap.from_cache = sum(e["sha"] in blobs for e in entries)
    missing = {e["sha"] for e in entries} - blobs.keys()
    if archive is not None and commit_sha is not None and len(missing) >= limits.archive_min_missing:
        found = _blobs_from_archive(await archive(commit_sha), entries, missing)
        await cache.put_many(found)
        blobs.update(found)
        missing -= found.keys()
        snap.from_archive = sum(e["sha"] in found for e in entries)
    # Each distinct blob once: identical files (empty __init__.py) share one SHA, hence one request.
    sem = asyncio.Semaphore(limits.concurrency)

    async def load(sha: str) -> None:
        async with sem:
            data = await _download_blob(gh, owner, repo, sha)
        await cache.put_many({sha: data})
        blobs[sha] = data

    await asyncio.gather(*(load(sha) for sha in sorted(missing)))
    snap.downloaded = len(missing)
    snap.sources = {e["path"]: blobs[e["sha"]] for e in entries}
    return snap


def _blobs_from_archive(files: Mapping[str, bytes] | None, entries: list[dict[str, Any]],
                        missing: set[str]) -> dict[str, bytes]:
    """The missing blobs the archive holds, each checked against the SHA the tree lists for its path
    (an archive of another commit, or a tampered one, gives nothing wrong: those blobs are fetched)."""
    found: dict[str, bytes] = {}
    for entry in entries if files else ():
        sha, data = entry["sha"], files.get(entry["path"])  # type: ignore[union-attr]
        if sha in missing and data is not None and git_blob_sha(data) == sha:
            found[sha] = data
    return found


def _select_entries(tree: list[dict[str, Any]], limits: SnapshotLimits, snap: Snapshot) -> list[dict[str, Any]]:
    chosen: list[dict[str, Any]] = []
    total = 0
    for entry in sorted(tree, key=lambda e: e.get("path", "")):
        path = entry.get("path", "")
        if entry.get("type") != "blob" or not is_wanted(path):
            continue
        if entry.get("mode") not in _REGULAR_MODES:
            snap.notes.append(f"{path}: skipped (symlink or not a regular file)")
            continue
        size = int(entry.get("size") or 0)
        if size > limits.max_file_bytes:
            snap.notes.append(f"{path}: skipped ({size:,} bytes; the limit is {limits.max_file_bytes:,})")
            continue
        if len(chosen) >= limits.max_files or total + size > limits.max_total_bytes:
            snap.partial.append(
                f"The repository has more analysable files than the bot reads ({limits.max_files:,} files, "
                f"{limits.max_total_bytes:,} bytes); files after {chosen[-1]['path'] if chosen else path!r} "
                "in path order were not analyzed."
            )
            break
        total += size
        chosen.append(entry)
    return chosen


async def _download_blob(gh: GitHubAPI, owner: str, repo: str, sha: str) -> bytes:
    """`GET /git/blobs/{sha}`: base64 JSON (works for every size up to 100 MB)."""
    blob = await gh.getitem("/repos/{owner}/{repo}/git/blobs/{file_sha}",
                            url_vars={"owner": owner, "repo": repo, "file_sha": sha})
    if blob.get("encoding") == "base64":
        return base64.b64decode(blob.get("content", ""))
    return str(blob.get("content", "")).encode("utf-8")


async def fetch_file_at(gh: GitHubAPI, owner: str, repo: str, path: str, ref: str) -> bytes | None:
    """One file's bytes at `ref` (raw media type), or None when it does not exist there."""
    import gidgethub

    try:
        return await gh.get_bytes("/repos/{owner}/{repo}/contents/{+path}{?ref}",
                                  url_vars={"owner": owner, "repo": repo, "path": path, "ref": ref})
    except gidgethub.HTTPException as exc:
        if int(exc.status_code) == 404:
            return None
        raise
