"""App JWT and installation-token cache, against the fake GitHub with a real RSA key."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import jwt
import pytest

from hybridize_bot.bot.auth import AppJWT, InstallationToken, TokenCache, make_app_jwt
from hybridize_bot.bot.github import GitHubApp
from tests.fakegithub import FakeGitHub

from .conftest import APP_ID


def test_jwt_claims_and_signature(private_pem: str, public_pem: bytes) -> None:
    now = 1_700_000_000
    token = make_app_jwt(APP_ID, private_pem, now=now)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, public_pem, algorithms=["RS256"], options={"verify_exp": False})
    assert claims == {"iat": now - 60, "exp": now + 540, "iss": APP_ID}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), public_pem,
                   algorithms=["RS256"], options={"verify_exp": False})


def test_app_jwt_is_cached_until_a_minute_before_expiry(private_pem: str) -> None:
    clock = [1_700_000_000.0]
    source = AppJWT(APP_ID, private_pem, clock=lambda: clock[0])
    first = source.get()
    clock[0] += 479  # exp is now+540; refresh margin 60 s: still reused at +479
    assert source.get() == first
    clock[0] += 2  # +481: within the last minute
    assert source.get() != first
    assert "BEGIN" not in repr(source)


def test_installation_token_parsing() -> None:
    token = InstallationToken.from_response({"token": "ghs_x", "expires_at": "2016-07-11T22:14:10Z"})
    assert token.expires_at == 1468275250.0
    assert "ghs_x" not in repr(token)
    for bad in ({}, {"token": "t"}, {"token": 1, "expires_at": "2016-07-11T22:14:10Z"}, []):
        with pytest.raises(ValueError):
            InstallationToken.from_response(bad)


@pytest.fixture
async def fake(public_pem: bytes) -> AsyncIterator[FakeGitHub]:
    fake = FakeGitHub(app_id=int(APP_ID), public_key_pem=public_pem)
    await fake.start()
    fake.add_installation(77, "octo-org")
    yield fake
    await fake.stop()
    assert fake.violations == []


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_concurrent_callers_share_one_token_request(
    fake: FakeGitHub, session: aiohttp.ClientSession, make_settings, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    app = GitHubApp(make_settings(GITHUB_API_URL=fake.base_url), session)
    fake.inject("POST", r"/access_tokens$", status=None, delay=0.2)  # a slow refresh
    tokens = await asyncio.gather(*(app.tokens.get(77) for _ in range(20)))
    assert fake.tokens_issued == 1
    assert len(set(tokens)) == 1 and tokens[0].startswith("ghs_")
    # The token works for installation requests; the JWT was accepted by the fake's verifier.
    gh = await app.client_for(77)
    data = await gh.getitem("/rate_limit")
    assert "resources" in data
    assert fake.tokens_issued == 1
    auth_headers = [r.headers.get("authorization", "") for r in fake.requests]
    assert auth_headers[0].startswith("bearer ") and auth_headers[-1] == f"token {tokens[0]}"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert tokens[0] not in logged and "BEGIN" not in logged
    assert auth_headers[0].split()[1] not in logged


async def test_token_refreshed_shortly_before_expiry(
    fake: FakeGitHub, session: aiohttp.ClientSession, make_settings
) -> None:
    app = GitHubApp(make_settings(GITHUB_API_URL=fake.base_url), session)
    offset = [0.0]
    app.tokens = TokenCache(app._fetch_installation_token, clock=lambda: time.time() + offset[0])
    first = await app.tokens.get(77)
    # Five seconds before the refresh margin: reused. (One second of slack was too little: `expires_at`
    # comes truncated to the second, and a loaded machine takes a while between the two calls.)
    offset[0] = 3600 - 65
    assert await app.tokens.get(77) == first
    assert fake.tokens_issued == 1
    offset[0] = 3600 - 59  # inside the last minute: refreshed, once, for all callers
    refreshed = await asyncio.gather(*(app.tokens.get(77) for _ in range(5)))
    assert set(refreshed) == {refreshed[0]} and refreshed[0] != first
    assert fake.tokens_issued == 2


async def test_failed_refresh_is_not_cached(
    fake: FakeGitHub, session: aiohttp.ClientSession, make_settings
) -> None:
    app = GitHubApp(make_settings(GITHUB_API_URL=fake.base_url, GITHUB_MAX_RETRIES="0"), session)
    fake.inject("POST", r"/access_tokens$", status=502, times=1)
    results = await asyncio.gather(*(app.tokens.get(77) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results)  # all waiters see the one failure
    assert len(fake.requests_to("POST", r"/access_tokens$")) == 1
    assert (await app.tokens.get(77)).startswith("ghs_")  # next call tries again


async def test_revoked_token_is_replaced_once_on_401(
    fake: FakeGitHub, session: aiohttp.ClientSession, make_settings
) -> None:
    app = GitHubApp(make_settings(GITHUB_API_URL=fake.base_url), session)
    gh = await app.client_for(77)
    await gh.getitem("/rate_limit")
    fake.expire_tokens()  # GitHub now answers 401 "Bad credentials" to the cached token
    fake.add_repo("octo-org/proj", installation_id=77)
    repo = await gh.getitem("/repos/{owner}/{repo}", url_vars={"owner": "octo-org", "repo": "proj"})
    assert repo["full_name"] == "octo-org/proj"
    assert fake.tokens_issued == 2
