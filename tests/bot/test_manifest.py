"""app.yml: a manifest GitHub accepts, subscribed to every routed event, asking for exactly the
permissions the code's GitHub calls need; and the one-click registration flow end to end."""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import stat
import sys
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
import yaml

from hybridize_bot.analysis.rules.base import DEFAULT_PROJECT_URL
from hybridize_bot.bot import appmanifest, routing
from hybridize_bot.bot.settings import SettingsError
from tests.fakegithub import FakeGitHub
from tests.fakegithub.manifests import MANIFEST_KEYS
from tests.fakegithub.openapi import load_spec
from tests.fakegithub.permissions import required
from tests.github import example
from tests.redis_server import free_port

from .conftest import signed_headers

REPO = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((REPO / "app.yml").read_text())
_LEVELS = {"read": 1, "write": 2}
_VERBS = {"getitem": "GET", "getiter": "GET", "getstatus": "GET", "post": "POST", "patch": "PATCH",
          "put": "PUT", "delete": "DELETE"}


# Delivered to every GitHub App without (and not open to) a subscription.
# https://docs.github.com/en/webhooks/webhook-events-and-payloads#installation
ALWAYS_DELIVERED = {"installation", "installation_repositories"}


def test_every_routed_event_is_subscribed() -> None:
    routed = set(routing.router._shallow_routes) | set(routing.router._deep_routes)
    subscribed = set(MANIFEST["default_events"])
    assert routed - ALWAYS_DELIVERED <= subscribed, routed - ALWAYS_DELIVERED - subscribed
    assert not subscribed & ALWAYS_DELIVERED


def test_manifest_has_only_keys_github_accepts_and_the_ones_the_flow_needs() -> None:
    assert set(MANIFEST) <= MANIFEST_KEYS, set(MANIFEST) - MANIFEST_KEYS
    assert MANIFEST["url"] == DEFAULT_PROJECT_URL
    # The setup page moves these to the server's public URL, keeping the paths the server serves.
    assert urlsplit(MANIFEST["hook_attributes"]["url"]).path == "/webhook"
    assert MANIFEST["hook_attributes"]["active"] is True
    assert urlsplit(MANIFEST["redirect_url"]).path == "/setup/callback"


def _string(node: ast.expr, constants: dict[str, str]) -> str | None:
    """A str literal, a module constant, or a `+` of those; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string(node.left, constants), _string(node.right, constants)
        return None if left is None or right is None else left + right
    return None


def endpoints_the_bot_calls() -> set[tuple[str, str]]:
    """(method, OpenAPI path template) of every gidgethub call in bot/ whose URL is a literal."""
    spec_paths = {re.sub(r"\{[^}]+\}", "{}", p): p for p in load_spec()["paths"]}
    found = set()
    for path in (REPO / "bot").rglob("*.py"):
        tree = ast.parse(path.read_text())
        constants = {t.id: n.value.value for n in tree.body if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name)
                     and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)}
        for call in ast.walk(tree):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr in _VERBS and call.args):
                continue
            url = _string(call.args[0], constants)
            if url is None or not url.startswith("/"):
                continue
            shape = re.sub(r"\{[^}]+\}", "{}", re.sub(r"\{\?[^}]*\}", "", url))
            assert shape in spec_paths, f"{path.name}: {url} is not in GitHub's description"
            found.add((_VERBS[call.func.attr], spec_paths[shape]))
    return found


def test_permissions_are_exactly_what_the_called_endpoints_need() -> None:
    calls = endpoints_the_bot_calls()
    # The scan must see the calls each feature is known to make (a scan that finds nothing proves nothing).
    assert {("POST", "/repos/{owner}/{repo}/check-runs"), ("POST", "/repos/{owner}/{repo}/git/commits"),
            ("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
            ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews")} <= calls
    needs = [need for need in (required(m, t) for m, t in sorted(calls)) if need]
    derived = {"metadata": "read"}  # GitHub gives every App metadata: read
    # Needs with one permission first; a need that several permissions satisfy (issue comments and
    # reactions: `issues` or `pull_requests`) adds nothing when one of them is already granted.
    for names, level in sorted(needs, key=lambda need: len(need[0])):
        if any(_LEVELS.get(derived.get(n, ""), 0) >= _LEVELS[level] for n in names):
            continue
        derived[names[0]] = max(derived.get(names[0], level), level, key=_LEVELS.__getitem__)
    assert MANIFEST["default_permissions"] == derived


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    async with session.get(url, allow_redirects=False) as response:
        return response.status, await response.text()


async def _wait_until_serving_as_app(session: aiohttp.ClientSession, url: str, proc: asyncio.subprocess.Process) -> None:
    while True:  # the setup server stops, then the App starts on the same port
        assert proc.returncode is None, "app.py exited"
        try:
            async with session.get(url + "/healthz") as response:
                if (await response.json()).get("status") == "ok":
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)  # poll interval, not a wait for something to happen


async def test_app_py_without_credentials_registers_the_app_and_then_serves_it(tmp_path: Path) -> None:
    port = free_port()
    bot_url = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    async with FakeGitHub() as fake, aiohttp.ClientSession() as session:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "BOT_"))}
        env.update(HOST="127.0.0.1", PORT=str(port), BOT_DATA_DIR=str(data), GITHUB_API_URL=fake.base_url,
                   WORKERS="1")
        log = tmp_path / "app.log"
        with log.open("wb") as out:  # a file, not a pipe nobody reads while the server runs
            proc = await asyncio.create_subprocess_exec(sys.executable, "app.py", cwd=REPO, env=env,
                                                        stdout=out, stderr=out)
        try:
            # 1. The setup page: a form that POSTs app.yml to GitHub's "new App" page.
            status, page = None, ""
            while status != 200:
                assert proc.returncode is None
                try:
                    status, page = await _get(session, bot_url + "/")
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            action = re.search(r"<form action='([^']+)' method='post'>", page).group(1).replace("&amp;", "&")
            manifest_json = re.search(r"name='manifest' value='([^']+)'", page).group(1)
            manifest = json.loads(manifest_json.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&"))
            assert action.startswith(f"{fake.base_url}/settings/apps/new?state=")
            assert manifest["hook_attributes"]["url"] == f"{bot_url}/webhook"
            assert manifest["redirect_url"] == f"{bot_url}/setup/callback"
            assert manifest["default_permissions"] == MANIFEST["default_permissions"]
            async with session.get(bot_url + "/healthz") as health:
                assert (health.status, (await health.json())["status"]) == (200, "setup")

            # 2. The browser submits it; GitHub redirects back with a code.
            async with session.post(action, data={"manifest": json.dumps(manifest)}, allow_redirects=False) as reply:
                assert reply.status == 302, await reply.text()
                callback = reply.headers["Location"]
            assert callback.startswith(f"{bot_url}/setup/callback?code=")
            forged = re.sub(r"state=[^&]+", "state=forged", callback)
            assert (await _get(session, forged))[0] == 400

            # 3. The server exchanges the code, stores the credentials 0600 and becomes the App.
            status, done = await _get(session, callback)
            assert status == 200 and "/installations/new" in done
            (app,) = fake.registered_apps
            assert app.converted
            stored = data / "github-app.json"
            assert stat.S_IMODE(stored.stat().st_mode) == 0o600
            assert json.loads(stored.read_text()) == {"app_id": app.id, "private_key": app.pem,
                                                      "webhook_secret": app.webhook_secret}
            assert fake.requests_to("POST", r"^/app-manifests/")[0].path == f"/app-manifests/{app.code}/conversions"
            await _wait_until_serving_as_app(session, bot_url, proc)

            # Webhooks signed with the secret GitHub generated are accepted, others refused.
            body = json.dumps(example("ping", "event.0.json")).encode()
            async with session.post(bot_url + "/webhook", data=body,
                                    headers=signed_headers(body, "ping", secret=app.webhook_secret)) as ok:
                assert ok.status == 200
            async with session.post(bot_url + "/webhook", data=body,
                                    headers=signed_headers(body, "ping", secret="guess")) as bad:
                assert bad.status == 401
            assert await _get(session, callback) != (200, done)  # a code works once
            assert fake.violations == []
        finally:
            proc.terminate()
            await proc.wait()
        logged = log.read_text(errors="replace")
        assert "registered GitHub App hybridize-bot" in logged
        assert app.pem.splitlines()[1] not in logged and app.webhook_secret not in logged, "secrets are never logged"


def test_stored_credentials_are_used_only_when_the_environment_names_none(tmp_path: Path) -> None:
    appmanifest.store_credentials(tmp_path, 77, "PEM", "secret")
    env = {"BOT_DATA_DIR": str(tmp_path)}
    assert not appmanifest.needs_setup(env)
    merged = appmanifest.with_stored_credentials(env)
    assert (merged["GITHUB_APP_ID"], merged["GITHUB_PRIVATE_KEY"], merged["GITHUB_WEBHOOK_SECRET"]) == ("77", "PEM", "secret")
    explicit = {**env, "GITHUB_APP_ID": "5"}
    assert appmanifest.with_stored_credentials(explicit) == explicit
    assert appmanifest.needs_setup({"BOT_DATA_DIR": str(tmp_path / "empty")})
    (tmp_path / "github-app.json").write_text("{not json")
    with pytest.raises(SettingsError, match="github-app.json cannot be read as the credentials"):
        appmanifest.with_stored_credentials(env)


def test_web_url_of_github_ghes_and_a_test_double() -> None:
    assert appmanifest.web_url("https://api.github.com") == "https://github.com"
    assert appmanifest.web_url("https://ghe.example.com/api/v3") == "https://ghe.example.com"
    assert appmanifest.web_url("http://127.0.0.1:5000") == "http://127.0.0.1:5000"
