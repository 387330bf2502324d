"""The real bot (bot.server.build_app on a real loopback port) against the fake GitHub.

A real RSA key is generated per session, webhooks are signed with real HMAC, installation tokens are
minted by the fake from real RS256 JWTs. Payloads start from the vendored octokit examples (tests/github) and are
rewritten to point at the fake's repository, pull request and commits.
"""
from __future__ import annotations

import asyncio
import copy
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hybridize_bot.bot.server import build_app
from hybridize_bot.bot.settings import Settings
from hybridize_bot.bot.webhook import QUEUE_KEY, signature_for
from tests.fakegithub import FakeGitHub
from tests.github import example

SECRET = "e2e webhook secret"
APP_ID = 31337

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PRIVATE_PEM = _KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
PUBLIC_PEM = _KEY.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass
class Sent:
    status: int
    body: dict[str, Any]
    delivery: str


class Bot:
    """The running app plus helpers to drive it and to look at what landed in the fake."""

    def __init__(self, fake: FakeGitHub, settings: Settings, runner: web.AppRunner, url: str,
                 session: aiohttp.ClientSession) -> None:
        self.fake, self.settings, self.runner, self.url, self.session = fake, settings, runner, url, session

    @property
    def queue(self) -> Any:
        return self.runner.app[QUEUE_KEY]

    async def send(self, event: str, payload: dict[str, Any], *, delivery: str | None = None,
                   signed: bool = True) -> Sent:
        body = json.dumps(payload).encode()
        delivery = delivery or str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "User-Agent": "GitHub-Hookshot/e2e",
                   "X-GitHub-Event": event, "X-GitHub-Delivery": delivery}
        if signed:
            headers["X-Hub-Signature-256"] = signature_for(SECRET, body)
        async with self.session.post(f"{self.url}/webhook", data=body, headers=headers) as resp:
            return Sent(resp.status, await resp.json(content_type=None), delivery)

    async def wait_done(self, delivery: str, timeout: float = 60.0) -> dict[str, Any]:
        """Wait until the worker finished the delivery's job (done or failed)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            row = await self.queue.get(delivery)
            if row is not None and row["state"] in ("done", "failed"):
                return row
            if loop.time() > deadline:
                raise AssertionError(f"job {delivery} not finished after {timeout} s: {row}")
            await asyncio.sleep(0.05)

    async def deliver(self, event: str, payload: dict[str, Any], **kw: Any) -> dict[str, Any]:
        sent = await self.send(event, payload, **kw)
        assert sent.status == 202 and sent.body["status"] == "queued", sent
        row = await self.wait_done(sent.delivery)
        assert row["state"] == "done", row
        return row

    # ------------------------------------------------------------------ payloads
    def _common(self, payload: dict[str, Any], repo: Any) -> dict[str, Any]:
        payload["repository"].update({"id": repo.id, "name": repo.name, "full_name": repo.full_name,
                                      "default_branch": repo.default_branch})
        payload["repository"]["owner"].update({"login": repo.owner.login, "id": repo.owner.id})
        payload["installation"] = {"id": repo.installation_id, "node_id": "MDIzOkluc3RhbGxhdGlvbg=="}
        return payload

    def pull_request_event(self, pr: Any, action: str, *, before: str | None = None) -> dict[str, Any]:
        name = {"opened": "opened.0.json", "synchronize": "synchronize.22.json", "reopened": "reopened.18.json",
                "ready_for_review": "ready_for_review.15.json"}[action]
        payload = self._common(copy.deepcopy(example("pull_request", name)), pr.repo)
        payload["action"] = action
        payload["number"] = pr.number
        p = payload["pull_request"]
        p.update({"number": pr.number, "draft": pr.draft, "state": "open"})
        p["user"].update({"login": pr.issue.user.login, "type": pr.issue.user.type})
        p["head"].update({"sha": pr.head_sha, "ref": pr.head_ref})
        p["base"].update({"sha": pr.base_sha, "ref": pr.base_ref})
        if action == "synchronize":
            payload["before"], payload["after"] = before or pr.base_sha, pr.head_sha
        return payload

    def check_suite_event(self, pr: Any, action: str) -> dict[str, Any]:
        name = {"requested": "requested.4.json", "rerequested": "rerequested.7.json"}[action]
        payload = self._common(copy.deepcopy(example("check_suite", name)), pr.repo)
        payload["action"] = action
        suite = payload["check_suite"]
        suite["head_sha"] = pr.head_sha
        suite["pull_requests"] = [{"number": pr.number, "id": pr.id, "url": "",
                                   "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": {}},
                                   "base": {"ref": pr.base_ref, "sha": pr.base_sha, "repo": {}}}]
        return payload

    def check_run_event(self, pr: Any, run_id: int, name: str = "hybridize") -> dict[str, Any]:
        payload = self._common(copy.deepcopy(example("check_run", "rerequested.7.json")), pr.repo)
        run = payload["check_run"]
        run.update({"id": run_id, "name": name, "head_sha": pr.head_sha,
                    "pull_requests": [{"number": pr.number, "id": pr.id, "url": "",
                                       "head": {"ref": pr.head_ref, "sha": pr.head_sha, "repo": {}},
                                       "base": {"ref": pr.base_ref, "sha": pr.base_sha, "repo": {}}}]})
        return payload

    # ------------------------------------------------------------------ what landed
    def check_runs(self, head_sha: str | None = None) -> list[Any]:
        return [r for r in self.fake.check_runs.values() if head_sha is None or r.head_sha == head_sha]

    def review_comments(self, pr: Any) -> list[Any]:
        return [c for c in self.fake.review_comments.values() if c.pull_number == pr.number and c.repo is pr.repo]

    def issue_comments(self, pr: Any) -> list[Any]:
        return [c for c in self.fake.issue_comments.values() if c.issue_number == pr.number and c.repo is pr.repo]


async def start_bot(tmp_path: Path, *, router: Any = None, **env: str) -> tuple[FakeGitHub, Bot]:
    """Fake GitHub + the real app; `router` None = every feature (bot.routing), as deployed."""
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    base_url = await fake.start()
    settings = Settings.from_env({
        "GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": PRIVATE_PEM, "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_API_URL": base_url, "BOT_DATA_DIR": str(tmp_path / "data"), "WORKERS": "1",
        "GITHUB_RETRY_BASE_DELAY": "0.01", "GITHUB_MAX_RETRY_WAIT": "2", "GITHUB_SECONDARY_RATE_WAIT": "0.05",
        "BOT_JOB_RETRY_BASE_DELAY": "0.05", "BOT_JOB_MAX_ATTEMPTS": "2", "ANALYSIS_TIMEOUT": "60", **env,
    })
    app = build_app(settings, router=router, poll_interval_s=0.05, shutdown_grace_s=2.0)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    session = aiohttp.ClientSession()
    return fake, Bot(fake, settings, runner, f"http://127.0.0.1:{port}", session)


async def stop_bot(fake: FakeGitHub, bot: Bot) -> None:
    await bot.session.close()
    await bot.runner.cleanup()
    await fake.stop()
