"""Git data endpoints: blobs, trees, commits, refs."""
from __future__ import annotations

import base64
import binascii
import datetime

from .gitobjects import MODE_TREE, Person
from .routes import ApiError, Ctx, Reply, route

R = "/repos/{owner}/{repo}"
# GET trees?recursive=1 returns at most 100,000 entries and sets ``truncated``.
# https://docs.github.com/en/rest/git/trees#get-a-tree
TREE_ENTRY_LIMIT = 100_000


@route("POST", R + "/git/blobs")
async def create_blob(ctx: Ctx) -> Reply:
    body = ctx.body
    if body.get("encoding", "utf-8") == "base64":
        try:
            data = base64.b64decode(body["content"], validate=False)
        except binascii.Error as exc:
            raise ApiError(422, "Invalid Base64 content") from exc
    else:
        data = body["content"].encode()
    sha = ctx.fake.store.put_blob(data)
    return Reply(201, {"sha": sha, "url": f"{ctx.fake.render.repo_url(ctx.repo)}/git/blobs/{sha}"})


@route("GET", R + "/git/blobs/{file_sha}")
async def get_blob(ctx: Ctx) -> Reply:
    sha = ctx.params["file_sha"]
    if sha not in ctx.fake.store.blobs:
        raise ApiError(404, "Not Found")
    return Reply(200, ctx.fake.render.blob(ctx.repo, sha))


def _tree_json(ctx: Ctx, sha: str, recursive: bool) -> dict:
    store, render = ctx.fake.store, ctx.fake.render
    entries = store.walk(sha) if recursive else [(e.name, e) for e in store.trees[sha]]
    truncated = len(entries) > TREE_ENTRY_LIMIT
    out = []
    for path, e in entries[:TREE_ENTRY_LIMIT]:
        item = {"path": path, "mode": e.mode, "type": e.type, "sha": e.sha,
                "url": f"{render.repo_url(ctx.repo)}/git/{e.type}s/{e.sha}"}
        if e.type == "blob":
            item["size"] = len(store.blobs[e.sha])
        out.append(item)
    return {"sha": sha, "url": f"{render.repo_url(ctx.repo)}/git/trees/{sha}", "tree": out,
            "truncated": truncated}


@route("GET", R + "/git/trees/{tree_sha}")
async def get_tree(ctx: Ctx) -> Reply:
    store = ctx.fake.store
    sha = ctx.params["tree_sha"]
    if sha not in store.trees:
        commit = ctx.fake.resolve_commit(ctx.repo, sha)   # GitHub also accepts a commit or branch
        if commit is None:
            raise ApiError(404, "Not Found")
        sha = store.commits[commit].tree
    # GitHub treats any value of ``recursive`` as true (docs: "Setting this parameter to any value").
    return Reply(200, _tree_json(ctx, sha, "recursive" in ctx.query))


@route("POST", R + "/git/trees")
async def create_tree(ctx: Ctx) -> Reply:
    store = ctx.fake.store
    base = ctx.body.get("base_tree")
    files: dict[str, tuple[str, str]] = {}
    if base:
        if base not in store.trees:
            raise ApiError(422, "Invalid tree info", [f"base_tree {base} not found"])
        files = store.flatten(base)
    for item in ctx.body["tree"]:
        path, mode = item.get("path"), item.get("mode")
        if not path or not mode:
            raise ApiError(422, "Invalid tree info", ["tree.path and tree.mode are required"])
        if "content" in item and item.get("sha") is not None:
            raise ApiError(422, "Invalid tree info", ["Only one of sha or content may be given"])
        if "content" in item:
            files[path] = (mode, store.put_blob(item["content"].encode()))
        elif item.get("sha") is None:
            # ``sha: null`` deletes the path (and everything below it, for a directory).
            files = {p: v for p, v in files.items() if p != path and not p.startswith(path + "/")}
        elif mode == MODE_TREE or item.get("type") == "tree":
            if item["sha"] not in store.trees:
                raise ApiError(422, "Invalid tree info", [f"tree.sha {item['sha']} is not a valid tree"])
            files = {p: v for p, v in files.items() if not p.startswith(path + "/")}
            files.update({f"{path}/{p}": v for p, v in store.flatten(item["sha"]).items()})
        else:
            if item["sha"] not in store.blobs:
                raise ApiError(422, "Invalid tree info", [f"tree.sha {item['sha']} is not a valid blob"])
            files[path] = (mode, item["sha"])
    sha = store.build_tree(files)
    return Reply(201, _tree_json(ctx, sha, False))


def _person(data: dict | None) -> Person | None:
    if not data:
        return None
    p = Person(data["name"], data["email"])
    if data.get("date"):
        p.date = int(datetime.datetime.fromisoformat(data["date"].replace("Z", "+00:00")).timestamp())
    return p


@route("POST", R + "/git/commits")
async def create_commit(ctx: Ctx) -> Reply:
    store = ctx.fake.store
    tree, parents = ctx.body["tree"], ctx.body.get("parents", [])
    if tree not in store.trees:
        raise ApiError(422, "Tree SHA does not exist")
    for p in parents:
        if p not in store.commits:
            raise ApiError(422, "Parent SHA does not exist or is not a commit object")
    author = _person(ctx.body.get("author")) or Person(ctx.fake.bot_user.login, "bot@users.noreply.github.com")
    committer = _person(ctx.body.get("committer")) or author
    sha = store.put_commit(tree, parents, ctx.body["message"], author, committer)
    return Reply(201, ctx.fake.render.git_commit(ctx.repo, store.commits[sha]))


@route("GET", R + "/git/commits/{commit_sha}")
async def get_commit(ctx: Ctx) -> Reply:
    c = ctx.fake.store.commits.get(ctx.params["commit_sha"])
    if c is None:
        raise ApiError(404, "Not Found")
    return Reply(200, ctx.fake.render.git_commit(ctx.repo, c))


def _full_ref(ref: str) -> str:
    return ref if ref.startswith("refs/") else f"refs/{ref}"


@route("GET", R + "/git/ref/{ref}")
async def get_ref(ctx: Ctx) -> Reply:
    ref = _full_ref(ctx.params["ref"])
    sha = ctx.repo.refs.get(ref)
    if sha is None:
        raise ApiError(404, "Not Found")
    return Reply(200, ctx.fake.render.ref(ctx.repo, ref, sha))


@route("GET", R + "/git/matching-refs/{ref}")
async def matching_refs(ctx: Ctx) -> Reply:
    prefix = _full_ref(ctx.params["ref"])
    refs = sorted((r, s) for r, s in ctx.repo.refs.items() if r.startswith(prefix))
    return Reply(200, [ctx.fake.render.ref(ctx.repo, r, s) for r, s in refs])


@route("POST", R + "/git/refs")
async def create_ref(ctx: Ctx) -> Reply:
    ref, sha = ctx.body["ref"], ctx.body["sha"]
    if not ref.startswith("refs/") or ref.count("/") < 2:
        raise ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.")
    if ref in ctx.repo.refs:
        raise ApiError(422, "Reference already exists")
    if sha not in ctx.fake.store.commits:
        raise ApiError(422, "Object does not exist")
    ctx.fake.set_ref(ctx.repo, ref, sha)
    return Reply(201, ctx.fake.render.ref(ctx.repo, ref, sha))


@route("PATCH", R + "/git/refs/{ref}")
async def update_ref(ctx: Ctx) -> Reply:
    ref, sha = _full_ref(ctx.params["ref"]), ctx.body["sha"]
    old = ctx.repo.refs.get(ref)
    if old is None:
        raise ApiError(422, "Reference does not exist")
    if sha not in ctx.fake.store.commits:
        raise ApiError(422, "Object does not exist")
    if not ctx.body.get("force") and not ctx.fake.store.is_ancestor(old, sha):
        raise ApiError(422, "Update is not a fast forward")
    ctx.fake.set_ref(ctx.repo, ref, sha)
    return Reply(200, ctx.fake.render.ref(ctx.repo, ref, sha))


@route("DELETE", R + "/git/refs/{ref}")
async def delete_ref(ctx: Ctx) -> Reply:
    ref = _full_ref(ctx.params["ref"])
    if ref not in ctx.repo.refs:
        raise ApiError(422, "Reference does not exist")
    ctx.fake.set_ref(ctx.repo, ref, None)
    return Reply(204)


