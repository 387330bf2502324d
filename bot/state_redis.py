"""The follow-up and command stores on the queue's Redis (see bot/state.py), for several processes.

Keys (under the queue's prefix): `blob:<repo>:...` cached repository content (bot/pulls/blob_store.py);
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

from .followup.store import FollowupRecord
from .pulls.blob_store import REDIS_BLOB_MAX_BYTES, redis_blob_stores
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


_KINDS = ("followup", "ignored", "handled", "blob")


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
                  redis_blob_stores(client, prefix, ttl_s=cache_max_age_s, max_bytes=blob_max_bytes))
