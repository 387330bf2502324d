"""The follow-up and command stores on the queue's Redis (see bot/state.py), for several processes.

Keys (under the queue's prefix): `blob:<repo>:...` cached repository content (bot/pulls/blob_store.py);
`etag:<repo>:<installation>:<token hash>:<url hash>` a conditional request's entry (bot/etags.py),
expiring with the token; `rate:<installation>` a hash of the rate-limit window (bot/rate_budget.py),
expiring two hours (two windows) after its last change; `token:<installation>` a sealed installation
token (bot/token_store.py), expiring with it;
`followup:<repo>:<number>` a JSON record; `ignored:<repo>:<number>` a
hash of rule code -> the login who ignored it; `handled:<repo>:<comment id>` present once the comment was acted on (kept as long
as the queue keeps delivery ids). Repository names are lower-cased like the SQLite stores do.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict

import redis.asyncio as aioredis

from .etags import DEFAULT_MAX_AGE_S, Entry, decode, encode, repository_of, url_key
from .followup.store import FollowupRecord
from .pulls.blob_store import REDIS_BLOB_MAX_BYTES, redis_blob_stores
from .rate_budget import Window
from .queue import DEDUPE_RETENTION_S
from .state import Forget, Stores


class RedisFollowupStore:
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client, self._prefix = client, prefix

    def _key(self, repo: str, number: int) -> str:
        return f"{self._prefix}followup:{repo.lower()}:{int(number)}"

    async def get(self, repo: str, number: int) -> FollowupRecord | None:
        raw = await self._client.get(self._key(repo, number))
        return FollowupRecord(**json.loads(raw)) if raw is not None else None

    async def put(self, record: FollowupRecord) -> None:
        values = asdict(record)
        values["repo"] = record.repo.lower()
        await self._client.set(self._key(record.repo, record.number), json.dumps(values))


class RedisCommandStore:
    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client, self._prefix = client, prefix

    def _ignored(self, repo: str, number: int) -> str:
        return f"{self._prefix}ignored:{repo.lower()}:{int(number)}"

    def _handled(self, repo: str, comment_id: int) -> str:
        return f"{self._prefix}handled:{repo.lower()}:{int(comment_id)}"

    async def ignored(self, repo: str, number: int) -> set[str]:
        return set(await self.ignored_by(repo, number))

    async def ignored_by(self, repo: str, number: int) -> dict[str, str]:
        raw = await self._client.hgetall(self._ignored(repo, number))
        return {code.decode(): login.decode() for code, login in raw.items()}

    async def ignore(self, repo: str, number: int, codes: set[str], by_login: str) -> None:
        # HSETNX: the first person to ignore a rule stays its ignorer (as the SQLite store's INSERT OR IGNORE).
        for code in sorted(codes):
            await self._client.hsetnx(self._ignored(repo, number), code, by_login)

    async def unignore(self, repo: str, number: int, codes: set[str]) -> None:
        if codes:
            await self._client.hdel(self._ignored(repo, number), *sorted(codes))

    async def is_handled(self, repo: str, comment_id: int) -> bool:
        return bool(await self._client.exists(self._handled(repo, comment_id)))

    async def mark_handled(self, repo: str, comment_id: int) -> None:
        await self._client.set(self._handled(repo, comment_id), b"1", ex=int(DEDUPE_RETENTION_S))


# Keep a newer window, or a lower count (bot/rate_budget.py `RateWindows`); atomic across processes.
_LOWER_WINDOW = """
local known = redis.call('HMGET', KEYS[1], 'remaining', 'reset')
local remaining, reset = tonumber(ARGV[1]), tonumber(ARGV[2])
if known[1] == false or reset > tonumber(known[2]) or remaining < tonumber(known[1]) then
  redis.call('HSET', KEYS[1], 'remaining', ARGV[1], 'reset', ARGV[2])
  redis.call('EXPIRE', KEYS[1], 7200)
end
return 0
"""


class RedisWindows:
    """bot/rate_budget.py's windows on the queue's Redis: every process sees every answer's count."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client, self._prefix = client, prefix
        self._lower = client.register_script(_LOWER_WINDOW)

    def _key(self, installation: str) -> str:
        return f"{self._prefix}rate:{installation}"

    async def lower(self, installation: str, window: Window) -> None:
        await self._lower(keys=[self._key(installation)], args=[window.remaining, repr(window.reset)])

    async def get(self, installation: str) -> Window | None:
        remaining, reset = await self._client.hmget(self._key(installation), "remaining", "reset")
        return Window(int(remaining), float(reset)) if remaining is not None and reset is not None else None

    async def forget(self, installation: str) -> None:
        await self._client.delete(self._key(installation))


class RedisEtags:
    """bot/etags.py's entries on the queue's Redis, expiring with the token (`max_age_s`)."""

    def __init__(self, client: aioredis.Redis, prefix: str, max_age_s: float = DEFAULT_MAX_AGE_S) -> None:
        self._client, self._prefix, self.max_age_s = client, prefix, max_age_s

    def _key(self, installation: int, token: str, url: str) -> str | None:
        repo = repository_of(url)
        if repo is None:
            return None
        return f"{self._prefix}etag:{repo}:{int(installation)}:{token}:{url_key(url)}"

    async def get(self, installation: int, token: str, url: str) -> Entry | None:
        key = self._key(installation, token, url)
        raw = await self._client.get(key) if key is not None else None
        return decode(raw) if raw is not None else None

    async def put(self, installation: int, token: str, url: str, entry: Entry) -> None:
        key = self._key(installation, token, url)
        if key is not None:
            await self._client.set(key, encode(entry), px=max(1, int(self.max_age_s * 1000)))

    async def forget(self, installation: int) -> None:
        match = f"{_glob_escape(self._prefix)}etag:*:{int(installation)}:*"
        keys = [k async for k in self._client.scan_iter(match=match, count=500)]
        if keys:
            await self._client.delete(*keys)


class RedisTokens:
    """bot/token_store.py's sealed tokens on the queue's Redis; a key expires with its token."""

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._client, self._prefix = client, prefix

    def _key(self, installation: int) -> str:
        return f"{self._prefix}token:{int(installation)}"

    async def get(self, installation: int) -> bytes | None:
        raw = await self._client.get(self._key(installation))
        return bytes(raw) if raw is not None else None

    async def put(self, installation: int, sealed: bytes, expires_at: float) -> None:
        await self._client.set(self._key(installation), sealed, pxat=int(expires_at * 1000))

    async def forget(self, installation: int) -> None:
        await self._client.delete(self._key(installation))


_KINDS = ("followup", "ignored", "handled", "blob", "etag")


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def forgetter(client: aioredis.Redis, prefix: str) -> Forget:
    """`Stores.forget` on Redis: deletes every key of those repositories, or of the account's."""
    async def forget(full_names: Iterable[str], account: str | None) -> int:
        tails = [f"{_glob_escape(name.lower())}:*" for name in full_names]
        if account is not None:
            tails.append(f"{_glob_escape(account.lower())}/*")
        removed = 0
        for kind in _KINDS:
            for tail in tails:
                keys = [k async for k in client.scan_iter(match=f"{_glob_escape(prefix)}{kind}:{tail}", count=500)]
                if keys:
                    removed += await client.delete(*keys)
        return removed

    return forget


def redis_stores(client: aioredis.Redis, prefix: str, *, cache_max_age_s: float = 7 * 86400.0,
                 blob_max_bytes: int = REDIS_BLOB_MAX_BYTES) -> Stores:
    return Stores(RedisFollowupStore(client, prefix), RedisCommandStore(client, prefix), forgetter(client, prefix),
                  redis_blob_stores(client, prefix, ttl_s=cache_max_age_s, max_bytes=blob_max_bytes),
                  windows=RedisWindows(client, prefix), etags=RedisEtags(client, prefix), tokens=RedisTokens(client, prefix))
