"""GitHub's App-manifest flow in the fake: the web page that registers an App from a manifest, and
``POST /app-manifests/{code}/conversions`` that hands its credentials over once.

https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
A browser POSTs a form with a ``manifest`` field (JSON) to ``/settings/apps/new?state=...`` (or
``/organizations/{org}/settings/apps/new``); GitHub shows a confirmation page, registers the App and
redirects to the manifest's ``redirect_url`` with ``code`` and ``state``. The fake skips the
confirmation click. The code is valid for one hour and one exchange.
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import yaml
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .routes import ApiError, Ctx, Reply, route

if TYPE_CHECKING:
    from .server import FakeGitHub

APP_YML = Path(__file__).resolve().parents[2] / "app.yml"
CODE_TTL_S = 3600
# The keys GitHub's manifest accepts ("GitHub App manifest parameters" in the page above).
MANIFEST_KEYS = {"name", "url", "hook_attributes", "redirect_url", "callback_urls", "setup_url",
                 "description", "public", "default_events", "default_permissions",
                 "request_oauth_on_install", "setup_on_update"}


def app_yml_permissions() -> dict[str, str]:
    """What the project's app.yml requests: the fake grants exactly this to installations."""
    return dict(yaml.safe_load(APP_YML.read_text())["default_permissions"])


@dataclass
class RegisteredApp:
    id: int
    slug: str
    manifest: dict[str, Any]
    pem: str
    webhook_secret: str
    code: str
    code_expires: float
    converted: bool = False


async def new_app_page(fake: FakeGitHub, request: web.Request) -> web.Response:
    """``POST /settings/apps/new``: register the manifest's App and redirect with a code."""
    form = await request.post()
    try:
        manifest = json.loads(str(form["manifest"]))
    except (KeyError, ValueError):
        return web.Response(status=422, text="manifest is missing or not JSON")
    unknown = set(manifest) - MANIFEST_KEYS
    if unknown or not manifest.get("url") or not manifest.get("redirect_url"):
        # GitHub rejects a manifest without the required `url`, and needs `redirect_url` to hand the
        # code back; the fake also flags keys GitHub would ignore.
        fake.violations.append(f"app manifest: unknown keys {sorted(unknown)} or missing url/redirect_url")
        return web.Response(status=422, text="invalid manifest")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    app = RegisteredApp(id=900_000 + len(fake.registered_apps), slug=manifest.get("name", "app").lower(),
                        manifest=manifest, pem=pem, webhook_secret=secrets.token_hex(20),
                        code=secrets.token_hex(10), code_expires=time.time() + CODE_TTL_S)
    fake.registered_apps.append(app)
    # From now on the fake is this App's GitHub: JWTs are checked against its key, installations get
    # the permissions the manifest asked for.
    fake.app_id, fake.app_slug = app.id, app.slug
    fake.public_key_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    query = {"code": app.code, **({"state": request.query["state"]} if "state" in request.query else {})}
    raise web.HTTPFound(f"{manifest['redirect_url']}?{urlencode(query)}")


@route("POST", "/app-manifests/{code}/conversions")
async def convert(ctx: Ctx) -> Reply:
    fake = ctx.fake
    app = next((a for a in fake.registered_apps if a.code == ctx.params["code"]), None)
    if app is None or app.converted or time.time() > app.code_expires:
        raise ApiError(404, "Not Found")
    app.converted = True
    body = fake.render.app(app.id, app.slug, fake.app_owner, dict(app.manifest.get("default_permissions", {})))
    body.update(name=app.manifest["name"], description=app.manifest.get("description", ""),
                external_url=app.manifest["url"], events=list(app.manifest.get("default_events", [])),
                installations_count=0, client_secret=secrets.token_hex(20),
                webhook_secret=app.webhook_secret, pem=app.pem)
    return Reply(201, body)
