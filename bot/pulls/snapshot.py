"""The repository's analysable files at one commit, from git trees and blobs with a local cache.

`GET /git/trees/{tree}?recursive=1` lists every path with its blob SHA; a blob SHA names its content,
so blobs are cached on disk under `<data_dir>/blobs/` by SHA and a push that changes k files
downloads k blobs. Nothing is extracted from archives, so no path from the repository is ever used
to build a local file name (the cache file name is the verified hex SHA).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..github_api import GitHubAPI

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


@dataclass
class Snapshot:
    sources: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # files left out, and why
    partial: list[str] = field(default_factory=list)  # reasons the snapshot is incomplete
    downloaded: int = 0
    from_cache: int = 0


def is_wanted(path: str) -> bool:
    name = PurePosixPath(path).name
    return path.endswith(".py") or name in _CONFIG_NAMES or bool(_REQUIREMENTS.search(name))


def git_blob_sha(data: bytes) -> str:
    """The SHA-1 git gives a blob with this content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class BlobCache:
    """Content-addressed blob store: `<root>/<sha[:2]>/<sha>`; content verified before storing."""

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
        if len(sha) == 40 and git_blob_sha(data) != sha:
            raise ValueError(f"blob {sha} content does not match its SHA; not cached")
        path = self._path(sha)
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


async def fetch_snapshot(gh: GitHubAPI, owner: str, repo: str, commit_sha: str, cache: BlobCache,
                         limits: SnapshotLimits = SnapshotLimits()) -> Snapshot:
    """Analysable files of `owner/repo` at `commit_sha` (paths are repository-relative posix)."""
    commit = await get_commit(gh, owner, repo, commit_sha)
    tree = await get_tree(gh, owner, repo, commit["tree"]["sha"])
    return await snapshot_from_tree(gh, owner, repo, tree, cache, limits)


async def snapshot_from_tree(gh: GitHubAPI, owner: str, repo: str, tree: dict[str, Any], cache: BlobCache,
                             limits: SnapshotLimits = SnapshotLimits()) -> Snapshot:
    """The analysable files of a recursive tree listing; blobs come from `cache` when it has them."""
    snap = Snapshot()
    if tree.get("truncated"):
        # https://docs.github.com/en/rest/git/trees#get-a-tree : "limit of 100,000 entries with a
        # maximum size of 7 MB when using the recursive parameter".
        snap.partial.append("GitHub truncated the repository tree listing (over 100,000 entries or 7 MB); "
                            "only the listed files were analyzed.")
    entries = _select_entries(tree.get("tree", []), limits, snap)
    sem = asyncio.Semaphore(limits.concurrency)

    async def load(entry: dict[str, Any]) -> None:
        sha = entry["sha"]
        data = cache.get(sha)
        if data is not None:
            snap.from_cache += 1
        else:
            async with sem:
                data = await _download_blob(gh, owner, repo, sha)
            cache.put(sha, data)
            snap.downloaded += 1
        snap.sources[entry["path"]] = data

    await asyncio.gather(*(load(e) for e in entries))
    snap.sources = dict(sorted(snap.sources.items()))
    return snap


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
