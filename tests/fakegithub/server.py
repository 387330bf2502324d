"""The fake GitHub: state, test helpers, and the aiohttp server that checks and answers requests."""
from __future__ import annotations

import asyncio
import functools
import json
import re
import socket
import struct
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jsonschema
from aiohttp import web

from . import auth, conditional, graphql_api, manifests, openapi, permissions
from .diffs import FileChange, diff_commits
from .faults import Fault, FaultPlan
from .gitobjects import MODE_FILE, ObjectStore, Person
from .render import Renderer
from .routes import HANDLERS, ApiError, Ctx, Reply
from .state import (CheckRun, CommitStatus, Installation, Issue, IssueComment, PullRequest, Repo,
                    Review, ReviewComment, User, now_iso)

DOCS = "https://docs.github.com/rest"
# Primary REST rate limit of an installation on a non-Enterprise org.
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#primary-rate-limit-for-github-app-installations
RATE_LIMIT = 5000
# pulls/{n}/files lists at most 3000 files.
# https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
PR_FILES_CAP = 3000
# per_page defaults to 30 and is capped at 100 on list endpoints.
# https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
DEFAULT_PER_PAGE, MAX_PER_PAGE = 30, 100
# Installations get exactly what the project's app.yml requests (as on GitHub); tests can grant less.
DEFAULT_APP_PERMISSIONS = manifests.app_yml_permissions()
# Answered for any caller: the rate limit costs nothing; a manifest code is its own credential.
_UNAUTHENTICATED = ("/rate_limit", "/app-manifests/{code}/conversions")
_LOGGED_HEADERS = ("authorization", "accept", "user-agent", "content-type", "x-github-api-version",
                   "if-none-match")
_JWT_TEMPLATES = ("/app", "/app/installations/{installation_id}",
                  "/app/installations/{installation_id}/access_tokens", "/repos/{owner}/{repo}/installation")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]


class FakeGitHub:
    """An in-memory GitHub answering REST requests on a loopback port (see package docstring)."""

    def __init__(self, app_id: int = 1234, public_key_pem: bytes | str = b"", *,
                 app_slug: str = "hybridize-bot", validate_responses: bool = True,
                 token_ttl_s: float = auth.INSTALLATION_TOKEN_TTL_S) -> None:
        self.app_id = app_id
        self.public_key_pem = public_key_pem
        self.app_slug = app_slug
        self.app_owner = User("hybridize-org", "Organization")
        self.bot_user = User(f"{app_slug}[bot]", "Bot")
        self.validate_responses = validate_responses
        self.router = openapi.Router()
        self.store = ObjectStore()
        self.tokens = auth.TokenIssuer(token_ttl_s)
        self.faults = FaultPlan()
        self.repos: dict[str, Repo] = {}                  # lower-case "owner/name" -> Repo
        self.users: dict[str, User] = {}
        self.installations: dict[int, Installation] = {}
        self.issues: dict[tuple[int, int], Issue] = {}    # (repo id, number) -> Issue
        self.issue_comments: dict[int, IssueComment] = {}
        self.review_comments: dict[int, ReviewComment] = {}
        self.resolved_threads: dict[int, User] = {}  # root review comment id -> who resolved its thread
        self.reviews: dict[int, Review] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.statuses: list[CommitStatus] = []
        self.requests: list[RecordedRequest] = []
        self.not_modified: list[str] = []          # paths answered 304 (free of rate limit, as on GitHub)
        self.violations: list[str] = []           # requests that break the OpenAPI description
        self.response_violations: list[str] = []  # fake answers that break it (a bug in the fake)
        self.tokens_issued = 0
        self.registered_apps: list[manifests.RegisteredApp] = []   # by the App-manifest flow
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self.base_url = ""
        self._runner: web.AppRunner | None = None
        self._response_schemas: dict[tuple[str, str, int, str], Any] = {}
        self._response_validators: dict[tuple[str, str, int, str], jsonschema.Draft7Validator] = {}

    # ================================================================== lifecycle
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        from . import handlers_archive, handlers_git, handlers_misc, handlers_pulls  # noqa: F401  (register routes)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        handlers_archive.add_download_route(app, self)  # the codeload stand-in, before the API catch-all
        # GitHub's web page for the App-manifest flow (not part of the REST API).
        new_app = functools.partial(manifests.new_app_page, self)
        app.router.add_post("/settings/apps/new", new_app)
        app.router.add_post("/organizations/{org}/settings/apps/new", new_app)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sock = site._server.sockets[0]  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{sock.getsockname()[1]}"
        self.render = Renderer(self.base_url, self.store)
        return self.base_url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGitHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ================================================================== test helpers: setup
    def user(self, login: str, type: str = "User") -> User:
        if login.lower() not in self.users:
            self.users[login.lower()] = User(login, type)
        return self.users[login.lower()]

    def add_installation(self, installation_id: int, account_login: str,
                         permissions: dict[str, str] | None = None) -> Installation:
        inst = Installation(installation_id, self.user(account_login),
                            dict(permissions or DEFAULT_APP_PERMISSIONS))
        self.installations[installation_id] = inst
        return inst

    def add_repo(self, full_name: str, *, default_branch: str = "main", private: bool = False,
                 installation_id: int | None = None, installed: bool = True) -> Repo:
        """Create an empty repository; by default the App is installed on its owner's account."""
        owner_login, name = full_name.split("/")
        owner = self.user(owner_login)
        if installed and installation_id is None:
            existing = [i for i in self.installations.values() if i.account is owner]
            installation_id = existing[0].id if existing else 100 + len(self.installations)
        if installation_id is not None and installation_id not in self.installations:
            self.add_installation(installation_id, owner_login)
        repo = Repo(owner, name, default_branch, private, installation_id)
        repo.permissions[owner.login.lower()] = "admin"
        self.repos[full_name.lower()] = repo
        return repo

    def set_permission(self, repo: Repo, login: str, permission: str) -> None:
        """Collaborator permission: admin | maintain | write | triage | read | none."""
        self.user(login)
        repo.permissions[login.lower()] = permission

    def commit(self, repo: Repo, files: dict[str, bytes | str | None], branch: str | None = None,
               message: str = "change", parent: str | None = None, author: Person | None = None,
               mode: str = MODE_FILE, move_branch: bool = True) -> str:
        """Write a real commit on top of ``parent`` (default: the branch tip); ``None`` deletes a path.

        Moves ``branch`` to the new commit and updates open pull requests whose head it is.
        """
        branch = branch or repo.default_branch
        parent = parent or repo.branch(branch)
        tree = dict(self.store.files_at(parent)) if parent else {}
        for path, content in files.items():
            if content is None:
                tree.pop(path, None)
            else:
                data = content.encode() if isinstance(content, str) else content
                tree[path] = (mode, self.store.put_blob(data))
        sha = self.store.put_commit(self.store.build_tree(tree), [parent] if parent else [], message,
                                    author or Person())
        if move_branch:
            self.set_branch(repo, branch, sha)
        return sha

    def push(self, repo: Repo, branch: str, files: dict[str, bytes | str | None],
             message: str = "push") -> str:
        """Commit on ``branch`` and move it (open PRs with that head follow); returns the new sha."""
        return self.commit(repo, files, branch=branch, message=message)

    def set_branch(self, repo: Repo, branch: str, sha: str) -> None:
        self.set_ref(repo, f"refs/heads/{branch}", sha)

    def set_ref(self, repo: Repo, ref: str, sha: str | None) -> None:
        """Move (or delete, ``sha=None``) a ref; PR heads/bases on that branch follow it like on GitHub."""
        if sha is None:
            repo.refs.pop(ref, None)
            return
        repo.refs[ref] = sha
        if not ref.startswith("refs/heads/"):
            return
        branch = ref[len("refs/heads/"):]
        for issue in self.issues.values():
            pr = issue.pull
            if pr is None or issue.state != "open":
                continue
            if pr.head_repo is repo and pr.head_ref == branch:
                pr.head_sha = sha
                issue.updated_at = now_iso()
            if pr.repo is repo and pr.base_ref == branch:
                pr.base_sha = sha

    def _next_number(self, repo: Repo) -> int:
        return 1 + max((n for (rid, n) in self.issues if rid == repo.id), default=0)

    def open_issue(self, repo: Repo, title: str = "An issue", body: str | None = None,
                   user_login: str = "alice", number: int | None = None) -> Issue:
        issue = Issue(repo, number or self._next_number(repo), title, body, self.user(user_login))
        self.issues[(repo.id, issue.number)] = issue
        return issue

    def open_pull_request(self, repo: Repo, head_branch: str, base_branch: str | None = None, *,
                          number: int | None = None, title: str = "A change", body: str | None = None,
                          user_login: str = "alice", user_type: str = "User", draft: bool = False,
                          head_repo: Repo | None = None, maintainer_can_modify: bool = False) -> PullRequest:
        """Open a PR from ``head_repo`` (default ``repo``; a fork otherwise) ``head_branch`` into ``base_branch``."""
        head_repo = head_repo or repo
        base_branch = base_branch or repo.default_branch
        head_sha, base_sha = head_repo.branch(head_branch), repo.branch(base_branch)
        if head_sha is None or base_sha is None:
            raise ValueError(f"both branches must exist: {head_branch!r}, {base_branch!r}")
        issue = Issue(repo, number or self._next_number(repo), title, body, self.user(user_login, user_type))
        issue.pull = PullRequest(issue, head_repo, head_branch, head_sha, base_branch, base_sha,
                                 draft=draft, maintainer_can_modify=maintainer_can_modify)
        self.issues[(repo.id, issue.number)] = issue
        return issue.pull

    def pull_request(self, repo: Repo, number: int) -> PullRequest | None:
        issue = self.issues.get((repo.id, number))
        return issue.pull if issue else None

    # ================================================================== test helpers: run time
    def inject(self, method: str, path_regex: str, status: int | None = 502, times: int = 1,
               headers: dict[str, str] | None = None, body: Any = None, delay: float = 0.0,
               reset_connection: bool = False, after_apply: bool = False) -> Fault:
        """Make the next ``times`` matching requests fail (``status=None``: only delay them;
        ``after_apply``: carry the request out first, then answer ``status``)."""
        return self.faults.add(Fault(method.upper(), re.compile(path_regex), status, times,
                                     dict(headers or {}), body, delay, reset_connection, after_apply))

    def take_violations(self) -> list[str]:
        """Return and clear the recorded violations (for tests that provoke them on purpose)."""
        out, self.violations[:] = list(self.violations), []
        return out

    def expire_tokens(self) -> None:
        self.tokens.expire_all()

    def pr_files(self, pr: PullRequest, head_sha: str | None = None) -> list[FileChange]:
        """Changed files of a PR as GitHub computes them: merge-base(base, head)..head."""
        head = head_sha or pr.head_sha
        base = self.store.merge_base(pr.base_sha, head)
        return diff_commits(self.store, base, head)

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and re.search(path_regex, r.path)]

    # ================================================================== request pipeline
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        method, path = request.method.upper(), request.path
        query = {k: v for k, v in request.rel_url.query.items()}
        raw = await request.read()
        body, has_body, parse_error = None, bool(raw), False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                parse_error = True
        self.requests.append(RecordedRequest(
            method, path, query, body,
            {h: request.headers[h] for h in _LOGGED_HEADERS if h in request.headers}))

        fault = self.faults.take(method, path)
        if fault:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.reset_connection:
                return self._reset(request)
            if fault.status is not None and not fault.after_apply:
                return self._fault_response(fault)

        if time.time() >= self.rate_reset:            # a new rate-limit window
            self.rate_used, self.rate_reset = 0, int(time.time()) + 3600
        if self.rate_used >= RATE_LIMIT and path != "/rate_limit":
            # Primary limit exhausted: GitHub answers 403 with remaining 0 until x-ratelimit-reset.
            return self._finish(self._error_reply(ApiError(403, "API rate limit exceeded for installation.")), None, method)

        if path == "/graphql" and method == "POST":  # not in the REST description; its own schema
            status, answer = graphql_api.answer(self, request.headers.get("Authorization", ""), body)
            return self._finish(Reply(status, answer), None, method)
        try:
            reply, op = await self._handle(request, method, path, query, body, has_body, parse_error)
        except ApiError as err:
            reply, op = self._error_reply(err), None
        except Exception:  # a bug in the fake: answer 500 and make the test fail at teardown
            self.response_violations.append(f"{method} {path}: the fake crashed\n{traceback.format_exc()}")
            reply, op = self._error_reply(ApiError(500, "Server Error (fake GitHub crashed)")), None
        if fault and fault.after_apply and fault.status is not None:
            return self._fault_response(fault)  # the write is done; its answer is lost
        return self._finish(reply, op, method, request)

    async def _handle(self, request: web.Request, method: str, path: str, query: dict[str, str],
                      body: Any, has_body: bool, parse_error: bool) -> tuple[Reply, openapi.Operation | None]:
        match = self.router.match(path)
        if match is None:
            self._violate(f"{method} {path}: no such path in the OpenAPI description")
            raise ApiError(404, "Not Found")
        op = match.operations.get(method)
        if op is None:
            self._violate(f"{method} {path}: method not allowed for {match.template} "
                          f"(allowed: {sorted(match.operations)})")
            raise ApiError(404, "Not Found")
        if parse_error:
            self._violate(f"{method} {path}: body is not JSON")
            raise ApiError(400, "Problems parsing JSON")
        problems = openapi.check_parameters(op, match.params, query)
        if problems:
            self._violate(f"{method} {match.template}: " + "; ".join(problems))
            if any(p.startswith("path parameter") for p in problems):
                raise ApiError(404, "Not Found")
            raise ApiError(422, "Invalid request.\n\n" + "\n".join(problems))
        problems = openapi.check_body(op, body, has_body)
        if problems:
            self._violate(f"{method} {match.template}: " + "; ".join(problems))
            raise ApiError(422, "Invalid request.\n\n" + "\n".join(problems))
        ctx = Ctx(self, request, op, match.params, query, body)
        self._authenticate(ctx)
        handler = HANDLERS.get((method, match.template))
        if handler is None:
            self._violate(f"{method} {match.template}: valid request, but the fake does not implement it")
            raise ApiError(501, "Not implemented by the fake GitHub")
        return await handler(ctx), op

    def _violate(self, message: str) -> None:
        self.violations.append(message)

    def _authenticate(self, ctx: Ctx) -> None:
        header = ctx.request.headers.get("Authorization", "")
        scheme, _, credential = header.partition(" ")
        scheme = scheme.lower()
        template = ctx.op.template
        if template in _JWT_TEMPLATES:
            if scheme != "bearer" or not credential:
                raise ApiError(401, "A JSON web token could not be decoded")
            try:
                auth.verify_app_jwt(credential, self.app_id, self.public_key_pem)
            except auth.AuthError as err:
                raise ApiError(401, str(err)) from err
            return
        if template in _UNAUTHENTICATED:
            return
        if scheme not in ("token", "bearer") or not credential:
            raise ApiError(401, "Requires authentication")
        try:
            tok = self.tokens.check(credential)
        except auth.AuthError as err:
            raise ApiError(401, str(err)) from err
        ctx.installation = self.installations.get(tok.installation_id)
        ctx.actor = self.bot_user
        if "owner" in ctx.params:
            repo = self.repos.get(f"{ctx.params['owner']}/{ctx.params['repo']}".lower())
            # An installation token only sees the repositories of its installation; others are 404.
            if repo is None or repo.installation_id != tok.installation_id:
                raise ApiError(404, "Not Found")
            ctx.repo = repo
        if not permissions.allows(tok.permissions, ctx.op.method, template):
            raise ApiError(403, permissions.FORBIDDEN_MESSAGE)

    def _error_reply(self, err: ApiError) -> Reply:
        payload: dict[str, Any] = {"message": err.message, "documentation_url": DOCS, "status": str(err.status)}
        if err.errors is not None:
            payload["errors"] = err.errors
        return Reply(err.status, payload)

    def _rate_headers(self) -> dict[str, str]:
        return {"x-ratelimit-limit": str(RATE_LIMIT),
                "x-ratelimit-remaining": str(max(RATE_LIMIT - self.rate_used, 0)),
                "x-ratelimit-used": str(self.rate_used), "x-ratelimit-reset": str(self.rate_reset),
                "x-ratelimit-resource": "core", "x-github-request-id": uuid.uuid4().hex[:20].upper(),
                "x-github-api-version-selected": "2022-11-28"}

    def _finish(self, reply: Reply, op: openapi.Operation | None, method: str,
                request: web.Request | None = None) -> web.Response:
        if reply.raw is not None:
            body, content_type = reply.raw, reply.content_type.split(";")[0]
        elif reply.json is not None:
            payload = reply.json
            if op is not None and reply.status < 400:
                payload = self._conform_and_check(op, reply.status, payload)
            body, content_type = json.dumps(payload).encode(), "application/json"
        else:
            body, content_type = None, None
        extra: dict[str, str] = {}
        if request is not None and method == "GET" and reply.status == 200 and body is not None:
            etag = conditional.etag_for(request.headers.get("Authorization", ""),
                                        request.headers.get("Accept", ""), body)
            extra = {"ETag": etag, "Vary": conditional.VARY}
            authorized = bool(request.headers.get("Authorization"))
            if authorized and conditional.matches(request.headers.get("If-None-Match"), etag):
                self.not_modified.append(request.path)  # a 304 costs no rate limit
                return web.Response(status=304, headers={**self._rate_headers(), **extra})
        self.rate_used = min(self.rate_used + 1, RATE_LIMIT)
        headers = {**self._rate_headers(), **reply.headers, **extra}
        if body is None:
            return web.Response(status=reply.status, headers=headers)
        return web.Response(status=reply.status, body=body, headers=headers, content_type=content_type)

    def _response_schema(self, op: openapi.Operation, status: int, media: str = "application/json") -> Any:
        key = (op.method, op.template, status, media)
        if key not in self._response_schemas:
            self._response_schemas[key] = op.response_schema(status, media)
        return self._response_schemas[key]

    def _conform_and_check(self, op: openapi.Operation, status: int, payload: Any) -> Any:
        schema = self._response_schema(op, status)
        if schema is None:
            return payload
        payload = openapi.conform(schema, payload)
        if self.validate_responses:
            key = (op.method, op.template, status, "application/json")
            validator = self._response_validators.get(key) or jsonschema.Draft7Validator(schema)
            self._response_validators[key] = validator
            for err in validator.iter_errors(payload):
                self.response_violations.append(
                    f"{op.method} {op.template} -> {status}: {'/'.join(map(str, err.absolute_path))}: {err.message[:200]}")
        return payload

    def _fault_response(self, fault: Fault) -> web.Response:
        self.rate_used += 1
        headers = {**self._rate_headers(), **fault.headers}
        body = fault.body
        if body is None:
            body = {"message": "Server Error" if fault.status >= 500 else "Error", "documentation_url": DOCS}
        if isinstance(body, (dict, list)):
            return web.Response(status=fault.status, text=json.dumps(body), headers=headers,
                                content_type="application/json")
        data = body.encode() if isinstance(body, str) else body
        return web.Response(status=fault.status, body=data, headers=headers)

    def _reset(self, request: web.Request) -> web.StreamResponse:
        """Drop the connection with a TCP RST and no answer at all."""
        transport = request.transport
        if transport is not None:
            sock = transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
        raise asyncio.CancelledError  # aiohttp stops handling this request quietly

    # ================================================================== helpers for handlers
    def paginate(self, ctx: Ctx, items: list[Any], cap: int | None = None) -> tuple[list[Any], dict[str, str]]:
        """Slice ``items`` by ``page``/``per_page`` and build GitHub's ``Link`` header."""
        if cap is not None:
            items = items[:cap]
        per_page = min(int(ctx.query.get("per_page", DEFAULT_PER_PAGE)), MAX_PER_PAGE) or DEFAULT_PER_PAGE
        page = max(int(ctx.query.get("page", 1)), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []

        def url(n: int) -> str:
            q = {**ctx.query, "per_page": str(per_page), "page": str(n)}
            return f"{self.base_url}{ctx.request.path}?{urlencode(q)}"

        if page > 1:
            links.append(f'<{url(page - 1)}>; rel="prev"')
        if page < last:
            links.append(f'<{url(page + 1)}>; rel="next"')
            links.append(f'<{url(last)}>; rel="last"')
        if page > 1:
            links.append(f'<{url(1)}>; rel="first"')
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def resolve_commit(self, repo: Repo, ref: str) -> str | None:
        """A commit sha for a branch, tag, ``heads/x``/``refs/heads/x`` or (abbreviated) sha."""
        for candidate in (ref, f"refs/{ref}", f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if candidate in repo.refs:
                return repo.refs[candidate]
        if re.fullmatch(r"[0-9a-f]{7,40}", ref):
            return self.store.resolve_prefix(ref)
        return None

    def app_json(self) -> dict[str, Any]:
        return self.render.app(self.app_id, self.app_slug, self.app_owner, DEFAULT_APP_PERMISSIONS)
