"""The follow-up and command stores on the queue's Redis (see bot/state.py), for several processes.

Keys (under the queue's prefix): `followup:<repo>:<number>` a JSON record; `ignored:<repo>:<number>` a
set of rule codes; `handled:<repo>:<comment id>` present once the comment was acted on (kept as long
as the queue keeps delivery ids). Repository names are lower-cased like the SQLite stores do.
"""
from __future__ import annotations

import json
from dataclasses import asdict

import redis.asyncio as aioredis

from .followup.store import FollowupRecord
from .queue import DEDUPE_RETENTION_S
from .state import Stores


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
        return {c.decode() for c in await self._client.smembers(self._ignored(repo, number))}

    async def ignore(self, repo: str, number: int, codes: set[str], by_login: str) -> None:
        if codes:
            await self._client.sadd(self._ignored(repo, number), *sorted(codes))

    async def unignore(self, repo: str, number: int, codes: set[str]) -> None:
        if codes:
            await self._client.srem(self._ignored(repo, number), *sorted(codes))

    async def is_handled(self, repo: str, comment_id: int) -> bool:
        return bool(await self._client.exists(self._handled(repo, comment_id)))

    async def mark_handled(self, repo: str, comment_id: int) -> None:
        await self._client.set(self._handled(repo, comment_id), b"1", ex=int(DEDUPE_RETENTION_S))


def redis_stores(client: aioredis.Redis, prefix: str) -> Stores:
    return Stores(RedisFollowupStore(client, prefix), RedisCommandStore(client, prefix))
