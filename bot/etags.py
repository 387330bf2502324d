"""Conditional requests (ETag / If-None-Match) for the reads where they pay (issue 17).

gidgethub sends `If-None-Match` for a GET whose URL is in its `cache` mapping and, on `304 Not
Modified`, answers with the cached body; a 304 does not count against the installation's rate limit.
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate

Where they pay: a pull request and its changed files are read by every job of that pull request
(review, check-suite re-runs, commands, the Fix button), and are unchanged between them unless
someone pushed. Immutable reads (commits, trees, blobs, a file at a commit SHA) are not here: they are
kept in the content-addressed store (bot/pulls/blob_store.py) and cost no request at all.

ETags depend on the credentials (GitHub answers `Vary: Authorization`) and installation tokens
rotate hourly, so the store is per installation (one token at a time), and after a rotation the first
conditional request gets a 200 with a new ETag, which simply replaces the entry. Bodies are copied in
and out, so a handler changing a dict it got cannot change what a later job receives.
"""
from __future__ import annotations

import copy
import re
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from typing import Any

# Paths (after the API address) whose answers are kept with their ETag.
WORTH_REVALIDATING = re.compile(r"/repos/[^/]+/[^/]+/pulls/\d+(/files(\?.*)?)?$")
MAX_ENTRIES_PER_INSTALLATION = 2000

Entry = tuple[Any, Any, Any, Any]  # gidgethub's (etag, last_modified, data, next page URL)


class EtagCache(MutableMapping[str, Entry]):
    """gidgethub's `cache` mapping for one installation: only URLs worth revalidating, LRU-bounded."""

    def __init__(self, max_entries: int = MAX_ENTRIES_PER_INSTALLATION) -> None:
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._max = max_entries

    def __getitem__(self, url: str) -> Entry:
        entry = self._entries[url]
        self._entries.move_to_end(url)
        return copy.deepcopy(entry)

    def __setitem__(self, url: str, entry: Entry) -> None:
        if not WORTH_REVALIDATING.search(url):
            return
        self._entries[url] = copy.deepcopy(entry)
        self._entries.move_to_end(url)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def __delitem__(self, url: str) -> None:
        del self._entries[url]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


class EtagStores:
    """One EtagCache per installation (key: installation + URL)."""

    def __init__(self) -> None:
        self._by_installation: dict[int, EtagCache] = {}

    def for_installation(self, installation_id: int) -> EtagCache:
        return self._by_installation.setdefault(installation_id, EtagCache())

    def forget(self, installation_id: int) -> None:
        self._by_installation.pop(installation_id, None)
