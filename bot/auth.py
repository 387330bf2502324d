"""GitHub App authentication: the App's RS256 JWT and a per-installation access-token cache.

Why not gidgethub.apps: it mints a new JWT and a new installation token for every call. Tokens live
one hour, so we cache them per installation and refresh shortly before expiry, with one refresh in
flight per installation (the snekomatic pattern). Keys and tokens are never logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import jwt

log = logging.getLogger(__name__)

# GitHub: set `iat` 60 seconds in the past to allow for clock drift, and `exp` no more than
# 10 minutes into the future.
# https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
JWT_BACKDATE_S = 60
JWT_LIFETIME_S = 540  # exp = now + 540 s, i.e. 10 minutes after the back-dated iat.
# Refresh an installation token (or our JWT) this long before it expires, so a request signed with
# it cannot reach GitHub after expiry even with some clock drift.
REFRESH_MARGIN_S = 60.0

Clock = Callable[[], float]


def make_app_jwt(app_id: str, private_key: str, *, now: float | None = None) -> str:
    """Return an RS256 JWT that authenticates as the App itself (for the /app endpoints)."""
    issued = int(time.time() if now is None else now)
    claims = {"iat": issued - JWT_BACKDATE_S, "exp": issued + JWT_LIFETIME_S, "iss": app_id}
    return jwt.encode(claims, private_key, algorithm="RS256")


class AppJWT:
    """Caches the App JWT until REFRESH_MARGIN_S before its expiry (signing costs ~1 ms of CPU)."""

    def __init__(self, app_id: str, private_key: str, *, clock: Clock = time.time) -> None:
        self._app_id = app_id
        self._private_key = private_key
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0

    def __repr__(self) -> str:  # never show the key
        return f"AppJWT(app_id={self._app_id!r})"

    def get(self) -> str:
        now = self._clock()
        if self._token is None or now >= self._expires_at - REFRESH_MARGIN_S:
            self._token = make_app_jwt(self._app_id, self._private_key, now=now)
            self._expires_at = int(now) + JWT_LIFETIME_S
        return self._token


@dataclass(frozen=True)
class InstallationToken:
    token: str = field(repr=False)
    expires_at: float  # seconds since the epoch

    @classmethod
    def from_response(cls, data: object) -> InstallationToken:
        """Parse the body of POST /app/installations/{id}/access_tokens.

        https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app
        """
        if not isinstance(data, dict) or not isinstance(data.get("token"), str):
            raise ValueError("installation token response has no 'token'")
        expires = data.get("expires_at")
        if not isinstance(expires, str):
            raise ValueError("installation token response has no 'expires_at'")
        # GitHub writes "2016-07-11T22:14:10Z"; fromisoformat accepts the Z suffix since 3.11.
        return cls(token=data["token"], expires_at=datetime.fromisoformat(expires).timestamp())


TokenFetcher = Callable[[int], Awaitable[InstallationToken]]


class SharedTokenStore(Protocol):
    """Where the App's processes share their tokens (bot/token_store.py `SharedTokens`)."""

    async def load(self, installation_id: int) -> InstallationToken | None: ...

    async def save(self, installation_id: int, token: InstallationToken) -> None: ...


class TokenCache:
    """Installation access tokens, reused until REFRESH_MARGIN_S before `expires_at`.

    Concurrent callers for one installation share a single refresh (single flight): the first one
    starts it, the others await the same task. A failed refresh is not cached; the next call
    retries.
    """

    def __init__(
        self, fetch: TokenFetcher, *, margin_s: float = REFRESH_MARGIN_S, clock: Clock = time.time,
        shared: SharedTokenStore | None = None,
    ) -> None:
        self._fetch = fetch
        self._margin_s = margin_s
        self._clock = clock
        self._shared = shared  # tokens other processes minted (bot/token_store.py)
        self._tokens: dict[int, InstallationToken] = {}
        self._rejected: dict[int, str] = {}  # the last token GitHub refused, per installation
        self._refreshing: dict[int, asyncio.Task[InstallationToken]] = {}

    async def get(self, installation_id: int) -> str:
        cached = self._tokens.get(installation_id)
        if cached is not None and self._clock() < cached.expires_at - self._margin_s:
            return cached.token
        task = self._refreshing.get(installation_id)
        if task is None:
            task = asyncio.create_task(self._refresh(installation_id))
            self._refreshing[installation_id] = task
        # shield: one caller being cancelled must not cancel the refresh the others wait for.
        return (await asyncio.shield(task)).token

    def invalidate(self, installation_id: int) -> None:
        """Forget a token GitHub rejected (401), so the next call fetches a fresh one (not the same
        one again from the shared store)."""
        rejected = self._tokens.pop(installation_id, None)
        if rejected is not None:
            self._rejected[installation_id] = rejected.token

    async def _refresh(self, installation_id: int) -> InstallationToken:
        try:
            if self._shared is not None:
                shared = await self._shared.load(installation_id)
                if (shared is not None and shared.token != self._rejected.get(installation_id)
                        and self._clock() < shared.expires_at - self._margin_s):
                    self._tokens[installation_id] = shared
                    return shared
            token = await self._fetch(installation_id)
            self._tokens[installation_id] = token
            if self._shared is not None:
                await self._shared.save(installation_id, token)
            log.info(
                "installation %s: new access token, expires in %.0f s",
                installation_id,
                token.expires_at - self._clock(),
            )
            return token
        finally:
            self._refreshing.pop(installation_id, None)
