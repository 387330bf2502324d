"""Conditional requests (ETag / If-None-Match) for the reads where they pay (issue 17).

gidgethub sends `If-None-Match` for a GET whose URL is in its `cache` mapping and, on `304 Not
Modified`, answers with the cached body; a 304 does not count against the installation's rate limit.
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate

Where they pay: a pull request and its changed files are read by every job of that pull request
(review, check-suite re-runs, commands, the Fix button), and are unchanged between them unless
someone pushed. Immutable reads (commits, trees, blobs, a file at a commit SHA) are not here: they are
kept in the content-addressed store (bot/pulls/blob_store.py) and cost no request at all.

The entries live where the queue is (bot/state.py): `SqliteEtags` in BOT_DATA_DIR for the embedded
queue, `state_redis.RedisEtags` beside a Redis queue, so a pull request read by one process is
revalidated by any other. ETags depend on the credentials (GitHub answers `Vary: Authorization`) and
installation tokens rotate hourly, so an entry is keyed by installation, repository and a hash of the
token (`token_key`; the token itself is never stored) and expires after `DEFAULT_MAX_AGE_S` (a token's
lifetime): after a rotation the first read is a plain 200 whose ETag starts a new entry.

gidgethub reads its cache synchronously; `StagedEtags` is that mapping for one client: the client
loads a URL's entry from the shared store before the request and writes back what the answer left
(bot/github.py `GitHubClient._make_request`).
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, Protocol

from .sqlite_state import connect

# Paths (after the API address) whose answers are kept with their ETag; the group is the repository.
WORTH_REVALIDATING = re.compile(r"/repos/([^/]+/[^/]+)/pulls/\d+(/files(\?.*)?)?$")
DEFAULT_MAX_AGE_S = 3600.0  # an installation token lives one hour

Entry = tuple[Any, Any, Any, Any]  # gidgethub's (etag, last_modified, data, next page URL)


def repository_of(url: str) -> str | None:
    """The "owner/name" of a URL worth revalidating, lower-cased; None for any other URL."""
    match = WORTH_REVALIDATING.search(url)
    return match.group(1).lower() if match else None


def token_key(authorization: str) -> str:
    """What ties an entry to the credentials it was answered for, without keeping them."""
    return hashlib.sha256(authorization.encode()).hexdigest()[:32]


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def encode(entry: Entry) -> str:
    return json.dumps(list(entry))


def decode(raw: str | bytes) -> Entry:
    etag, last_modified, data, more = json.loads(raw)
    return etag, last_modified, data, more


class EtagState(Protocol):
    async def get(self, installation: int, token: str, url: str) -> Entry | None: ...

    async def put(self, installation: int, token: str, url: str, entry: Entry) -> None: ...

    async def forget(self, installation: int) -> None: ...


class StagedEtags(MutableMapping[str, Entry]):
    """gidgethub's `cache` for the requests of one client in flight: `stage` puts a URL's stored entry
    in before its request, `unstage` takes out what the answer wrote (None: nothing new). Only staged
    URLs are kept, so nothing else is cached and the mapping empties as requests end."""

    def __init__(self) -> None:
        self._loaded: dict[str, Entry] = {}
        self._written: dict[str, Entry] = {}
        self._open: Counter[str] = Counter()

    def stage(self, url: str, entry: Entry | None) -> None:
        self._open[url] += 1
        if entry is not None:
            self._loaded[url] = entry

    def unstage(self, url: str) -> Entry | None:
        written = self._written.pop(url, None)
        self._open[url] -= 1
        if self._open[url] <= 0:
            del self._open[url]
            self._loaded.pop(url, None)
        return written

    def __getitem__(self, url: str) -> Entry:
        return self._loaded[url]

    def __setitem__(self, url: str, entry: Entry) -> None:
        if url in self._open:
            self._written[url] = entry

    def __delitem__(self, url: str) -> None:
        del self._loaded[url]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded)

    def __len__(self) -> int:
        return len(self._loaded)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS etags (
    installation INTEGER NOT NULL,
    repo TEXT NOT NULL,
    token TEXT NOT NULL,
    url TEXT NOT NULL,
    entry TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (installation, token, url)
);
CREATE INDEX IF NOT EXISTS etags_expires ON etags (expires);
"""


class SqliteEtags:
    """The entries in BOT_DATA_DIR/requests.sqlite3 (the embedded queue's backend); `repo` lets
    bot/private_data.py purge a repository's entries with its other records."""

    def __init__(self, data_dir: Path, max_age_s: float = DEFAULT_MAX_AGE_S) -> None:
        self.path = Path(data_dir) / "requests.sqlite3"
        self.max_age_s = max_age_s

    def _get(self, installation: int, token: str, url: str) -> Entry | None:
        with connect(self.path, _SCHEMA) as conn:
            row = conn.execute("SELECT entry FROM etags WHERE installation = ? AND token = ? AND url = ? AND expires > ?",
                               (installation, token, url, time.time())).fetchone()
        return decode(row[0]) if row else None

    def _put(self, installation: int, token: str, url: str, entry: Entry) -> None:
        repo = repository_of(url)
        if repo is None:
            return
        now = time.time()
        with connect(self.path, _SCHEMA) as conn:
            conn.execute("DELETE FROM etags WHERE expires <= ?", (now,))  # bounded: entries of the last hour
            conn.execute("INSERT OR REPLACE INTO etags VALUES (?, ?, ?, ?, ?, ?)",
                         (installation, repo, token, url, encode(entry), now + self.max_age_s))

    def _forget(self, installation: int) -> None:
        with connect(self.path, _SCHEMA) as conn:
            conn.execute("DELETE FROM etags WHERE installation = ?", (installation,))

    async def get(self, installation: int, token: str, url: str) -> Entry | None:
        return await asyncio.to_thread(self._get, installation, token, url)

    async def put(self, installation: int, token: str, url: str, entry: Entry) -> None:
        await asyncio.to_thread(self._put, installation, token, url, entry)

    async def forget(self, installation: int) -> None:
        await asyncio.to_thread(self._forget, installation)
