"""GitHubClient: gidgethub's aiohttp client plus what gidgethub leaves to its users.

gidgethub gives URI templates, JSON (de)coding, Link pagination (`getiter`) and exceptions that
mirror HTTP. It does not retry, does not wait on rate limits (`RateLimitExceeded` only for a 403
with `x-ratelimit-remaining: 0`; 429 and secondary-limit 403s arrive as plain `BadRequest`), and
does not send the API version header. All of that lives in `_request`, the single method every
gidgethub call goes through, so `getitem`/`getiter`/`post`/... get it for free:

- 500/502/503/504, timeouts and connection resets: exponential backoff (with jitter), N retries.
- 403/429: `retry-after` if present, else `x-ratelimit-reset` when `x-ratelimit-remaining` is 0,
  else (secondary limit) at least a minute, doubling. A wait longer than `max_wait_s` is not slept:
  the response is handed back and gidgethub raises, so the queue retries the job later instead of a
  worker sleeping for up to an hour.
- 401 with an installation token: drop the cached token and retry once with a fresh one.
- One log line per request with method, path, status, time and the webhook delivery id.

POSTs that create something with an identity of its own (comments, reviews, check runs, pull
requests, refs: `LOOKED_UP_WRITES`) are NOT retried here after a 5xx or a lost answer: GitHub may have
carried the write out before failing, and a blind retry writes it twice. The gateway
(bot/publish/gateway.py) retries them itself, after looking the resource up by its identity. A
connection that was never made, and a rate-limit refusal, are retried as for any request: GitHub did
nothing. Other POSTs (git blobs, trees and commits, which are content-addressed; reactions and the
GraphQL endpoint, idempotent) are retried like reads.
"""

from __future__ import annotations

import asyncio
import email.utils
import http
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import gidgethub
import gidgethub.aiohttp
from gidgethub import sansio

from hybridize_bot.bot import fencing
from hybridize_bot.bot.auth import AppJWT, InstallationToken, TokenCache
from hybridize_bot.bot.etags import EtagState, SqliteEtags, StagedEtags, repository_of, token_key
from hybridize_bot.bot.metrics import BotMetrics
from hybridize_bot.bot.rate_budget import RateBudget, RateWindows, SqliteWindows
from hybridize_bot.bot.settings import Settings
from hybridize_bot.bot.token_store import SharedTokens, SqliteTokens, TokenSeal, TokenState

log = logging.getLogger(__name__)

# https://docs.github.com/en/rest/about-the-rest-api/api-versions
API_VERSION = "2022-11-28"
# https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#media-types
ACCEPT_JSON = "application/vnd.github+json"
# What gidgethub sends when the caller did not choose a media type; we replace it with ACCEPT_JSON.
_GIDGETHUB_DEFAULT_ACCEPT = sansio.accept_format()

RETRYABLE_STATUS = frozenset({500, 502, 503, 504})
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientConnectionError,  # refused, reset, server disconnected
    aiohttp.ClientPayloadError,  # body cut short
    asyncio.TimeoutError,
)
# POSTs whose retry after a 5xx could write a second resource: the gateway looks them up, then retries.
LOOKED_UP_WRITES = re.compile(
    r"/repos/[^/]+/[^/]+/(issues/\d+/comments|pulls/\d+/reviews|pulls/\d+/comments|check-runs|pulls|git/refs)$")
# Body text of a secondary-rate-limit 403 (older responses said "abuse detection").
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits
_SECONDARY_MARKERS = (b"secondary rate limit", b"abuse detection")

Authorization = Callable[[], Awaitable[str]]  # returns the value of the Authorization header
# Told (method, status, headers) of every answer; may be a coroutine function (the shared rate budget).
OnAnswer = Callable[[str, int, Mapping[str, str]], "Awaitable[None] | None"]


@dataclass(frozen=True)
class EtagBinding:
    """Where a client's conditional-request entries live: the shared store, for one installation."""
    state: EtagState
    installation: int


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    base_delay_s: float = 1.0
    max_backoff_s: float = 60.0
    max_wait_s: float = 120.0
    secondary_wait_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_retries=settings.github_max_retries,
            base_delay_s=settings.github_retry_base_delay_s,
            max_wait_s=settings.github_max_retry_wait_s,
            secondary_wait_s=settings.github_secondary_wait_s,
        )

    def backoff(self, attempt: int) -> float:
        """Delay after failed attempt `attempt` (1-based): base * 2^(attempt-1), jittered 50-100%."""
        delay = min(self.max_backoff_s, self.base_delay_s * 2 ** (attempt - 1))
        return delay * random.uniform(0.5, 1.0)

    def wait_for(
        self, status: int, headers: Mapping[str, str], body: bytes, attempt: int, now: float
    ) -> float | None:
        """Seconds to wait before retrying this response, or None if it must not be retried.

        https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
        """
        if status in RETRYABLE_STATUS:
            return self.backoff(attempt)
        if status not in (403, 429):
            return None
        retry_after = _parse_retry_after(headers.get("retry-after"), now)
        if retry_after is not None:
            return retry_after
        if headers.get("x-ratelimit-remaining") == "0":
            try:
                # +1 s: the reset second itself may still be limited on GitHub's clock.
                return max(0.0, float(headers["x-ratelimit-reset"]) - now) + 1.0
            except (KeyError, ValueError):
                pass
        lowered = body[:2000].lower()
        if status == 429 or any(marker in lowered for marker in _SECONDARY_MARKERS):
            return self.secondary_wait_s * 2 ** (attempt - 1)
        return None  # an ordinary 403: missing permission, not a rate limit


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """`retry-after` is delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class RawAccess:
    session: aiohttp.ClientSession
    api_url: str
    authorization: str | None
    observe: Callable[[str, int, Mapping[str, str]], Awaitable[None]]


class GitHubClient(gidgethub.aiohttp.GitHubAPI):
    """A gidgethub client with retries, rate-limit waits, API version header and auth provider."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        requester: str,
        *,
        base_url: str = sansio.DOMAIN,
        authorization: Authorization | None = None,
        on_unauthorized: Callable[[], None] | None = None,
        retry: RetryPolicy = RetryPolicy(),
        timeout_s: float = 30.0,
        delivery_id: str | None = None,
        on_answer: OnAnswer | None = None,
        etags: EtagBinding | None = None,
    ) -> None:
        self._etags = etags
        super().__init__(session, requester, base_url=base_url, cache=StagedEtags() if etags is not None else None)
        self._on_answer = on_answer  # (method, status, headers) of every answer: metrics, rate budget
        self._authorization = authorization
        self._on_unauthorized = on_unauthorized
        self.retry = retry
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.delivery_id = delivery_id

    async def get_bytes(
        self,
        url: str,
        url_vars: Mapping[str, Any] | None = None,
        *,
        accept: str = "application/vnd.github.raw",
    ) -> bytes:
        """GET a raw body (file contents, tarball); redirects (e.g. to codeload) are followed.

        https://docs.github.com/en/rest/repos/contents#get-repository-content (custom media types)
        """
        filled = sansio.format_url(url, url_vars or {}, base_url=self.base_url)
        headers = sansio.create_headers(self.requester, accept=accept)
        status, response_headers, body = await self._request("GET", filled, headers)
        if 200 <= status < 300:
            return body
        try:
            sansio.decipher_response(status, response_headers, body)
        except gidgethub.HTTPException:
            raise
        except (ValueError, UnicodeDecodeError):  # an error body that is not JSON
            pass
        raise gidgethub.HTTPException(http.HTTPStatus(status), headers=response_headers)

    async def raw_access(self) -> RawAccess:
        """What a download outside gidgethub needs (the tarball, bot/pulls/archive.py): the session,
        the API address, this client's Authorization value, and the answer observer (metrics)."""
        authorization = await self._authorization() if self._authorization is not None else None

        return RawAccess(self._session, self.base_url, authorization, self._answered)

    async def _make_request(self, method: str, url: str, url_vars: Any, data: Any, accept: str,
                            jwt: str | None = None, oauth_token: str | None = None, **kwargs: Any) -> Any:
        """gidgethub's request, with a GET worth revalidating (bot/etags.py) given its stored ETag
        before and its new one stored after."""
        cache = self._cache
        if (self._etags is None or not isinstance(cache, StagedEtags) or method != "GET" or data != b""
                or jwt is not None or oauth_token is not None or self._authorization is None):
            return await super()._make_request(method, url, url_vars, data, accept, jwt, oauth_token, **kwargs)
        filled = sansio.format_url(url, url_vars, base_url=self.base_url)
        if repository_of(filled) is None:
            return await super()._make_request(method, url, url_vars, data, accept, jwt, oauth_token, **kwargs)
        state, installation = self._etags.state, self._etags.installation
        token = token_key(await self._authorization())
        cache.stage(filled, await state.get(installation, token, filled))
        try:
            answer = await super()._make_request(method, url, url_vars, data, accept, jwt, oauth_token, **kwargs)
        finally:
            written = cache.unstage(filled)
        if written is not None:
            # Keyed by the token current now: after a 401 the request went out with a fresh one.
            await state.put(installation, token_key(await self._authorization()), filled, written)
        return answer

    async def _answered(self, method: str, status: int, headers: Mapping[str, str]) -> None:
        if self._on_answer is not None:
            result = self._on_answer(method, status, headers)
            if result is not None:
                await result

    async def graphql(self, query: str, *, endpoint: str | None = None, **variables: Any) -> Any:
        """gidgethub's graphql, but aimed at this client's API host rather than api.github.com."""
        endpoint = endpoint or f"{self.base_url.rstrip('/')}/graphql"
        return await super().graphql(query, endpoint=endpoint, **variables)

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        request_headers = dict(headers)
        if request_headers.get("accept") == _GIDGETHUB_DEFAULT_ACCEPT:
            request_headers["accept"] = ACCEPT_JSON
        request_headers.setdefault("x-github-api-version", API_VERSION)
        # A jwt=/oauth_token= passed by the caller wins over the client's own credentials.
        use_own_auth = "authorization" not in request_headers and self._authorization is not None
        reauthorized = False
        # A write that might have been carried out is handed back at its first failure (see above).
        retry_failures = not (method == "POST" and LOOKED_UP_WRITES.search(urlsplit(url).path))
        attempt = 0
        while True:
            attempt += 1
            if use_own_auth:
                assert self._authorization is not None
                request_headers["authorization"] = await self._authorization()
            if method != "GET":
                # Fenced: not sent once this job's per-PR lease ran out (bot/fencing.py).
                await fencing.before_write()
            started = time.monotonic()
            try:
                status, response_headers, response_body = await self._send(
                    method, url, request_headers, body
                )
            except TRANSIENT_ERRORS as exc:
                never_sent = isinstance(exc, aiohttp.ClientConnectorError)
                if attempt > self.retry.max_retries or not (retry_failures or never_sent):
                    self._log(method, url, f"failed: {exc!r}", started, logging.ERROR)
                    raise
                delay = self.retry.backoff(attempt)
                self._log(method, url, f"{exc!r}; retry in {delay:.2f} s", started, logging.WARNING)
                await self.sleep(delay)
                continue
            self._log(method, url, str(status), started, logging.INFO)
            await self._answered(method, status, response_headers)
            if status == 401 and use_own_auth and not reauthorized and self._on_unauthorized:
                # The installation may have been re-installed or the token revoked early.
                self._on_unauthorized()
                reauthorized = True
                continue
            wait = self.retry.wait_for(status, response_headers, response_body, attempt, time.time())
            if status in RETRYABLE_STATUS and not retry_failures:
                wait = None
            if wait is None or attempt > self.retry.max_retries:
                return status, response_headers, response_body
            if wait > self.retry.max_wait_s:
                log.warning(
                    "%s %s: GitHub asks to wait %.0f s, more than the %.0f s allowed; giving up"
                    " (delivery %s)",
                    method, _path(url), wait, self.retry.max_wait_s, self.delivery_id,
                )
                return status, response_headers, response_body
            log.warning(
                "%s %s -> %s; retry %d/%d in %.2f s (delivery %s)",
                method, _path(url), status, attempt, self.retry.max_retries, wait, self.delivery_id,
            )
            await self.sleep(wait)

    async def _send(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, Mapping[str, str], bytes]:
        async with self._session.request(
            method, url, headers=headers, data=body, timeout=self._timeout
        ) as response:
            return response.status, response.headers, await response.read()

    def _log(self, method: str, url: str, outcome: str, started: float, level: int) -> None:
        elapsed_ms = (time.monotonic() - started) * 1000
        log.log(
            level, "%s %s -> %s (%.0f ms, delivery %s)",
            method, _path(url), outcome, elapsed_ms, self.delivery_id,
        )


def _path(url: str) -> str:
    """Path and query only: keeps logs short and free of hosts (and of anything in userinfo)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class GitHubApp:
    """Mints clients: one authenticated as the App (JWT), one per installation (cached token)."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession, metrics: BotMetrics | None = None, *,
                 windows: RateWindows | None = None, etags: EtagState | None = None,
                 tokens: TokenState | None = None) -> None:
        """`windows`, `etags` and `tokens`: the shared stores beside the queue (bot/state.py `Stores`);
        None: the embedded default, SQLite in BOT_DATA_DIR."""
        self._settings = settings
        self._session = session
        self._metrics = metrics
        self._jwt = AppJWT(settings.app_id, settings.private_key)
        self.tokens = TokenCache(self._fetch_installation_token, shared=SharedTokens(
            tokens if tokens is not None else SqliteTokens(settings.data_dir), TokenSeal(settings.private_key)))
        # Conditional requests, per installation and token (bot/etags.py).
        self.etags = etags if etags is not None else SqliteEtags(settings.data_dir)
        # What each installation has left (bot/rate_budget.py).
        self.budget = RateBudget(windows if windows is not None else SqliteWindows(settings.data_dir),
                                 settings.github_rate_reserve)

    def app_client(self, delivery_id: str | None = None) -> GitHubClient:
        """A client for the /app endpoints, authenticated with the App's JWT."""

        async def bearer() -> str:
            return f"bearer {self._jwt.get()}"

        return self._client(bearer, None, delivery_id, "app")

    async def client_for(self, installation_id: int, delivery_id: str | None = None) -> GitHubClient:
        """A client acting as the installation. The token is fetched on the first request."""

        async def token() -> str:
            return f"token {await self.tokens.get(installation_id)}"

        return self._client(token, lambda: self.tokens.invalidate(installation_id), delivery_id, str(installation_id),
                            EtagBinding(self.etags, installation_id))

    def _client(
        self,
        authorization: Authorization,
        on_unauthorized: Callable[[], None] | None,
        delivery_id: str | None,
        installation: str,
        etags: EtagBinding | None = None,
    ) -> GitHubClient:
        metrics, budget = self._metrics, self.budget

        async def on_answer(method: str, status: int, headers: Mapping[str, str]) -> None:
            if metrics is not None:
                metrics.github_answered(method, status, headers, installation)
            await budget.observe(installation, headers)

        return GitHubClient(
            self._session,
            self._settings.bot_name,
            base_url=self._settings.github_api_url,
            authorization=authorization,
            on_unauthorized=on_unauthorized,
            retry=RetryPolicy.from_settings(self._settings),
            timeout_s=self._settings.github_timeout_s,
            delivery_id=delivery_id,
            on_answer=on_answer,
            etags=etags,
        )

    async def _fetch_installation_token(self, installation_id: int) -> InstallationToken:
        # https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app
        data = await self.app_client().post(
            "/app/installations/{installation_id}/access_tokens",
            url_vars={"installation_id": str(installation_id)},
            data=b"",
        )
        return InstallationToken.from_response(data)
