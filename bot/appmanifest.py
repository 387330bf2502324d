"""Registering the GitHub App in one click (GitHub's App-manifest flow), then running as that App.

Started without credentials (no GITHUB_APP_ID, GITHUB_PRIVATE_KEY(_PATH), GITHUB_WEBHOOK_SECRET and
none stored), `python app.py` serves a setup page instead of the App:

1. `GET /` shows a button that POSTs app.yml, as a manifest, to GitHub's "new App" page
   (`/settings/apps/new`, or `/organizations/ORG/settings/apps/new` with `?org=ORG`), with this
   server's public URL filled into `hook_attributes.url` (`/webhook`) and `redirect_url`;
2. GitHub registers the App and redirects to `GET /setup/callback?code=...&state=...`;
3. the server exchanges the code (`POST /app-manifests/{code}/conversions`, valid one hour, once),
   stores the App id, private key and webhook secret in BOT_DATA_DIR/github-app.json (mode 0600) and
   stops the setup server; `bot.server.main` then starts the App with those credentials.

https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import yaml
from aiohttp import web

from hybridize_bot.bot import __version__
from hybridize_bot.bot.settings import ServerBasics, SettingsError

log = logging.getLogger(__name__)

CREDENTIAL_VARS = ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH", "GITHUB_WEBHOOK_SECRET")
CREDENTIALS_FILE = "github-app.json"
WEBHOOK_PATH = "/webhook"
CALLBACK_PATH = "/setup/callback"
_API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"hybridize-bot/{__version__} (setup)"}


# ----------------------------------------------------------------------------- stored credentials

def credentials_path(data_dir: Path) -> Path:
    return data_dir / CREDENTIALS_FILE


def needs_setup(environ: Mapping[str, str]) -> bool:
    """True when no credential is configured at all: neither in the environment nor stored."""
    if any(environ.get(name, "").strip() for name in CREDENTIAL_VARS):
        return False
    return not credentials_path(ServerBasics.from_env(environ).data_dir).exists()


def with_stored_credentials(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ`, plus the credentials the setup stored when the environment names none."""
    merged = dict(environ)
    path = credentials_path(ServerBasics.from_env(environ).data_dir)
    if any(environ.get(name, "").strip() for name in CREDENTIAL_VARS) or not path.exists():
        return merged
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        merged.update(GITHUB_APP_ID=str(stored["app_id"]), GITHUB_PRIVATE_KEY=stored["private_key"],
                      GITHUB_WEBHOOK_SECRET=stored["webhook_secret"])
    except (OSError, ValueError, KeyError, TypeError):
        # The message names the file, never its content (it holds the private key).
        raise SettingsError(f"{path} cannot be read as the credentials the setup stored; "
                            "remove it to register again, or set GITHUB_APP_ID and the others") from None
    return merged


def store_credentials(data_dir: Path, app_id: int, private_key: str, webhook_secret: str) -> Path:
    """Write the credentials with mode 0600 (created so, never readable by others even briefly),
    atomically: a crash leaves either no file or the whole file."""
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = credentials_path(data_dir)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"app_id": app_id, "private_key": private_key, "webhook_secret": webhook_secret}, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    return path


# ----------------------------------------------------------------------------- the manifest

def web_url(api_url: str) -> str:
    """GitHub's web root for a REST root: api.github.com -> github.com, GHES https://HOST/api/v3 ->
    https://HOST; anything else (a test double) serves both on one root."""
    parts = urlsplit(api_url)
    if parts.netloc == "api.github.com":
        return "https://github.com"
    path = parts.path.rstrip("/")
    if path.endswith("/api/v3"):
        path = path[: -len("/api/v3")]
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def build_manifest(app_yml: str, public_url: str) -> dict[str, Any]:
    """app.yml as a manifest, its webhook and redirect URLs moved to this server's public URL."""
    manifest = yaml.safe_load(app_yml)
    base = public_url.rstrip("/")
    manifest["hook_attributes"] = {**manifest.get("hook_attributes", {}), "url": base + WEBHOOK_PATH}
    manifest["redirect_url"] = base + CALLBACK_PATH
    return manifest


# ----------------------------------------------------------------------------- the setup server

class SetupServer:
    """The three pages of the flow; `registered` is set once the credentials are stored."""

    def __init__(self, basics: ServerBasics, app_yml: str) -> None:
        self.basics = basics
        self.app_yml = app_yml
        self.state = secrets.token_urlsafe(24)  # ties GitHub's redirect to this server's page (CSRF)
        self.registered = asyncio.Event()

    def application(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.page)
        app.router.add_get(CALLBACK_PATH, self.callback)
        app.router.add_get("/healthz", self.healthz)
        app.router.add_post(WEBHOOK_PATH, self.not_yet)
        return app

    async def page(self, request: web.Request) -> web.Response:
        public = self.basics.public_url or str(request.url.origin())
        manifest = build_manifest(self.app_yml, public)
        org = request.query.get("org", "").strip()
        target = f"/organizations/{org}/settings/apps/new" if org else "/settings/apps/new"
        action = f"{web_url(self.basics.github_api_url)}{target}?state={self.state}"
        owner = f"the organization {html.escape(org)}" if org else "your personal account (add <code>?org=NAME</code> for an organization)"
        body = (
            "<!doctype html><html><head><meta charset='utf-8'><title>hybridize-bot setup</title></head><body>"
            "<h1>Register hybridize-bot as a GitHub App</h1>"
            f"<p>This server has no App credentials yet. The button registers a GitHub App for {owner} "
            f"from <code>app.yml</code>, with its webhook at <code>{html.escape(manifest['hook_attributes']['url'])}</code>. "
            "GitHub then sends you back here, and the server stores the App's id, private key and webhook "
            "secret in its data directory and starts reviewing pull requests.</p>"
            f"<form action='{html.escape(action)}' method='post'>"
            f"<input type='hidden' name='manifest' value='{html.escape(json.dumps(manifest))}'>"
            "<button type='submit'>Create GitHub App</button></form></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    async def callback(self, request: web.Request) -> web.Response:
        code, state = request.query.get("code", ""), request.query.get("state", "")
        if not code or not secrets.compare_digest(state, self.state):
            return web.Response(status=400, text="unknown setup request: start again from this server's / page")
        url = f"{self.basics.github_api_url}/app-manifests/{code}/conversions"
        async with aiohttp.ClientSession(headers=_API_HEADERS) as session:
            async with session.post(url, timeout=aiohttp.ClientTimeout(total=30)) as response:
                if response.status != 201:
                    log.error("manifest conversion failed: HTTP %d", response.status)
                    return web.Response(status=502, text=f"GitHub refused the code (HTTP {response.status}); "
                                                         "codes expire after an hour: start again from /")
                app = await response.json()
        path = store_credentials(self.basics.data_dir, app["id"], app["pem"], app["webhook_secret"])
        log.info("registered GitHub App %s (id %s); credentials stored in %s", app.get("slug"), app["id"], path)
        self.registered.set()
        install = f"{app['html_url']}/installations/new"
        return web.Response(content_type="text/html", text=(
            "<!doctype html><html><head><meta charset='utf-8'><title>hybridize-bot registered</title></head>"
            f"<body><h1>GitHub App {html.escape(str(app.get('name', '')))} registered</h1>"
            f"<p>The server now runs as this App. <a href='{html.escape(install)}'>Install it</a> on the "
            "repositories it should review.</p></body></html>"))

    async def healthz(self, request: web.Request) -> web.Response:
        # Healthy while waiting for a person to click: a container is not restarted for it.
        return web.json_response({"status": "setup", "version": __version__, "setup": "GET /"})

    async def not_yet(self, request: web.Request) -> web.Response:
        return web.json_response({"error": "this server is not registered as a GitHub App yet; open GET /"},
                                 status=503)


async def serve_setup(basics: ServerBasics, app_yml: str) -> None:
    """Serve the setup pages on HOST:PORT until the App is registered, then stop (port released)."""
    server = SetupServer(basics, app_yml)
    runner = web.AppRunner(server.application(), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, basics.host, basics.port).start()
        log.warning("no GitHub App credentials: open http://%s:%d/ to register the App (setup mode)",
                    basics.host, basics.port)
        await server.registered.wait()
    finally:
        await runner.cleanup()  # lets the callback's answer finish before the port is released
