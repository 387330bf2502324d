"""A repository's analysable files at one commit from one archive request (issue 17, cold review).

A cold review fetched every file as its own `GET git/blobs` (249 requests for a 248-file repository);
`GET /repos/{owner}/{repo}/tarball/{ref}` gets them all with one API request. GitHub answers it with
`302 Location: <codeload URL>` (for private repositories the URL carries a temporary token valid five
minutes); the archive is downloaded from there *without* the API's Authorization header, which must not
travel to another host. https://docs.github.com/rest/repos/contents#download-a-repository-archive-tar

The archive is untrusted input (a pull request's content, and whatever sits between us and the
download host), so:

* the download is streamed and stops at `max_download_bytes` (compressed);
* inflating stops at `max_total_bytes` (decompression bombs), and every member's declared size counts
  against it *before* the member is read, whether it is kept or not (skipping a member still inflates
  it), so a small .tar.gz declaring gigabytes is refused from its header; a kept file may be at most
  `max_file_bytes` (bigger ones are skipped with a note, as `max-file-size` does);
* at most `max_members` members;
* members must lie under the archive's one top directory (`owner-repo-sha7/`) with a relative path
  without `..`, absolute or empty parts; hard links, devices and FIFOs are refused (git archives have
  none); symlinks and submodule entries are skipped (git stores a symlink as a link, which is not
  content to analyze);
* nothing is written to disk: members are read into memory, and only `.py` files and the configuration
  files the analysis reads (`snapshot.is_wanted`) are kept, so no path from the archive ever names a
  local file.

A violated limit raises ArchiveError (the caller falls back to per-blob reads or fails the job); skipped
members are listed in `notes`.
"""
from __future__ import annotations

import asyncio
import gzip
import io
import logging
import posixpath
import tarfile
import tempfile
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import aiohttp

from ..github import ACCEPT_JSON, API_VERSION, RETRYABLE_STATUS, RetryPolicy
from ..github_api import GitHubAPI
from .snapshot import TreeArchive, is_wanted

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArchiveLimits:
    max_download_bytes: int = 100_000_000     # compressed
    max_members: int = 50_000
    max_file_bytes: int = 1_000_000           # a kept file; matches SnapshotLimits.max_file_bytes
    max_total_bytes: int = 500_000_000        # inflated, headers and every member counted
    spool_bytes: int = 16_000_000             # downloads up to this size stay in memory


class ArchiveError(Exception):
    """The archive could not be fetched or is not one to trust; the message says why. `status`: the
    HTTP status that refused it, when one did (a 5xx is worth another try)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class ArchiveFiles:
    sources: dict[str, bytes] = field(default_factory=dict)  # repository-relative posix path -> bytes
    notes: list[str] = field(default_factory=list)           # members left out, and why
    commit: str | None = None                                  # from the pax header GitHub writes


async def fetch_archive(session: aiohttp.ClientSession, api_url: str, owner: str, repo: str, ref: str, *,
                        authorization: str, limits: ArchiveLimits = ArchiveLimits(),
                        timeout_s: float = 120.0,
                        on_answer: Callable[[str, int, Mapping[str, str]], Awaitable[None]] | None = None,
                        ) -> ArchiveFiles:
    """Download `owner/repo` at `ref` as a tarball and return its analysable files.

    `authorization` is the installation's header value ("token ..."): sent to the API only.
    `on_answer` sees the API's answer (its rate-limit headers feed the metrics and the budget)."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    url = f"{api_url.rstrip('/')}/repos/{owner}/{repo}/tarball/{ref}"
    headers = {"Authorization": authorization, "Accept": ACCEPT_JSON, "X-GitHub-Api-Version": API_VERSION}
    async with session.get(url, headers=headers, allow_redirects=False, timeout=timeout) as response:
        if on_answer is not None:
            await on_answer("GET", response.status, response.headers)
        if response.status in (301, 302, 303, 307, 308):
            location = response.headers.get("Location", "")
            if not location.startswith(("https://", "http://")):
                raise ArchiveError(f"tarball redirect without an absolute Location ({response.status})")
        elif response.status == 200:  # some GitHub Enterprise versions serve it directly
            location = ""
            data = await _read_capped(response.content.iter_chunked(64 * 1024), limits)
        else:
            raise ArchiveError(f"GET tarball answered {response.status}", response.status)
    if location:
        async with session.get(location, allow_redirects=False, timeout=timeout) as download:
            if download.status != 200:
                raise ArchiveError(f"archive download answered {download.status}", download.status)
            data = await _read_capped(download.content.iter_chunked(64 * 1024), limits)
    # Inflating and reading the members is CPU work (about 0.1 s for 50k lines, bench/RESULTS.md):
    # off the event loop, which must keep answering webhooks within milliseconds.
    try:
        return await asyncio.to_thread(read_tarball, data, limits)
    finally:
        data.close()


async def _read_capped(chunks: AsyncIterator[bytes], limits: ArchiveLimits) -> tempfile.SpooledTemporaryFile:
    spool = tempfile.SpooledTemporaryFile(max_size=limits.spool_bytes)
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limits.max_download_bytes:
            spool.close()
            raise ArchiveError(f"archive larger than {limits.max_download_bytes} bytes")
        spool.write(chunk)
    spool.seek(0)
    return spool


def tree_archive(gh: GitHubAPI, owner: str, repo: str, limits: ArchiveLimits = ArchiveLimits()) -> TreeArchive | None:
    """The snapshot's archive reader for `gh`'s installation, or None for a client without raw access
    (test doubles): any failure to get a trustworthy archive answers None, and the snapshot falls back
    to per-blob reads."""
    access = getattr(gh, "raw_access", None)
    if access is None:
        return None
    # The client's retry policy for 5xx answers (gidgethub's retries do not see this request).
    retry: RetryPolicy = getattr(gh, "retry", RetryPolicy())
    sleep = getattr(gh, "sleep", asyncio.sleep)

    async def read(commit_sha: str) -> dict[str, bytes] | None:
        attempt = 0
        while True:
            attempt += 1
            raw = await access()
            if raw.authorization is None:
                return None
            try:
                files = await fetch_archive(raw.session, raw.api_url, owner, repo, commit_sha,
                                            authorization=raw.authorization, limits=limits, on_answer=raw.observe)
                break
            except (ArchiveError, aiohttp.ClientError, TimeoutError) as exc:
                if isinstance(exc, ArchiveError) and exc.status in RETRYABLE_STATUS and attempt <= retry.max_retries:
                    delay = retry.backoff(attempt)
                    log.warning("%s/%s: %s; retry %d in %.2f s", owner, repo, exc, attempt, delay)
                    await sleep(delay)
                    continue
                log.warning("%s/%s@%s: no archive (%s); fetching blobs one by one", owner, repo, commit_sha[:12], exc)
                return None
        if files.commit is not None and files.commit != commit_sha:
            log.warning("%s/%s: archive of %s asked, %s received; fetching blobs one by one",
                        owner, repo, commit_sha[:12], files.commit[:12])
            return None
        return files.sources

    return read


def read_tarball(data: "bytes | io.IOBase | tempfile.SpooledTemporaryFile",
                 limits: ArchiveLimits = ArchiveLimits()) -> ArchiveFiles:
    """The analysable files of a GitHub tarball (gzip-compressed tar, one top directory)."""
    fileobj = io.BytesIO(data) if isinstance(data, bytes) else data
    out = ArchiveFiles()
    top: str | None = None
    total = members = 0
    try:
        inflated = _Capped(gzip.GzipFile(fileobj=fileobj, mode="rb"), limits.max_total_bytes)
        # "r|": a stream, read strictly forward (no seeking back to members already passed).
        with tarfile.open(fileobj=inflated, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                members += 1
                if members > limits.max_members:
                    raise ArchiveError(f"more than {limits.max_members} members")
                if out.commit is None:
                    out.commit = tar.pax_headers.get("comment")
                total += max(member.size, 0)
                if total > limits.max_total_bytes:  # refused from the headers, before inflating
                    raise ArchiveError(f"members larger than {limits.max_total_bytes} bytes in total")
                top, path = _place(member.name, top)
                if member.islnk() or member.ischr() or member.isblk() or member.isfifo():
                    raise ArchiveError(f"member {member.name!r} is a {_kind(member)}")
                if member.issym():
                    out.notes.append(f"{path}: symlink, skipped")
                    continue
                if member.isdir() or path == "" or not is_wanted(path):
                    continue
                if not member.isfile():
                    out.notes.append(f"{path}: not a regular file, skipped")
                    continue
                if member.size > limits.max_file_bytes:
                    out.notes.append(f"{path}: {member.size} bytes is above the {limits.max_file_bytes}-byte limit, skipped")
                    continue
                handle = tar.extractfile(member)
                content = handle.read(limits.max_file_bytes + 1) if handle is not None else b""
                if len(content) != member.size:
                    raise ArchiveError(f"{path}: truncated member")
                out.sources[path] = content
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        raise ArchiveError(f"not a readable .tar.gz: {exc}") from None
    if members == 0:
        raise ArchiveError("empty archive")
    return out


class _Capped(io.RawIOBase):
    """A read-only stream that refuses to give more than `cap` bytes: whatever the tar headers claim
    (a pax or GNU long-name header is read whole before any check of ours runs), inflating stops there."""

    def __init__(self, inner: io.BufferedIOBase, cap: int) -> None:
        self._inner, self._cap, self._read = inner, cap, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._cap - self._read + 1
        chunk = self._inner.read(min(size, self._cap - self._read + 1))
        self._read += len(chunk)
        if self._read > self._cap:
            raise ArchiveError(f"archive inflates to more than {self._cap} bytes")
        return chunk


def _place(name: str, top: str | None) -> tuple[str, str]:
    """(the top directory, the member's path below it); refuses names that could leave it."""
    if name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"member {name!r} has an absolute or non-posix path")
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise ArchiveError(f"member {name!r} has an empty, '.' or '..' path component")
    if top is None:
        top = parts[0]
    elif parts[0] != top:
        raise ArchiveError(f"member {name!r} is outside the archive's top directory {top!r}")
    return top, posixpath.join(*parts[1:]) if len(parts) > 1 else ""


def _kind(member: tarfile.TarInfo) -> str:
    if member.islnk():
        return "hard link"
    if member.isfifo():
        return "FIFO"
    return "device"
