"""App/auth, repository, contents, tarball, commits, checks, statuses, issues, comments, labels."""
from __future__ import annotations

import asyncio
import io
import tarfile
from typing import Any

from .diffs import diff_commits
from .routes import ApiError, Ctx, Reply, route
from .server import RATE_LIMIT
from .state import CheckRun, CommitStatus, IssueComment, Reaction, now_iso

R = "/repos/{owner}/{repo}"
# "The Checks API limits the number of annotations to a maximum of 50 per API request."
# https://docs.github.com/en/rest/checks/runs#update-a-check-run  (enforced via the schema's maxItems)
RAW_MEDIA_TYPES = ("application/vnd.github.raw", "application/vnd.github.v3.raw")


# ------------------------------------------------------------------------- app & auth
@route("GET", "/app")
async def get_app(ctx: Ctx) -> Reply:
    return Reply(200, ctx.fake.app_json())


@route("POST", "/app/installations/{installation_id}/access_tokens")
async def create_token(ctx: Ctx) -> Reply:
    fake = ctx.fake
    inst = fake.installations.get(int(ctx.params["installation_id"]))
    if inst is None:
        raise ApiError(404, "Not Found")
    perms = dict(inst.permissions)
    if ctx.body and ctx.body.get("permissions"):
        asked = ctx.body["permissions"]
        too_much = [k for k, v in asked.items() if k not in perms or (v == "write" and perms[k] == "read")]
        if too_much:
            raise ApiError(422, f"The permissions requested are not granted to this installation: {too_much}")
        perms = dict(asked)
    tok = fake.tokens.issue(inst.id, perms)
    fake.tokens_issued += 1
    return Reply(201, {"token": tok.token, "expires_at": now_iso(tok.expires_at), "permissions": perms,
                       "repository_selection": inst.repository_selection})


@route("GET", "/app/installations/{installation_id}")
async def get_installation(ctx: Ctx) -> Reply:
    inst = ctx.fake.installations.get(int(ctx.params["installation_id"]))
    if inst is None:
        raise ApiError(404, "Not Found")
    return Reply(200, ctx.fake.render.installation(inst, ctx.fake.app_id, ctx.fake.app_slug))


@route("GET", R + "/installation")
async def repo_installation(ctx: Ctx) -> Reply:
    fake = ctx.fake
    repo = fake.repos.get(f"{ctx.params['owner']}/{ctx.params['repo']}".lower())
    if repo is None or repo.installation_id is None:
        raise ApiError(404, "Not Found")
    return Reply(200, fake.render.installation(fake.installations[repo.installation_id], fake.app_id, fake.app_slug))


@route("GET", "/rate_limit")
async def rate_limit(ctx: Ctx) -> Reply:
    fake = ctx.fake
    core = {"limit": RATE_LIMIT, "remaining": max(RATE_LIMIT - fake.rate_used, 0), "used": fake.rate_used,
            "reset": fake.rate_reset, "resource": "core"}
    return Reply(200, {"resources": {"core": core, "search": {**core, "limit": 30, "remaining": 30, "used": 0},
                                     "graphql": {**core, "resource": "graphql", "used": 0, "remaining": RATE_LIMIT}},
                       "rate": core})


# ------------------------------------------------------------------------- repository
@route("GET", R)
async def get_repo(ctx: Ctx) -> Reply:
    out = ctx.fake.render.repo(ctx.repo)
    out["permissions"] = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}
    return Reply(200, out)


def _commit_or_404(ctx: Ctx, ref: str) -> str:
    sha = ctx.fake.resolve_commit(ctx.repo, ref)
    if sha is None:
        raise ApiError(404, "Not Found")
    return sha


@route("GET", R + "/branches/{branch}")
async def get_branch(ctx: Ctx) -> Reply:
    name = ctx.params["branch"]
    sha = ctx.repo.branch(name)
    if sha is None:
        raise ApiError(404, "Branch not found")
    render = ctx.fake.render
    url = f"{render.repo_url(ctx.repo)}/branches/{name}"
    return Reply(200, {"name": name, "commit": render.commit(ctx.repo, ctx.fake.store.commits[sha]),
                       "_links": {"self": url, "html": f"https://github.com/{ctx.repo.full_name}/tree/{name}"},
                       "protected": False, "protection": {"enabled": False, "required_status_checks": {
                           "enforcement_level": "off", "contexts": [], "checks": []}},
                       "protection_url": f"{url}/protection"})


@route("GET", R + "/commits/{ref}")
async def get_rest_commit(ctx: Ctx) -> Reply:
    store = ctx.fake.store
    sha = _commit_or_404(ctx, ctx.params["ref"])
    c = store.commits[sha]
    files = diff_commits(store, c.parents[0] if c.parents else None, sha)
    chunk, headers = ctx.fake.paginate(ctx, files)
    return Reply(200, ctx.fake.render.commit(ctx.repo, c, chunk), headers=headers)


@route("GET", R + "/compare/{basehead}")
async def compare(ctx: Ctx) -> Reply:
    store, render = ctx.fake.store, ctx.fake.render
    basehead = ctx.params["basehead"]
    sep = "..." if "..." in basehead else ".."
    if sep not in basehead:
        raise ApiError(404, "Not Found")
    base_ref, head_ref = basehead.split(sep, 1)
    base, head = _commit_or_404(ctx, base_ref), _commit_or_404(ctx, head_ref)
    mb = store.merge_base(base, head)
    in_base = set(store.ancestors(base))
    in_head = set(store.ancestors(head))
    ahead = [c for c in reversed(store.ancestors(head)) if c not in in_base]
    behind = [c for c in store.ancestors(base) if c not in in_head]
    status = ("identical" if base == head else "ahead" if not behind else "behind" if not ahead else "diverged")
    files = diff_commits(store, mb, head)
    commits, headers = ctx.fake.paginate(ctx, ahead)
    url = f"{render.repo_url(ctx.repo)}/compare/{basehead}"
    html = f"https://github.com/{ctx.repo.full_name}/compare/{basehead}"
    return Reply(200, {
        "url": url, "html_url": html, "permalink_url": html, "diff_url": html + ".diff",
        "patch_url": html + ".patch", "status": status, "ahead_by": len(ahead), "behind_by": len(behind),
        "total_commits": len(ahead),
        "base_commit": render.commit(ctx.repo, store.commits[base]),
        "merge_base_commit": render.commit(ctx.repo, store.commits[mb]) if mb else None,
        "commits": [render.commit(ctx.repo, store.commits[c]) for c in commits],
        "files": [render.file_change(ctx.repo, head, f) for f in files],
    }, headers=headers)


@route("GET", R + "/contents/{path}")
async def get_contents(ctx: Ctx) -> Reply:
    store, render, repo = ctx.fake.store, ctx.fake.render, ctx.repo
    ref = ctx.query.get("ref", repo.default_branch)
    sha = _commit_or_404(ctx, ref)
    path = ctx.params["path"].strip("/")
    tree = store.commits[sha].tree
    entries = {p: e for p, e in store.walk(tree)}
    accept = ctx.request.headers.get("Accept", "")
    if path in entries and entries[path].type == "blob":
        e = entries[path]
        data = store.blobs[e.sha]
        if any(m in accept for m in RAW_MEDIA_TYPES):
            return Reply(200, raw=data, content_type="application/vnd.github.raw")
        return Reply(200, {**_content_item(ctx, path, e, ref), "content": render.blob(repo, e.sha)["content"],
                           "encoding": "base64"})
    if path == "" or (path in entries and entries[path].type == "tree"):
        prefix = path + "/" if path else ""
        items = [_content_item(ctx, p, e, ref) for p, e in entries.items()
                 if p.startswith(prefix) and "/" not in p[len(prefix):]]
        return Reply(200, items)
    raise ApiError(404, "Not Found")


def _content_item(ctx: Ctx, path: str, e: Any, ref: str) -> dict[str, Any]:
    repo, render = ctx.repo, ctx.fake.render
    kind = {"blob": "file", "tree": "dir", "commit": "submodule"}[e.type]
    url = f"{render.repo_url(repo)}/contents/{path}?ref={ref}"
    git_url = f"{render.repo_url(repo)}/git/{e.type}s/{e.sha}"
    html = f"https://github.com/{repo.full_name}/{'blob' if kind == 'file' else 'tree'}/{ref}/{path}"
    return {"type": kind, "name": path.rsplit("/", 1)[-1], "path": path, "sha": e.sha,
            "size": len(ctx.fake.store.blobs[e.sha]) if e.type == "blob" else 0,
            "url": url, "git_url": git_url, "html_url": html,
            "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}" if kind == "file" else None,
            "_links": {"self": url, "git": git_url, "html": html}}


@route("GET", R + "/tarball/{ref}")
async def tarball(ctx: Ctx) -> Reply:
    """A real .tar.gz with GitHub's layout; served directly (GitHub answers 302 to codeload)."""
    store, repo = ctx.fake.store, ctx.repo
    sha = _commit_or_404(ctx, ctx.params["ref"])
    top = f"{repo.owner.login}-{repo.name}-{sha[:7]}"
    mtime = store.commits[sha].committer.date
    # The tree is read here, on the event loop (tests change the store between awaits); only the
    # compression runs in a thread (zlib releases the GIL), fast: the fake shares its process with the
    # bot in benchmarks, and its own CPU time must not count as the bot's.
    members = [(path, e, store.blobs[e.sha] if e.type == "blob" else b"") for path, e in store.walk(store.commits[sha].tree)]
    data = await asyncio.to_thread(_build_tarball, members, sha, top, mtime)
    return Reply(200, raw=data, content_type="application/x-gzip",
                 headers={"Content-Disposition": f"attachment; filename={top}.tar.gz"})


def _build_tarball(members: list[tuple[str, Any, bytes]], sha: str, top: str, mtime: int) -> bytes:
    buf = io.BytesIO()
    # GitHub's tarballs start with a pax global header whose comment is the commit sha.
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.PAX_FORMAT, pax_headers={"comment": sha},
                      compresslevel=1) as tar:
        dir_info = tarfile.TarInfo(top + "/")
        dir_info.type, dir_info.mode, dir_info.mtime = tarfile.DIRTYPE, 0o775, mtime
        tar.addfile(dir_info)
        for path, e, content in members:
            info = tarfile.TarInfo(f"{top}/{path}" + ("/" if e.type == "tree" else ""))
            info.mtime = mtime
            if e.type == "tree":
                info.type, info.mode = tarfile.DIRTYPE, 0o775
                tar.addfile(info)
            elif e.mode == "120000":
                info.type, info.linkname = tarfile.SYMTYPE, content.decode()
                tar.addfile(info)
            elif e.type == "blob":
                info.size, info.mode = len(content), 0o775 if e.mode == "100755" else 0o664
                tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


# ------------------------------------------------------------------------- checks & statuses
def _apply_check_fields(run: CheckRun, body: dict[str, Any]) -> None:
    for key in ("name", "external_id", "details_url", "started_at", "completed_at"):
        if key in body:
            setattr(run, key, body[key])
    if "status" in body:
        run.status = body["status"]
    if "conclusion" in body:
        run.conclusion, run.status = body["conclusion"], "completed"
    if run.status == "completed" and run.conclusion is None:
        raise ApiError(422, "Invalid request.\n\nconclusion is required when status is completed.")
    if run.status == "completed" and run.completed_at is None:
        run.completed_at = now_iso()
    if run.status == "in_progress" and run.started_at is None:
        run.started_at = now_iso()
    if "output" in body:
        out = body["output"]
        if "title" not in out or "summary" not in out:
            raise ApiError(422, "Invalid request.\n\n\"title\" and \"summary\" are required in output.")
        run.output = {"title": out["title"], "summary": out["summary"], "text": out.get("text")}
        # Annotations are appended on every update, never replaced (docs of "Update a check run").
        run.annotations.extend(out.get("annotations", []))
    if "actions" in body:
        run.actions = list(body["actions"])
    run.updates += 1


@route("POST", R + "/check-runs")
async def create_check_run(ctx: Ctx) -> Reply:
    fake = ctx.fake
    if ctx.body["head_sha"] not in fake.store.commits:
        raise ApiError(422, "No commit found for SHA: " + ctx.body["head_sha"])
    run = CheckRun(ctx.repo, ctx.body["name"], ctx.body["head_sha"])
    _apply_check_fields(run, ctx.body)
    fake.check_runs[run.id] = run
    return Reply(201, fake.render.check_run(run, fake.app_json()))


def _check_run(ctx: Ctx) -> CheckRun:
    run = ctx.fake.check_runs.get(int(ctx.params["check_run_id"]))
    if run is None or run.repo is not ctx.repo:
        raise ApiError(404, "Not Found")
    return run


@route("PATCH", R + "/check-runs/{check_run_id}")
async def update_check_run(ctx: Ctx) -> Reply:
    run = _check_run(ctx)
    _apply_check_fields(run, ctx.body)
    return Reply(200, ctx.fake.render.check_run(run, ctx.fake.app_json()))


@route("GET", R + "/check-runs/{check_run_id}")
async def get_check_run(ctx: Ctx) -> Reply:
    return Reply(200, ctx.fake.render.check_run(_check_run(ctx), ctx.fake.app_json()))


@route("GET", R + "/check-runs/{check_run_id}/annotations")
async def list_annotations(ctx: Ctx) -> Reply:
    run = _check_run(ctx)
    chunk, headers = ctx.fake.paginate(ctx, run.annotations)
    return Reply(200, [ctx.fake.render.annotation(run, a) for a in chunk], headers=headers)


@route("GET", R + "/commits/{ref}/check-runs")
async def list_check_runs(ctx: Ctx) -> Reply:
    fake = ctx.fake
    sha = _commit_or_404(ctx, ctx.params["ref"])
    runs = [r for r in fake.check_runs.values() if r.repo is ctx.repo and r.head_sha == sha]
    if "check_name" in ctx.query:
        runs = [r for r in runs if r.name == ctx.query["check_name"]]
    if "status" in ctx.query:
        runs = [r for r in runs if r.status == ctx.query["status"]]
    if ctx.query.get("filter", "latest") == "latest":
        latest: dict[str, CheckRun] = {}
        for r in runs:
            latest[r.name] = r          # ids grow, so the last one per name is the most recent
        runs = list(latest.values())
    runs.sort(key=lambda r: -r.id)
    chunk, headers = fake.paginate(ctx, runs)
    app = fake.app_json()
    return Reply(200, {"total_count": len(runs), "check_runs": [fake.render.check_run(r, app) for r in chunk]},
                 headers=headers)


@route("POST", R + "/statuses/{sha}")
async def create_status(ctx: Ctx) -> Reply:
    fake = ctx.fake
    sha = ctx.params["sha"]
    if sha not in fake.store.commits:
        raise ApiError(422, "No commit found for SHA: " + sha)
    st = CommitStatus(ctx.repo, sha, ctx.body["state"], ctx.body.get("context", "default"),
                      ctx.body.get("description"), ctx.body.get("target_url"), ctx.actor)
    fake.statuses.append(st)
    return Reply(201, fake.render.status(st))


@route("GET", R + "/collaborators/{username}/permission")
async def collaborator_permission(ctx: Ctx) -> Reply:
    fake, login = ctx.fake, ctx.params["username"]
    if login.lower() not in fake.users:
        raise ApiError(404, "Not Found")
    perm = ctx.repo.permissions.get(login.lower(), "none" if ctx.repo.private else "read")
    # ``permission`` only knows admin/write/read/none; maintain and triage map to write and read.
    legacy = {"maintain": "write", "triage": "read"}.get(perm, perm)
    user = fake.render.user(fake.users[login.lower()])
    return Reply(200, {"permission": legacy, "role_name": perm, "user": user})


# ------------------------------------------------------------------------- issues, comments, labels
def _issue(ctx: Ctx, number: Any):
    issue = ctx.fake.issues.get((ctx.repo.id, int(number)))
    if issue is None:
        raise ApiError(404, "Not Found")
    return issue


def _comment_count(ctx: Ctx, number: int) -> int:
    return sum(1 for c in ctx.fake.issue_comments.values() if c.repo is ctx.repo and c.issue_number == number)


@route("GET", R + "/issues/{issue_number}")
async def get_issue(ctx: Ctx) -> Reply:
    issue = _issue(ctx, ctx.params["issue_number"])
    return Reply(200, ctx.fake.render.issue(issue, _comment_count(ctx, issue.number)))


@route("PATCH", R + "/issues/{issue_number}")
async def update_issue(ctx: Ctx) -> Reply:
    issue = _issue(ctx, ctx.params["issue_number"])
    for key in ("title", "body"):
        if key in ctx.body:
            setattr(issue, key, ctx.body[key])
    if "state" in ctx.body:
        issue.state = ctx.body["state"]
        issue.closed_at = now_iso() if issue.state == "closed" else None
    if "labels" in ctx.body:
        issue.labels = [lb if isinstance(lb, str) else lb["name"] for lb in ctx.body["labels"]]
    issue.updated_at = now_iso()
    return Reply(200, ctx.fake.render.issue(issue, _comment_count(ctx, issue.number)))


@route("GET", R + "/issues/{issue_number}/comments")
async def list_issue_comments(ctx: Ctx) -> Reply:
    issue = _issue(ctx, ctx.params["issue_number"])
    items = [c for c in ctx.fake.issue_comments.values() if c.repo is ctx.repo and c.issue_number == issue.number]
    if "since" in ctx.query:
        items = [c for c in items if c.updated_at >= ctx.query["since"]]
    chunk, headers = ctx.fake.paginate(ctx, items)
    return Reply(200, [ctx.fake.render.issue_comment(c) for c in chunk], headers=headers)


@route("POST", R + "/issues/{issue_number}/comments")
async def create_issue_comment(ctx: Ctx) -> Reply:
    issue = _issue(ctx, ctx.params["issue_number"])
    c = IssueComment(ctx.repo, issue.number, ctx.body["body"], ctx.actor)
    ctx.fake.issue_comments[c.id] = c
    return Reply(201, ctx.fake.render.issue_comment(c))


def _issue_comment(ctx: Ctx) -> IssueComment:
    c = ctx.fake.issue_comments.get(int(ctx.params["comment_id"]))
    if c is None or c.repo is not ctx.repo:
        raise ApiError(404, "Not Found")
    return c


@route("GET", R + "/issues/comments/{comment_id}")
async def get_issue_comment(ctx: Ctx) -> Reply:
    return Reply(200, ctx.fake.render.issue_comment(_issue_comment(ctx)))


@route("PATCH", R + "/issues/comments/{comment_id}")
async def update_issue_comment(ctx: Ctx) -> Reply:
    c = _issue_comment(ctx)
    c.body, c.updated_at = ctx.body["body"], now_iso()
    return Reply(200, ctx.fake.render.issue_comment(c))


@route("DELETE", R + "/issues/comments/{comment_id}")
async def delete_issue_comment(ctx: Ctx) -> Reply:
    c = _issue_comment(ctx)
    del ctx.fake.issue_comments[c.id]
    return Reply(204)


def _react(ctx: Ctx, reactions: list[Reaction]) -> Reply:
    existing = next((r for r in reactions if r.user is ctx.actor and r.content == ctx.body["content"]), None)
    if existing:   # GitHub answers 200 with the existing reaction instead of duplicating it
        return Reply(200, ctx.fake.render.reaction(existing))
    r = Reaction(ctx.body["content"], ctx.actor)
    reactions.append(r)
    return Reply(201, ctx.fake.render.reaction(r))


@route("POST", R + "/issues/comments/{comment_id}/reactions")
async def react_issue_comment(ctx: Ctx) -> Reply:
    return _react(ctx, _issue_comment(ctx).reactions)


@route("GET", R + "/issues/comments/{comment_id}/reactions")
async def list_issue_comment_reactions(ctx: Ctx) -> Reply:
    items = [r for r in _issue_comment(ctx).reactions if r.content == ctx.query.get("content", r.content)]
    chunk, headers = ctx.fake.paginate(ctx, items)
    return Reply(200, [ctx.fake.render.reaction(r) for r in chunk], headers=headers)


@route("POST", R + "/pulls/comments/{comment_id}/reactions")
async def react_review_comment(ctx: Ctx) -> Reply:
    from .handlers_pulls import _review_comment
    return _react(ctx, _review_comment(ctx).reactions)


@route("GET", R + "/pulls/comments/{comment_id}/reactions")
async def list_review_comment_reactions(ctx: Ctx) -> Reply:
    from .handlers_pulls import _review_comment
    items = [r for r in _review_comment(ctx).reactions if r.content == ctx.query.get("content", r.content)]
    chunk, headers = ctx.fake.paginate(ctx, items)
    return Reply(200, [ctx.fake.render.reaction(r) for r in chunk], headers=headers)


def _label_names(body: Any) -> list[str]:
    items = body.get("labels", []) if isinstance(body, dict) else body
    return [i if isinstance(i, str) else i["name"] for i in items]


@route("GET", R + "/issues/{issue_number}/labels")
async def list_labels(ctx: Ctx) -> Reply:
    issue = _issue(ctx, ctx.params["issue_number"])
    chunk, headers = ctx.fake.paginate(ctx, issue.labels)
    return Reply(200, ctx.fake.render.labels(ctx.repo, chunk), headers=headers)


@route("POST", R + "/issues/{issue_number}/labels")
async def add_labels(ctx: Ctx) -> Reply:
    issue = _issue(ctx, ctx.params["issue_number"])
    for name in _label_names(ctx.body):
        if name not in issue.labels:
            issue.labels.append(name)
    return Reply(200, ctx.fake.render.labels(ctx.repo, issue.labels))


@route("PUT", R + "/issues/{issue_number}/labels")
async def set_labels(ctx: Ctx) -> Reply:
    issue = _issue(ctx, ctx.params["issue_number"])
    issue.labels = _label_names(ctx.body or {})
    return Reply(200, ctx.fake.render.labels(ctx.repo, issue.labels))


@route("DELETE", R + "/issues/{issue_number}/labels")
async def clear_labels(ctx: Ctx) -> Reply:
    _issue(ctx, ctx.params["issue_number"]).labels = []
    return Reply(204)


