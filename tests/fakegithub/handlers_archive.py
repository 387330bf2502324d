"""`GET /repos/{owner}/{repo}/tarball/{ref}` as GitHub serves it: 302 to a short-lived download URL.

GitHub answers the API request with `302 Location: https://codeload.github.com/...` (for private
repositories a URL with a temporary token, valid five minutes), and the archive comes from there,
without the API's Authorization header. The fake answers 302 to `/_codeload/<key>` on its own port; the
key is good for one download. Documented in the OpenAPI description (operation
`repos/download-tarball-archive`, response 302 with a `Location` header);
https://docs.github.com/rest/repos/contents#download-a-repository-archive-tar

Tests can plant a hostile archive with `plant(fake, data)`: the next tarball request serves it.
Kept apart from handlers_misc (which builds the archive) so that the redirect is one module.
"""
from __future__ import annotations

import secrets
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from .handlers_misc import R, tarball as build_tarball
from .routes import Ctx, Reply, route

if TYPE_CHECKING:
    from .server import FakeGitHub

DOWNLOAD_PREFIX = "/_codeload/"


@dataclass
class _Downloads:
    ready: dict[str, bytes] = field(default_factory=dict)   # key -> archive, served once
    planted: list[bytes] = field(default_factory=list)      # served instead of the real archive
    served: list[dict[str, str]] = field(default_factory=list)  # request headers of each download
    # (repository, commit) -> archive: codeload keeps a built archive, so a second request of the same
    # commit is served without compressing the tree again (and the fake's timings stay like GitHub's).
    built: dict[tuple[str, str], bytes] = field(default_factory=dict)


_STATE: "weakref.WeakKeyDictionary[FakeGitHub, _Downloads]" = weakref.WeakKeyDictionary()


def state(fake: "FakeGitHub") -> _Downloads:
    return _STATE.setdefault(fake, _Downloads())


def plant(fake: "FakeGitHub", data: bytes) -> None:
    """Serve `data` (any bytes) as the next archive, whatever the ref."""
    state(fake).planted.append(data)


@route("GET", R + "/tarball/{ref}")
async def tarball_redirect(ctx: Ctx) -> Reply:
    downloads = state(ctx.fake)
    commit = ctx.fake.resolve_commit(ctx.repo, ctx.params["ref"]) if ctx.repo is not None else None
    key = (ctx.repo.full_name if ctx.repo is not None else "", commit or "")
    if downloads.planted:
        data = downloads.planted.pop(0)
    elif commit is not None and key in downloads.built:
        data = downloads.built[key]
    else:
        data = (await build_tarball(ctx)).raw or b""
        if commit is not None:
            downloads.built[key] = data
    key = secrets.token_urlsafe(16)
    downloads.ready[key] = data
    return Reply(302, headers={"Location": f"{ctx.fake.base_url}{DOWNLOAD_PREFIX}{key}"})


def add_download_route(app: web.Application, fake: "FakeGitHub") -> None:
    """The codeload stand-in; not an API path, so it is served outside the OpenAPI-checked dispatch."""

    async def download(request: web.Request) -> web.StreamResponse:
        downloads = state(fake)
        downloads.served.append(dict(request.headers))
        data = downloads.ready.pop(request.match_info["key"], None)
        if data is None:
            return web.Response(status=404, text="Not Found")
        response = web.StreamResponse(headers={"Content-Type": "application/x-gzip"})
        await response.prepare(request)
        for start in range(0, len(data), 64 * 1024):  # streamed, as codeload does
            await response.write(data[start:start + 64 * 1024])
        await response.write_eof()
        return response

    app.router.add_get(DOWNLOAD_PREFIX + "{key}", download)
