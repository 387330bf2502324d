"""Where fetched repository content is kept between jobs: content-addressed, shared by every worker.

Two kinds of entries, both immutable once written, so no entry is ever invalidated:

* blobs, keyed by their git blob SHA and verified against it before they are stored;
* objects: what an immutable read answered, keyed by what was read (`commit:<sha>`, `tree:<sha>`,
  `file:<commit sha>:<path>`): a commit, a tree or a file at a commit SHA never changes.

`BlobCache` (bot/pulls/snapshot.py) keeps them as files in BOT_DATA_DIR: the embedded default, where
the workers of one process share them. `RedisBlobStore` keeps them on the queue's Redis, so every
process sharing that queue (on any machine, each with its own BOT_DATA_DIR) reads what one of them
fetched (issue 17; numbers and the choice in docs/architecture.md).

Both are scoped to one repository (`owner/name`): a repository's entries are purged with it when the
App loses access (bot/private_data.py for files, `Stores.forget` for Redis), and no repository's
content is served from another one's cache.
"""
from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

import redis.asyncio as aioredis


def git_blob_sha(data: bytes) -> str:
    """The SHA-1 git gives a blob with this content (`git hash-object`)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class BlobStore(Protocol):
    async def get_many(self, shas: Iterable[str]) -> dict[str, bytes]:
        """The blobs the store has, of those asked for (absent ones are left out)."""

    async def put_many(self, blobs: Mapping[str, bytes]) -> None:
        """Store blobs by SHA; content not matching its SHA raises ValueError (nothing stored)."""

    async def get_object(self, key: str) -> bytes | None: ...

    async def put_object(self, key: str, data: bytes) -> None: ...


# (owner, repo) -> the store of that repository.
BlobStoreFactory = Callable[[str, str], BlobStore]

# Defaults for the Redis store: entries live at most CACHE_MAX_AGE_DAYS (the TTL) and all of them
# together at most this many bytes (the oldest go first).
REDIS_BLOB_MAX_BYTES = 512 * 1024 * 1024


def verify(blobs: Mapping[str, bytes]) -> None:
    for sha, data in blobs.items():
        if len(sha) == 40 and git_blob_sha(data) != sha:
            raise ValueError(f"blob {sha} content does not match its SHA; not cached")


def object_name(key: str) -> str:
    """A fixed-alphabet name for an object key (keys hold repository paths)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class RedisBlobStore:
    """Blobs and objects of one repository on Redis, under `<prefix>blob:<owner/repo>:`.

    Every entry has a TTL (CACHE_MAX_AGE_DAYS); an index (a sorted set of `key|size` by write time)
    bounds the total size: past `max_bytes` the oldest entries are deleted. The Redis server's own
    eviction policy cannot be used for this: the queue lives on the same server and must never be
    evicted. The byte count is kept with INCRBY/DECRBY outside a transaction, so concurrent writers
    may overshoot the cap by what they write at the same moment; trimming brings it back.
    """

    def __init__(self, client: aioredis.Redis, prefix: str, owner: str, repo: str, *, ttl_s: float,
                 max_bytes: int = REDIS_BLOB_MAX_BYTES, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._space = f"{prefix}blob:{owner.lower()}/{repo.lower()}:"
        self._index, self._bytes = f"{prefix}blobindex", f"{prefix}blobbytes"
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._ttl_s, self._max_bytes, self._clock = ttl_s, max_bytes, clock

    async def get_many(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        values = await self._client.mget([self._space + sha for sha in wanted])
        return {sha: value for sha, value in zip(wanted, values) if value is not None}

    async def put_many(self, blobs: Mapping[str, bytes]) -> None:
        verify(blobs)
        await self._put({self._space + sha: data for sha, data in blobs.items()})

    async def get_object(self, key: str) -> bytes | None:
        value: bytes | None = await self._client.get(self._space + "obj:" + object_name(key))
        return value

    async def put_object(self, key: str, data: bytes) -> None:
        await self._put({self._space + "obj:" + object_name(key): data})

    async def _put(self, entries: Mapping[str, bytes]) -> None:
        if not entries:
            return
        now = self._clock()
        async with self._client.pipeline(transaction=False) as pipe:
            for key, data in entries.items():
                pipe.set(key, data, px=self._ttl_ms, nx=True)
            created = await pipe.execute()
        added = {f"{key}|{len(data)}": now for (key, data), new in zip(entries.items(), created) if new}
        if not added:
            return
        size = sum(map(_size, added))
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.zadd(self._index, added).incrby(self._bytes, size)
            _, total = await pipe.execute()
        await self._trim(int(total), now)

    async def _trim(self, total: int, now: float) -> None:
        """Forget index entries past their TTL, then delete the oldest while over the cap."""
        expired = await self._client.zrangebyscore(self._index, "-inf", now - self._ttl_s)
        if expired:
            total = await self._drop(expired)
        while total > self._max_bytes:
            oldest = await self._client.zrange(self._index, 0, 63)
            if not oldest:
                break
            excess, chosen = total - self._max_bytes, []
            for member in oldest:  # the oldest few that bring the total under the cap
                chosen.append(member)
                excess -= _size(member.decode())
                if excess <= 0:
                    break
            total = await self._drop(chosen)

    async def _drop(self, members: list[bytes]) -> int:
        names = [m.decode() for m in members]
        size = sum(map(_size, names))
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.zrem(self._index, *names).delete(*(name.rsplit("|", 1)[0] for name in names))
            pipe.decrby(self._bytes, size)
            *_, total = await pipe.execute()
        return int(total)


def _size(member: str) -> int:
    return int(member.rsplit("|", 1)[1])


def redis_blob_stores(client: aioredis.Redis, prefix: str, *, ttl_s: float,
                      max_bytes: int = REDIS_BLOB_MAX_BYTES) -> BlobStoreFactory:
    def make(owner: str, repo: str) -> BlobStore:
        return RedisBlobStore(client, prefix, owner, repo, ttl_s=ttl_s, max_bytes=max_bytes)

    return make
