"""GitHubClient retries, rate-limit waits, headers and get_bytes, against the fake GitHub."""

from __future__ import annotations

import io
import logging
import tarfile
import time
from collections.abc import AsyncIterator

import aiohttp
import gidgethub
import pytest

from hybridize_bot.bot.github import API_VERSION, GitHubApp, GitHubClient, RetryPolicy
from tests.fakegithub import FakeGitHub

from .conftest import APP_ID

INSTALLATION = 77
REPO = {"owner": "octo-org", "repo": "proj"}
REPO_URL = "/repos/{owner}/{repo}"


@pytest.fixture
async def fake(public_pem: bytes) -> AsyncIterator[FakeGitHub]:
    fake = FakeGitHub(app_id=int(APP_ID), public_key_pem=public_pem)
    await fake.start()
    fake.add_installation(INSTALLATION, "octo-org")
    repo = fake.add_repo("octo-org/proj", installation_id=INSTALLATION)
    fake.commit(repo, {"src/model.py": b"import tensorflow as tf\n", "README.md": b"hi\n"})
    yield fake
    await fake.stop()
    assert fake.violations == []


@pytest.fixture
async def app(fake: FakeGitHub, make_settings) -> AsyncIterator[GitHubApp]:
    async with aiohttp.ClientSession() as session:
        yield GitHubApp(make_settings(GITHUB_API_URL=fake.base_url, GITHUB_TIMEOUT="0.5"), session)


class Sleeps:
    """Records the delays the client asks for, without waiting (the client's time source)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def client(app: GitHubApp) -> tuple[GitHubClient, Sleeps]:
    gh = await app.client_for(INSTALLATION, delivery_id="delivery-xyz")
    await app.tokens.get(INSTALLATION)  # fetch the token now so request counts below are exact
    sleeps = Sleeps()
    gh.sleep = sleeps  # type: ignore[method-assign]
    return gh, sleeps


def repo_gets(fake: FakeGitHub) -> int:
    return len(fake.requests_to("GET", r"^/repos/octo-org/proj$"))


async def test_headers_sent(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, _ = await client(app)
    await gh.getitem(REPO_URL, url_vars=REPO)
    request = fake.requests_to("GET", r"^/repos/octo-org/proj$")[0]
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == API_VERSION
    assert request.headers["user-agent"] == "hybridize-bot"
    assert request.headers["authorization"].startswith("token ghs_")


async def test_502_then_success(app: GitHubApp, fake: FakeGitHub, caplog) -> None:
    gh, sleeps = await client(app)
    fake.inject("GET", r"^/repos/octo-org/proj$", status=502, times=2)
    repo = await gh.getitem(REPO_URL, url_vars=REPO)
    assert repo["full_name"] == "octo-org/proj"
    assert repo_gets(fake) == 3
    assert len(sleeps.delays) == 2 and sleeps.delays[0] <= 0.01 and sleeps.delays[1] <= 0.02
    assert "delivery-xyz" in caplog.text


async def test_persistent_5xx_gives_up_with_github_broken(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, sleeps = await client(app)
    fake.inject("GET", r"^/repos/octo-org/proj$", status=503, times=100)
    with pytest.raises(gidgethub.GitHubBroken):
        await gh.getitem(REPO_URL, url_vars=REPO)
    assert repo_gets(fake) == 1 + 5  # GITHUB_MAX_RETRIES defaults to 5
    assert len(sleeps.delays) == 5


async def test_429_honours_retry_after(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, sleeps = await client(app)
    fake.inject("GET", r"^/repos/octo-org/proj$", status=429, headers={"retry-after": "3"})
    assert (await gh.getitem(REPO_URL, url_vars=REPO))["name"] == "proj"
    assert sleeps.delays == [3.0]


async def test_403_secondary_limit_without_headers_waits_and_doubles(
    app: GitHubApp, fake: FakeGitHub
) -> None:
    gh, sleeps = await client(app)
    body = {
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
    }
    fake.inject("POST", r"/issues/\d+/comments$", status=403, times=2, body=body)
    issue = fake.open_issue(fake.repos["octo-org/proj"])
    comment = await gh.post(
        REPO_URL + "/issues/{number}/comments",
        url_vars={**REPO, "number": issue.number},
        data={"body": "hello"},
    )
    assert comment["body"] == "hello"
    assert sleeps.delays == [0.05, 0.1]  # GITHUB_SECONDARY_RATE_WAIT=0.05, doubled


async def test_403_primary_limit_waits_until_reset(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, sleeps = await client(app)
    reset = int(time.time()) + 3
    fake.inject(
        "GET", r"^/repos/octo-org/proj$", status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        body={"message": "API rate limit exceeded for installation ID 77."},
    )
    await gh.getitem(REPO_URL, url_vars=REPO)
    assert len(sleeps.delays) == 1 and 2.0 <= sleeps.delays[0] <= 4.0


async def test_rate_limit_wait_longer_than_allowed_is_not_slept(
    app: GitHubApp, fake: FakeGitHub
) -> None:
    gh, sleeps = await client(app)
    reset = int(time.time()) + 3600  # GITHUB_MAX_RETRY_WAIT is 5 s in these tests
    fake.inject(
        "GET", r"^/repos/octo-org/proj$", status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        body={"message": "API rate limit exceeded"},
    )
    with pytest.raises(gidgethub.RateLimitExceeded):
        await gh.getitem(REPO_URL, url_vars=REPO)
    assert sleeps.delays == [] and repo_gets(fake) == 1


async def test_plain_403_is_not_retried(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, sleeps = await client(app)
    fake.inject(
        "GET", r"^/repos/octo-org/proj$", status=403,
        body={"message": "Resource not accessible by integration"},
    )
    with pytest.raises(gidgethub.BadRequest) as info:
        await gh.getitem(REPO_URL, url_vars=REPO)
    assert info.value.status_code == 403 and sleeps.delays == [] and repo_gets(fake) == 1


async def test_connection_reset_is_retried(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, sleeps = await client(app)
    fake.inject("GET", r"^/repos/octo-org/proj$", reset_connection=True, times=2)
    assert (await gh.getitem(REPO_URL, url_vars=REPO))["name"] == "proj"
    assert repo_gets(fake) == 3
    # aiohttp itself retries an idempotent request once when a kept-alive connection drops, so
    # our backoff ran at least once (for the reset aiohttp did not absorb).
    assert 1 <= len(sleeps.delays) <= 2


async def test_a_comment_post_whose_answer_was_lost_is_handed_back_not_retried(app: GitHubApp, fake: FakeGitHub) -> None:
    # GitHub may have created the comment before the connection went: the gateway looks it up first
    # (bot/publish/gateway.py, tests/bot/test_gateway.py); a blind retry here would post it twice.
    gh, sleeps = await client(app)
    issue = fake.open_issue(fake.repos["octo-org/proj"])
    fake.inject("POST", r"/issues/\d+/comments$", reset_connection=True, times=1)
    with pytest.raises(aiohttp.ClientError):
        await gh.post(REPO_URL + "/issues/{number}/comments",
                      url_vars={**REPO, "number": issue.number}, data={"body": "once"})
    assert len(fake.requests_to("POST", r"/issues/\d+/comments$")) == 1
    assert sleeps.delays == []


async def test_a_content_addressed_post_is_retried_after_a_reset(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, sleeps = await client(app)
    fake.inject("POST", r"/git/blobs$", reset_connection=True, times=1)
    blob = await gh.post(REPO_URL + "/git/blobs", url_vars=REPO, data={"content": "eA==", "encoding": "base64"})
    assert blob["sha"] == "c1b0730e0133447badcfd47fd144e254807b06e1"  # git hash-object of "x"
    assert len(fake.requests_to("POST", r"/git/blobs$")) == 2
    assert len(sleeps.delays) == 1


async def test_timeout_is_retried(app: GitHubApp, fake: FakeGitHub, caplog: pytest.LogCaptureFixture) -> None:
    gh, sleeps = await client(app)
    fake.inject("GET", r"^/repos/octo-org/proj$", status=None, delay=30.0)  # GITHUB_TIMEOUT=0.5
    with caplog.at_level(logging.WARNING, logger="hybridize_bot.bot.github"):
        assert (await gh.getitem(REPO_URL, url_vars=REPO))["name"] == "proj"
    # The first answer would take 30 s: the client gave up on it (a timeout, logged) and retried once.
    assert repo_gets(fake) == 2 and len(sleeps.delays) == 1
    assert any("TimeoutError" in r.getMessage() for r in caplog.records), [r.getMessage() for r in caplog.records]


async def test_get_bytes_returns_raw_contents_and_tarball(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, _ = await client(app)
    raw = await gh.get_bytes(
        REPO_URL + "/contents/{+path}{?ref}", url_vars={**REPO, "path": "src/model.py", "ref": "main"}
    )
    assert raw == b"import tensorflow as tf\n"
    tar_bytes = await gh.get_bytes(
        REPO_URL + "/tarball/{ref}", url_vars={**REPO, "ref": "main"}, accept="application/vnd.github+json"
    )
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        assert any(name.endswith("/src/model.py") for name in tar.getnames())
    with pytest.raises(gidgethub.BadRequest) as info:
        await gh.get_bytes(REPO_URL + "/contents/{+path}", url_vars={**REPO, "path": "missing.py"})
    assert info.value.status_code == 404


async def test_pagination_through_getiter(app: GitHubApp, fake: FakeGitHub) -> None:
    gh, _ = await client(app)
    repo = fake.repos["octo-org/proj"]
    issue = fake.open_issue(repo)
    for n in range(5):
        await gh.post(REPO_URL + "/issues/{number}/comments",
                      url_vars={**REPO, "number": issue.number}, data={"body": f"c{n}"})
    bodies = [c["body"] async for c in gh.getiter(
        REPO_URL + "/issues/{number}/comments{?per_page}",
        url_vars={**REPO, "number": issue.number, "per_page": 2},
    )]
    assert bodies == [f"c{n}" for n in range(5)]


def test_retry_policy_parses_http_date_retry_after() -> None:
    policy = RetryPolicy()
    now = 1_700_000_000.0
    date = "Tue, 14 Nov 2023 22:13:40 GMT"  # now + 20 s
    assert policy.wait_for(429, {"retry-after": date}, b"", 1, now) == pytest.approx(20.0)
    assert policy.wait_for(404, {}, b"", 1, now) is None
    assert policy.wait_for(422, {"retry-after": "5"}, b"", 1, now) is None


async def test_rate_limit_refused_by_client_tells_queue_when_to_retry(
    app: GitHubApp, fake: FakeGitHub
) -> None:
    from hybridize_bot.bot.worker import retry_not_before

    gh, _ = await client(app)
    reset = int(time.time()) + 3600
    fake.inject(
        "GET", r"^/repos/octo-org/proj$", status=403,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)},
        body={"message": "API rate limit exceeded"},
    )
    fake.inject("GET", r"^/repos/octo-org/proj$", status=429, headers={"retry-after": "600"})
    gh.retry = RetryPolicy(max_retries=0)
    now = time.time()
    with pytest.raises(gidgethub.RateLimitExceeded) as primary:
        await gh.getitem(REPO_URL, url_vars=REPO)
    assert retry_not_before(primary.value, now) == reset
    with pytest.raises(gidgethub.BadRequest) as secondary:
        await gh.getitem(REPO_URL, url_vars=REPO)
    assert retry_not_before(secondary.value, now) == pytest.approx(now + 600)
    assert retry_not_before(RuntimeError("bug"), now) is None
