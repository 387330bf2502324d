"""The fake GitHub itself: contract checks, state, auth, faults — driven over real HTTP."""
from __future__ import annotations

import asyncio
import base64
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import aiohttp
import jsonschema
import jwt
import pytest
from gidgethub import BadRequest
from gidgethub.aiohttp import GitHubAPI

from tests.fakegithub import FakeGitHub, blob_sha
from tests.fakegithub.diffs import unified_patch
from tests.fakegithub.fixtures import APP_ID, app_jwt, fake_github, rsa_keypair  # noqa: F401
from tests.fakegithub.openapi import Router
from tests.fakegithub.server import DEFAULT_APP_PERMISSIONS

PY_V1 = "".join(f"line {i}\n" for i in range(1, 41))
PY_V2 = PY_V1.replace("line 20\n", "line twenty\n").replace("line 5\n", "line 5\nextra\n")


async def token_for(fake: FakeGitHub, session: aiohttp.ClientSession, private_pem: bytes, inst: int) -> str:
    async with session.post(f"{fake.base_url}/app/installations/{inst}/access_tokens",
                            headers={"Authorization": f"Bearer {app_jwt(private_pem)}"}) as r:
        assert r.status == 201, await r.text()
        return (await r.json())["token"]


@pytest.fixture
async def world(fake_github, rsa_keypair):
    """A repo with a PR (main <- feature) and an authenticated aiohttp session."""
    fake = fake_github
    # The fake's own contract tests also call endpoints the bot never does (commit statuses, labels),
    # beyond what app.yml requests: this installation is granted those too.
    fake.add_installation(100, "octo", permissions={**DEFAULT_APP_PERMISSIONS, "statuses": "write", "issues": "write"})
    repo = fake.add_repo("octo/proj")
    fake.commit(repo, {"mod.py": PY_V1, "gone.txt": "bye\n", "keep.txt": "same\n"}, message="init")
    fake.commit(repo, {"mod.py": PY_V2, "gone.txt": None, "new.py": "x = 1\n"}, branch="feature",
                parent=repo.branch("main"), message="work")
    pr = fake.open_pull_request(repo, "feature", "main")
    async with aiohttp.ClientSession() as session:
        tok = await token_for(fake, session, rsa_keypair.private_pem, repo.installation_id)
        session.headers["Authorization"] = f"token {tok}"
        yield fake, repo, pr, session


def api(fake: FakeGitHub, path: str) -> str:
    return fake.base_url + path


# ---------------------------------------------------------------------------------- contract
async def test_valid_request_passes_and_is_logged(world):
    fake, repo, pr, s = world
    async with s.get(api(fake, f"/repos/octo/proj/pulls/{pr.number}")) as r:
        assert r.status == 200
        data = await r.json()
        assert r.headers["x-ratelimit-resource"] == "core"
        assert int(r.headers["x-ratelimit-remaining"]) == 5000 - int(r.headers["x-ratelimit-used"])
    assert data["head"]["sha"] == pr.head_sha and data["base"]["ref"] == "main"
    assert data["user"] == {**data["user"], "login": "alice", "type": "User"}
    assert data["html_url"].endswith("/octo/proj/pull/1") and data["node_id"]
    assert data["changed_files"] == 3
    assert fake.violations == []
    last = fake.requests[-1]
    assert (last.method, last.path) == ("GET", "/repos/octo/proj/pulls/1")
    assert last.headers["authorization"].startswith("token ghs_")


@pytest.mark.parametrize("method,path,body,status,needle", [
    ("GET", "/repos/octo/proj/no-such-thing", None, 404, "no such path"),
    ("PUT", "/repos/octo/proj/pulls/1", None, 404, "method not allowed"),
    ("POST", "/repos/octo/proj/issues/1/comments", {}, 422, "'body' is a required property"),
    ("POST", "/repos/octo/proj/issues/1/comments", {"body": 5}, 422, "5 is not of type 'string'"),
    ("POST", "/repos/octo/proj/pulls/1/reviews", {"event": "LGTM"}, 422, "'LGTM' is not one of"),
    ("GET", "/repos/octo/proj/pulls?state=merged", None, 422, "query parameter state"),
    ("GET", "/repos/octo/proj/pulls/1/files?per_page=lots", None, 422, "not an integer"),
    ("GET", "/repos/octo/proj/pulls/1/files?perpage=5", None, 422, "unknown query parameter"),
    ("GET", "/repos/octo/proj/pulls/one", None, 404, "path parameter pull_number"),
    ("PATCH", "/repos/octo/proj/check-runs/1", {"status": "done"}, 422, "'done' is not one of"),
])
async def test_violations_are_answered_and_recorded(world, method, path, body, status, needle):
    fake, _, _, s = world
    async with s.request(method, api(fake, path), json=body) as r:
        assert r.status == status
        assert "message" in await r.json()
    found = fake.take_violations()
    assert len(found) == 1 and needle in found[0], found


async def test_additional_properties_forbidden_and_bad_json(world):
    fake, repo, _, s = world
    # the description itself forbids extra keys here ...
    body = {"issue_field_values": [{"field_id": 1, "value": "x", "colour": "red"}]}
    async with s.patch(api(fake, "/repos/octo/proj/issues/1"), json=body) as r:
        assert r.status == 422
    # ... and the fake closes every other object schema of a request body too (misspelt fields)
    body = {"event": "COMMENT", "comments": [{"path": "mod.py", "lines": 20, "body": "typo"}]}
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"), json=body) as r:
        assert r.status == 422
    async with s.post(api(fake, "/repos/octo/proj/issues/1/comments"), data=b"{not json",
                      headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400 and (await r.json())["message"] == "Problems parsing JSON"
    found = fake.take_violations()
    assert "Additional properties are not allowed ('colour'" in found[0]
    assert "Additional properties are not allowed ('lines'" in found[1]
    assert "not JSON" in found[2]


def test_router_prefers_most_specific_template():
    router = Router()
    assert router.match("/repos/o/r/commits/abc/check-runs").template.endswith("/commits/{ref}/check-runs")
    m = router.match("/repos/o/r/contents/src/pkg/mod.py")
    assert m.template.endswith("/contents/{path}") and m.params["path"] == "src/pkg/mod.py"
    assert router.match("/repos/o/r/git/ref/heads/feature/x").params["ref"] == "heads/feature/x"


# ---------------------------------------------------------------------------------- responses
async def test_responses_satisfy_the_schemas(world):
    """Main endpoints' answers validate against the description's response schemas."""
    fake, repo, pr, s = world
    fake.validate_responses = False   # check independently here, not through the fake's own hook
    router = Router()
    async with s.post(api(fake, "/repos/octo/proj/check-runs"),
                      json={"name": "hyb", "head_sha": pr.head_sha, "status": "in_progress"}) as r:
        run_id = (await r.json())["id"]
    async with s.post(api(fake, "/repos/octo/proj/issues/1/comments"), json={"body": "hi"}) as r:
        comment_id = (await r.json())["id"]
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"), json={
            "event": "COMMENT", "body": "b", "comments": [{"path": "mod.py", "line": 20, "body": "x"}]}) as r:
        assert r.status == 200, await r.text()
    rc_id = next(iter(fake.review_comments))
    calls = [
        ("GET", "/repos/octo/proj", None, 200), ("GET", "/repos/octo/proj/pulls/1", None, 200),
        ("GET", "/repos/octo/proj/pulls", None, 200), ("GET", "/repos/octo/proj/pulls/1/files", None, 200),
        ("GET", "/repos/octo/proj/pulls/1/reviews", None, 200),
        ("GET", "/repos/octo/proj/pulls/1/comments", None, 200),
        ("GET", f"/repos/octo/proj/pulls/comments/{rc_id}", None, 200),
        ("POST", f"/repos/octo/proj/pulls/comments/{rc_id}/reactions", {"content": "eyes"}, 201),
        ("GET", "/repos/octo/proj/issues/1/comments", None, 200),
        ("PATCH", f"/repos/octo/proj/issues/comments/{comment_id}", {"body": "edited"}, 200),
        ("POST", f"/repos/octo/proj/issues/comments/{comment_id}/reactions", {"content": "+1"}, 201),
        ("GET", "/repos/octo/proj/issues/1", None, 200),
        ("POST", "/repos/octo/proj/issues/1/labels", {"labels": ["tf"]}, 200),
        ("PATCH", f"/repos/octo/proj/check-runs/{run_id}", {"conclusion": "success", "output": {
            "title": "t", "summary": "s", "annotations": [{"path": "mod.py", "start_line": 1, "end_line": 1,
                                                           "annotation_level": "warning", "message": "m"}]}}, 200),
        ("GET", f"/repos/octo/proj/check-runs/{run_id}/annotations", None, 200),
        ("GET", f"/repos/octo/proj/commits/{pr.head_sha}/check-runs", None, 200),
        ("GET", f"/repos/octo/proj/commits/{pr.head_sha}", None, 200),
        ("GET", "/repos/octo/proj/compare/main...feature", None, 200),
        ("GET", "/repos/octo/proj/contents/mod.py?ref=feature", None, 200),
        ("GET", "/repos/octo/proj/branches/main", None, 200),
        ("GET", f"/repos/octo/proj/git/trees/{pr.head_sha}?recursive=1", None, 200),
        ("GET", f"/repos/octo/proj/git/commits/{pr.head_sha}", None, 200),
        ("GET", "/repos/octo/proj/git/ref/heads/main", None, 200),
        ("GET", "/repos/octo/proj/git/matching-refs/heads", None, 200),
        ("POST", f"/repos/octo/proj/statuses/{pr.head_sha}", {"state": "success", "context": "hyb"}, 201),
        ("GET", "/repos/octo/proj/collaborators/alice/permission", None, 200),
        ("GET", "/rate_limit", None, 200),
    ]
    for method, path, body, status in calls:
        async with s.request(method, api(fake, path), json=body) as r:
            assert r.status == status, (path, await r.text())
            data = await r.json()
        op = router.operation(method, router.match(path.split("?")[0]).template)
        schema = op.response_schema(status)
        assert schema is not None, path
        errors = [e.message[:120] for e in jsonschema.Draft7Validator(schema).iter_errors(data)]
        assert errors == [], (path, errors)
    assert fake.violations == []


# ---------------------------------------------------------------------------------- files & diffs
def test_patch_format_matches_git():
    patch, adds, dels = unified_patch(b"a\nb\nc\n", b"a\nB\nc")
    assert patch == "@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n+c\n\\ No newline at end of file"
    assert (adds, dels) == (2, 2)
    assert unified_patch(b"", b"x\n")[0] == "@@ -0,0 +1 @@\n+x"


DIFF_CASES = [
    (PY_V1, PY_V2), ("a\nb\nc\n", "a\nB\nc"), ("", "x\n"), ("x\n", ""), ("a\nb", "a\nb\n"),
    ("def f():\n" + "    pass\n" * 9, "def f():\n" + "    pass\n" * 8 + "    return 1\n"),
    ("class A:\n  x\n\n\n\n\n\n  y\n", "class A:\n  X\n\n\n\n\n\n  Y\n"),
]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git binary")
@pytest.mark.parametrize("old,new", DIFF_CASES)
def test_patch_is_byte_identical_to_git_diff(tmp_path, old, new):
    (tmp_path / "a").write_text(old)
    (tmp_path / "b").write_text(new)
    out = subprocess.run(["git", "diff", "--no-index", "--no-color", "a", "b"], cwd=tmp_path,
                         capture_output=True, text=True).stdout
    git_patch = "\n".join(out[out.index("\n@@") + 1:].split("\n")).rstrip("\n")
    assert unified_patch(old.encode(), new.encode())[0] == git_patch


async def test_pr_files_statuses_blob_shas_and_patches(world):
    fake, repo, pr, s = world
    async with s.get(api(fake, "/repos/octo/proj/pulls/1/files")) as r:
        files = {f["filename"]: f for f in await r.json()}
    assert {k: v["status"] for k, v in files.items()} == {"gone.txt": "removed", "mod.py": "modified",
                                                          "new.py": "added"}
    mod = files["mod.py"]
    assert mod["sha"] == blob_sha(PY_V2.encode())
    assert (mod["additions"], mod["deletions"], mod["changes"]) == (2, 1, 3)
    assert re.findall(r"^@@ .*$", mod["patch"], re.M) == ["@@ -3,6 +3,7 @@ line 2", "@@ -17,7 +18,7 @@ line 16"]
    assert "+line twenty" in mod["patch"] and "-line 20" in mod["patch"]


async def test_files_pagination_link_headers_three_pages(fake_github, rsa_keypair):
    fake = fake_github
    repo = fake.add_repo("octo/many")
    fake.commit(repo, {"README": "r\n"})
    fake.commit(repo, {f"f{i:03}.py": f"v = {i}\n" for i in range(250)}, branch="big", parent=repo.branch("main"))
    fake.open_pull_request(repo, "big", "main")
    async with aiohttp.ClientSession() as s:
        s.headers["Authorization"] = "token " + await token_for(fake, s, rsa_keypair.private_pem, repo.installation_id)
        url, names, pages = api(fake, "/repos/octo/many/pulls/1/files?per_page=100"), [], 0
        while url:
            async with s.get(url) as r:
                names += [f["filename"] for f in await r.json()]
                pages += 1
                if pages == 1:
                    assert 'rel="last"' in r.headers["Link"] and "page=3" in r.headers["Link"]
                url = r.links.get("next", {}).get("url")
                url = str(url) if url else None
        assert pages == 3 and len(names) == 250 == len(set(names))
        async with s.get(api(fake, "/repos/octo/many/pulls/1/files")) as r:   # default per_page 30
            assert len(await r.json()) == 30
        async with s.get(api(fake, "/repos/octo/many/pulls/1/files?per_page=500")) as r:   # capped at 100
            assert len(await r.json()) == 100


async def test_files_listing_stops_at_3000(fake_github, rsa_keypair):
    fake = fake_github
    fake.validate_responses = False   # 3,100 schema checks would only slow this test down
    repo = fake.add_repo("octo/huge")
    fake.commit(repo, {"README": "r\n"})
    fake.commit(repo, {f"d/f{i:04}": "x\n" for i in range(3100)}, branch="huge", parent=repo.branch("main"))
    fake.open_pull_request(repo, "huge", "main")
    async with aiohttp.ClientSession() as s:
        s.headers["Authorization"] = "token " + await token_for(fake, s, rsa_keypair.private_pem, repo.installation_id)
        async with s.get(api(fake, "/repos/octo/huge/pulls/1/files?per_page=100&page=30")) as r:
            assert len(await r.json()) == 100 and "next" not in r.links
        async with s.get(api(fake, "/repos/octo/huge/pulls/1/files?per_page=100&page=31")) as r:
            assert await r.json() == []
        async with s.get(api(fake, "/repos/octo/huge/pulls/1")) as r:
            assert (await r.json())["changed_files"] == 3100   # the PR still reports the true count


# ---------------------------------------------------------------------------------- reviews
async def test_review_outside_hunk_fails_whole_request(world):
    fake, repo, pr, s = world
    ok = {"path": "mod.py", "line": 21, "side": "RIGHT", "body": "inside"}  # "+line twenty"
    bad = {"path": "mod.py", "line": 35, "side": "RIGHT", "body": "outside"}
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"),
                      json={"event": "COMMENT", "body": "x", "comments": [ok, bad]}) as r:
        assert r.status == 422
        err = await r.json()
    assert err["errors"] == ["Pull request review thread line must be part of the diff"]
    assert fake.reviews == {} and fake.review_comments == {}
    multi = {"path": "mod.py", "start_line": 3, "line": 9, "body": "range in first hunk"}
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"),
                      json={"event": "COMMENT", "body": "x", "comments": [ok, multi]}) as r:
        assert r.status == 200
        review = await r.json()
    assert review["state"] == "COMMENTED" and review["commit_id"] == pr.head_sha
    async with s.get(api(fake, "/repos/octo/proj/pulls/1/comments")) as r:
        comments = await r.json()
    assert [(c["line"], c["start_line"], c["side"]) for c in comments] == [(21, None, "RIGHT"), (9, 3, "RIGHT")]
    assert comments[0]["diff_hunk"].startswith("@@ -17,7 +18,7 @@ line 16") and comments[0]["diff_hunk"].endswith("+line twenty")
    # a range spanning two hunks, the LEFT side of a deleted line, and a file outside the diff
    span = {"path": "mod.py", "start_line": 5, "line": 20, "body": "two hunks"}
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"), json={"event": "COMMENT", "comments": [span]}) as r:
        assert r.status == 422 and "same hunk" in (await r.json())["errors"][0]
    left = {"path": "gone.txt", "line": 1, "side": "LEFT", "body": "deleted line"}
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"), json={"event": "COMMENT", "comments": [left]}) as r:
        assert r.status == 200
    elsewhere = {"path": "keep.txt", "line": 1, "body": "unchanged file"}
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"), json={"event": "COMMENT", "comments": [elsewhere]}) as r:
        assert r.status == 422


async def test_review_without_event_is_pending_and_only_one_allowed(world):
    fake, _, _, s = world
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"), json={"body": "draft"}) as r:
        data = await r.json()
        assert data["state"] == "PENDING" and "submitted_at" not in data
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/reviews"), json={"body": "again"}) as r:
        assert r.status == 422


# ---------------------------------------------------------------------------------- git data
async def test_git_data_round_trip_and_tarball(world):
    fake, repo, pr, s = world
    root = f"/repos/octo/proj"
    async with s.post(api(fake, root + "/git/blobs"),
                      json={"content": base64.b64encode(b"\x00bin").decode(), "encoding": "base64"}) as r:
        assert r.status == 201
        bin_sha = (await r.json())["sha"]
    assert bin_sha == blob_sha(b"\x00bin")
    base_tree = fake.store.commits[pr.head_sha].tree
    async with s.post(api(fake, root + "/git/trees"), json={"base_tree": base_tree, "tree": [
            {"path": "pkg/data.bin", "mode": "100644", "type": "blob", "sha": bin_sha},
            {"path": "pkg/fixed.py", "mode": "100644", "type": "blob", "content": "y = 2\n"},
            {"path": "new.py", "mode": "100644", "type": "blob", "sha": None}]}) as r:
        assert r.status == 201
        tree_sha = (await r.json())["sha"]
    async with s.post(api(fake, root + "/git/commits"),
                      json={"message": "fix", "tree": tree_sha, "parents": [pr.head_sha]}) as r:
        commit_sha = (await r.json())["sha"]
    async with s.patch(api(fake, root + "/git/refs/heads/feature"), json={"sha": commit_sha}) as r:
        assert r.status == 200
    assert pr.head_sha == commit_sha                   # the PR follows its head branch
    async with s.get(api(fake, root + "/pulls/1")) as r:
        assert (await r.json())["head"]["sha"] == commit_sha
    async with s.get(api(fake, f"{root}/git/trees/{tree_sha}?recursive=1")) as r:
        paths = {e["path"]: e["type"] for e in (await r.json())["tree"]}
    assert paths["pkg"] == "tree" and "pkg/fixed.py" in paths and "new.py" not in paths
    async with s.get(api(fake, f"{root}/tarball/{commit_sha}")) as r:
        assert r.status == 200
        tar = tarfile.open(fileobj=io.BytesIO(await r.read()), mode="r:gz")
    top = f"octo-proj-{commit_sha[:7]}/"
    members = {m.name: m for m in tar.getmembers()}
    assert tar.pax_headers["comment"] == commit_sha
    assert tar.extractfile(members[top + "pkg/data.bin"]).read() == b"\x00bin"
    assert tar.extractfile(members[top + "mod.py"]).read() == PY_V2.encode()
    assert top + "new.py" not in members
    # a non-fast-forward update is refused unless forced; create/delete refs
    async with s.patch(api(fake, root + "/git/refs/heads/feature"), json={"sha": repo.branch("main")}) as r:
        assert r.status == 422 and (await r.json())["message"] == "Update is not a fast forward"
    async with s.post(api(fake, root + "/git/refs"), json={"ref": "refs/heads/tmp", "sha": commit_sha}) as r:
        assert r.status == 201
    async with s.post(api(fake, root + "/git/refs"), json={"ref": "refs/heads/tmp", "sha": commit_sha}) as r:
        assert r.status == 422
    async with s.delete(api(fake, root + "/git/refs/heads/tmp")) as r:
        assert r.status == 204 and "refs/heads/tmp" not in repo.refs


async def test_push_helper_moves_pr_and_contents_reads_it(world):
    fake, repo, pr, s = world
    new = fake.push(repo, "feature", {"mod.py": "changed\n"})
    assert pr.head_sha == new
    async with s.get(api(fake, "/repos/octo/proj/contents/mod.py?ref=feature")) as r:
        data = await r.json()
    assert base64.b64decode(data["content"]) == b"changed\n" and data["sha"] == blob_sha(b"changed\n")
    async with s.get(api(fake, "/repos/octo/proj/contents/mod.py?ref=feature"),
                     headers={"Accept": "application/vnd.github.raw+json"}) as r:
        assert await r.read() == b"changed\n"


# ---------------------------------------------------------------------------------- checks
async def test_check_run_annotations_accumulate(world):
    fake, repo, pr, s = world
    ann = {"path": "mod.py", "start_line": 1, "end_line": 1, "annotation_level": "warning", "message": "m"}
    async with s.post(api(fake, "/repos/octo/proj/check-runs"), json={
            "name": "hyb", "head_sha": pr.head_sha, "output": {"title": "t", "summary": "s", "annotations": [ann] * 50}}) as r:
        run = await r.json()
    async with s.patch(api(fake, f"/repos/octo/proj/check-runs/{run['id']}"),
                       json={"conclusion": "neutral", "output": {"title": "t", "summary": "s", "annotations": [ann] * 7}}) as r:
        done = await r.json()
    assert done["status"] == "completed" and done["output"]["annotations_count"] == 57
    async with s.patch(api(fake, f"/repos/octo/proj/check-runs/{run['id']}"),
                       json={"output": {"title": "t", "summary": "s", "annotations": [ann] * 51}}) as r:
        assert r.status == 422                                  # maxItems 50 per request
    assert "annotations" in fake.take_violations()[0]


# ---------------------------------------------------------------------------------- auth
async def test_auth_bad_jwt_expired_token_good_token(fake_github, rsa_keypair):
    fake = fake_github
    repo = fake.add_repo("octo/auth")
    fake.commit(repo, {"a": "b\n"})
    url = api(fake, f"/app/installations/{repo.installation_id}/access_tokens")
    other_key = jwt.encode({"iat": int(time.time()) - 60, "exp": int(time.time()) + 300, "iss": str(APP_ID)},
                           _other_private_key(), algorithm="RS256")
    too_long = app_jwt(rsa_keypair.private_pem, lifetime_s=3600)
    wrong_iss = app_jwt(rsa_keypair.private_pem, app_id=999)
    async with aiohttp.ClientSession() as s:
        for bad in (other_key, too_long, wrong_iss, "not-a-jwt"):
            async with s.post(url, headers={"Authorization": f"Bearer {bad}"}) as r:
                assert r.status == 401, bad
        assert fake.tokens_issued == 0
        async with s.post(url, headers={"Authorization": f"Bearer {app_jwt(rsa_keypair.private_pem)}"}) as r:
            grant = await r.json()
        assert set(grant) >= {"token", "expires_at", "permissions", "repository_selection"}
        assert fake.tokens_issued == 1
        async with s.get(api(fake, "/repos/octo/auth"), headers={"Authorization": f"token {grant['token']}"}) as r:
            assert r.status == 200
        async with s.get(api(fake, "/repos/octo/auth"), headers={"Authorization": "token ghs_unknown"}) as r:
            assert r.status == 401 and (await r.json())["message"] == "Bad credentials"
        async with s.get(api(fake, "/repos/octo/auth")) as r:
            assert r.status == 401
        fake.expire_tokens()
        async with s.get(api(fake, "/repos/octo/auth"), headers={"Authorization": f"Bearer {grant['token']}"}) as r:
            assert r.status == 401


def _other_private_key() -> bytes:
    from tests.fakegithub.fixtures import make_keypair
    return make_keypair().private_pem


async def test_through_gidgethub_with_real_jwt(world, rsa_keypair):
    fake, repo, pr, _ = world
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "hybridize-bot-test", base_url=fake.base_url)
        app = await gh.getitem("/app", jwt=app_jwt(rsa_keypair.private_pem))
        assert app["id"] == APP_ID
        grant = await gh.post(f"/app/installations/{repo.installation_id}/access_tokens", data=b"",
                              jwt=app_jwt(rsa_keypair.private_pem))
        files = [f async for f in gh.getiter("/repos/octo/proj/pulls/1/files?per_page=1", oauth_token=grant["token"])]
        assert [f["filename"] for f in files] == ["gone.txt", "mod.py", "new.py"]
        comment = await gh.post("/repos/octo/proj/issues/1/comments", data={"body": "hello"},
                                oauth_token=grant["token"])
        assert comment["user"]["login"] == "hybridize-bot[bot]" and comment["user"]["type"] == "Bot"
        with pytest.raises(BadRequest) as exc:
            await gh.post("/repos/octo/proj/issues/1/comments", data={"bdy": "typo"}, oauth_token=grant["token"])
        assert exc.value.status_code == 422
    assert len(fake.take_violations()) == 1


# ---------------------------------------------------------------------------------- faults
async def test_faults_each_kind(world):
    fake, repo, pr, s = world
    url = api(fake, "/repos/octo/proj/pulls/1")
    fake.inject("GET", r"/pulls/1$", status=502, times=2)
    fake.inject("GET", r"/pulls/1$", status=429, headers={"retry-after": "1"})
    secondary = fake.inject("GET", r"/pulls/1$", status=403, headers={"retry-after": "2"},
                            body={"message": "You have exceeded a secondary rate limit"})
    reset_at = str(int(time.time()) + 60)
    fake.inject("GET", r"/pulls/1$", status=403, headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset_at},
                body={"message": "API rate limit exceeded"})
    seen = []
    for _ in range(5):
        async with s.get(url) as r:
            seen.append((r.status, r.headers.get("retry-after"), r.headers.get("x-ratelimit-remaining"),
                         (await r.json())["message"]))
    assert [x[0] for x in seen] == [502, 502, 429, 403, 403]
    assert seen[2][1] == "1" and seen[3][1] == "2" and "secondary rate limit" in seen[3][3]
    assert seen[4][2] == "0"
    assert secondary.fired == 1 and fake.faults.fired == 5
    async with s.get(url) as r:
        assert r.status == 200                                  # faults are used up
    fake.inject("GET", r"/pulls/1$", status=None, delay=0.3)
    t0 = time.monotonic()
    async with s.get(url) as r:
        assert r.status == 200 and time.monotonic() - t0 >= 0.3
    fake.inject("GET", r"/pulls/1$", status=None, delay=2.0)
    with pytest.raises(asyncio.TimeoutError):
        async with s.get(url, timeout=aiohttp.ClientTimeout(total=0.2)):
            pass
    # aiohttp silently retries an idempotent request once when a *pooled* connection drops, so
    # two resets are needed before the client sees the failure.
    reset = fake.inject("GET", r"/pulls/1$", reset_connection=True, times=2)
    with pytest.raises(aiohttp.ClientConnectionError):
        async with s.get(url) as r:
            await r.read()
    assert reset.fired == 2
    async with s.get(url) as r:
        assert r.status == 200
    assert fake.faults.pending() == []


# ---------------------------------------------------------------------------------- misc state
async def test_permissions_labels_statuses_and_comment_edits(world):
    fake, repo, pr, s = world
    fake.set_permission(repo, "bob", "write")
    fake.user("carol")
    perms = {}
    for login in ("octo", "bob", "carol"):
        async with s.get(api(fake, f"/repos/octo/proj/collaborators/{login}/permission")) as r:
            perms[login] = (await r.json())["permission"]
    assert perms == {"octo": "admin", "bob": "write", "carol": "read"}
    async with s.post(api(fake, "/repos/octo/proj/issues/1/comments"), json={"body": "v1"}) as r:
        cid = (await r.json())["id"]
    async with s.patch(api(fake, f"/repos/octo/proj/issues/comments/{cid}"), json={"body": "v2"}) as r:
        assert (await r.json())["body"] == "v2"
    assert fake.issue_comments[cid].body == "v2"
    async with s.delete(api(fake, f"/repos/octo/proj/issues/comments/{cid}")) as r:
        assert r.status == 204 and cid not in fake.issue_comments
    async with s.post(api(fake, "/repos/octo/proj/issues/1/labels"), json={"labels": ["a", "b"]}) as r:
        assert [lb["name"] for lb in await r.json()] == ["a", "b"]
    assert pr.issue.labels == ["a", "b"]
    async with s.post(api(fake, f"/repos/octo/proj/statuses/{pr.head_sha}"),
                      json={"state": "pending", "context": "hyb"}) as r:
        assert r.status == 201
    assert fake.statuses[-1].state == "pending"
    other = fake.add_repo("someone/else")     # installed elsewhere: this token cannot see it
    fake.commit(other, {"a": "b"})
    async with s.get(api(fake, "/repos/someone/else")) as r:
        assert r.status == 404


# ---------------------------------------------------------------------------------- the fixture
INNER_TEST = '''
import aiohttp

async def test_breaks_the_contract(fake_github):
    async with aiohttp.ClientSession() as s:
        async with s.get(fake_github.base_url + "/repos/o/r/frobnicate") as r:
            assert r.status == 404

async def test_keeps_the_contract(fake_github):
    async with aiohttp.ClientSession() as s:
        async with s.get(fake_github.base_url + "/rate_limit") as r:
            assert r.status == 200
'''


def test_fixture_fails_the_test_at_teardown_on_violations(tmp_path):
    repo_root = Path(__file__).resolve().parents[1]
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_inner.py"), "-q", "-p", "tests.fakegithub.fixtures",
         "-p", "no:cacheprovider", "-o", "asyncio_mode=auto", "--rootdir", str(tmp_path)],
        cwd=repo_root, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(repo_root)})
    out = proc.stdout + proc.stderr
    # the call itself passed; the teardown turned it into an error and the run fails
    assert proc.returncode == 1 and "2 passed, 1 error" in out, out
    assert "ERROR at teardown of test_breaks_the_contract" in out
    assert "no such path in the OpenAPI description" in out


async def test_primary_rate_limit_exhaustion(world):
    fake, _, _, s = world
    fake.rate_used = 4999
    async with s.get(api(fake, "/repos/octo/proj")) as r:
        assert r.status == 200 and r.headers["x-ratelimit-remaining"] == "0"
    async with s.get(api(fake, "/repos/octo/proj")) as r:
        assert r.status == 403 and r.headers["x-ratelimit-remaining"] == "0"
        assert "rate limit exceeded" in (await r.json())["message"]
        assert int(r.headers["x-ratelimit-reset"]) > time.time()


async def test_more_endpoints_round_trip(world, rsa_keypair):
    """Create/patch PRs, review-comment lifecycle and replies, blobs, installation lookups."""
    fake, repo, pr, s = world
    fake.commit(repo, {"other.py": "o = 1\n"}, branch="topic", parent=repo.branch("main"))
    async with s.post(api(fake, "/repos/octo/proj/pulls"),
                      json={"title": "T", "head": "topic", "base": "main", "draft": True}) as r:
        assert r.status == 201
        created = await r.json()
    assert created["number"] == 2 and created["draft"] and created["user"]["type"] == "Bot"
    async with s.patch(api(fake, "/repos/octo/proj/pulls/2"), json={"state": "closed", "title": "T2"}) as r:
        assert (await r.json())["state"] == "closed"
    async with s.get(api(fake, "/repos/octo/proj/pulls?state=all&head=octo:topic")) as r:
        assert [p["number"] for p in await r.json()] == [2]
    async with s.get(api(fake, "/repos/octo/proj/pulls")) as r:
        assert [p["number"] for p in await r.json()] == [1]
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/comments"), json={
            "body": "c", "commit_id": pr.head_sha, "path": "new.py", "line": 1, "side": "RIGHT"}) as r:
        assert r.status == 201, await r.text()
        rc = await r.json()
    assert rc["position"] == 1 and rc["pull_request_review_id"] in fake.reviews
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/comments"), json={
            # the description requires commit_id and path even for a reply (GitHub then ignores them)
            "body": "reply", "in_reply_to": rc["id"], "commit_id": pr.head_sha, "path": "new.py"}) as r:
        reply = await r.json()
    assert reply["in_reply_to_id"] == rc["id"] and reply["path"] == "new.py"
    async with s.patch(api(fake, f"/repos/octo/proj/pulls/comments/{rc['id']}"), json={"body": "c2"}) as r:
        assert (await r.json())["body"] == "c2"
    async with s.delete(api(fake, f"/repos/octo/proj/pulls/comments/{rc['id']}")) as r:
        assert r.status == 204
    async with s.get(api(fake, "/repos/octo/proj/pulls/1/comments")) as r:
        assert [c["body"] for c in await r.json()] == ["reply"]
    async with s.post(api(fake, "/repos/octo/proj/pulls/1/comments"), json={
            "body": "whole file", "commit_id": pr.head_sha, "path": "gone.txt", "subject_type": "file"}) as r:
        assert r.status == 201
        file_comment = await r.json()
    assert file_comment["subject_type"] == "file" and "line" not in file_comment
    async with s.get(api(fake, "/repos/octo/proj/pulls/1/reviews")) as r:
        assert len(await r.json()) == 3
    blob = fake.store.files_at(pr.head_sha)["mod.py"][1]
    async with s.get(api(fake, f"/repos/octo/proj/git/blobs/{blob}")) as r:
        assert base64.b64decode((await r.json())["content"]) == PY_V2.encode()
    bearer = {"Authorization": f"Bearer {app_jwt(rsa_keypair.private_pem)}"}
    async with s.get(api(fake, "/repos/octo/proj/installation"), headers=bearer) as r:
        assert (await r.json())["id"] == repo.installation_id
    async with s.get(api(fake, f"/app/installations/{repo.installation_id}"), headers=bearer) as r:
        assert (await r.json())["account"]["login"] == "octo"
    async with s.get(api(fake, "/repos/octo/proj/installation")) as r:     # a token is not a JWT
        assert r.status == 401


async def test_fork_pull_request_and_diff_media_type(world):
    fake, repo, _, s = world
    fork = fake.add_repo("mallory/proj", installed=False)
    fake.commit(fork, {"mod.py": PY_V1 + "evil = 1\n"}, branch="patch-1", parent=repo.branch("main"))
    pr = fake.open_pull_request(repo, "patch-1", "main", head_repo=fork, user_login="mallory")
    async with s.get(api(fake, f"/repos/octo/proj/pulls/{pr.number}")) as r:
        data = await r.json()
    assert data["head"]["repo"]["full_name"] == "mallory/proj" and data["base"]["repo"]["full_name"] == "octo/proj"
    new_head = fake.push(fork, "patch-1", {"second.py": "2\n"})
    async with s.get(api(fake, f"/repos/octo/proj/pulls/{pr.number}/files")) as r:
        assert {f["filename"] for f in await r.json()} == {"mod.py", "second.py"}
    async with s.get(api(fake, f"/repos/octo/proj/tarball/{new_head}")) as r:   # fork commits via the base repo
        assert r.status == 200
    async with s.get(api(fake, f"/repos/octo/proj/pulls/{pr.number}"),
                     headers={"Accept": "application/vnd.github.diff"}) as r:
        text = await r.text()
    assert "diff --git a/mod.py b/mod.py" in text and "+evil = 1" in text
    async with s.get(api(fake, "/repos/mallory/proj")) as r:           # not installed there
        assert r.status == 404


async def test_token_permissions_are_enforced(fake_github, rsa_keypair):
    fake = fake_github
    fake.add_installation(77, "readonly", permissions={"metadata": "read", "contents": "read",
                                                        "pull_requests": "read"})
    repo = fake.add_repo("readonly/proj", installation_id=77)
    fake.commit(repo, {"a.py": "a = 1\n"})
    async with aiohttp.ClientSession() as s:
        s.headers["Authorization"] = "token " + await token_for(fake, s, rsa_keypair.private_pem, 77)
        async with s.get(api(fake, "/repos/readonly/proj/contents/a.py")) as r:
            assert r.status == 200
        async with s.post(api(fake, "/repos/readonly/proj/git/blobs"), json={"content": "x"}) as r:
            assert r.status == 403 and (await r.json())["message"] == "Resource not accessible by integration"
        async with s.post(api(fake, "/repos/readonly/proj/check-runs"),
                          json={"name": "hyb", "head_sha": repo.branch("main")}) as r:
            assert r.status == 403
        # asking for more than the installation has is refused when the token is made
        async with s.post(api(fake, "/app/installations/77/access_tokens"),
                          headers={"Authorization": f"Bearer {app_jwt(rsa_keypair.private_pem)}"},
                          json={"permissions": {"contents": "write"}}) as r:
            assert r.status == 422
