"""The GitHub gateway against the fake GitHub over real HTTP: each write is keyed, so a retried or
re-run job finds what an earlier attempt wrote instead of writing it twice (issue 13). Also: the
gateway is the only code of the App that writes to GitHub."""
from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import pytest

from hybridize_bot.bot.github import GitHubClient, RetryPolicy
from hybridize_bot.bot.publish.gateway import Gateway
from hybridize_bot.bot.publish.identity import BotIdentity
from hybridize_bot.bot.publish.threads import REVIEW_THREADS_QUERY
from tests.fakegithub import FakeGitHub
from tests.fakegithub.fixtures import APP_ID, app_jwt
from tests.fakegithub.state import CheckRun, ReviewComment

ME = BotIdentity(str(APP_ID), "hybridize-bot")
BOT_DIR = Path(__file__).resolve().parents[2] / "bot"


@pytest.fixture
async def world(fake_github, rsa_keypair):
    fake: FakeGitHub = fake_github
    fake.add_installation(100, "octo")
    repo = fake.add_repo("octo/proj")
    main = fake.commit(repo, {"m.py": "x = 1\n"}, message="init")
    fake.commit(repo, {"m.py": "x = 2\n"}, branch="feature", parent=main, message="work")
    pr = fake.open_pull_request(repo, "feature")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{fake.base_url}/app/installations/100/access_tokens",
                                headers={"Authorization": f"Bearer {app_jwt(rsa_keypair.private_pem)}"}) as r:
            token = (await r.json())["token"]

        async def authorization() -> str:
            return f"token {token}"

        gh = GitHubClient(session, "test", base_url=fake.base_url, authorization=authorization)
        yield fake, repo, pr, gh


async def test_a_run_left_in_progress_by_a_killed_attempt_is_reused(world):
    fake, repo, pr, gh = world
    dead = CheckRun(repo, "hybridize", pr.head_sha, status="in_progress", external_id=f"{pr.number}:{pr.head_sha}")
    fake.check_runs[dead.id] = dead
    runs = [{"id": dead.id, "status": "in_progress", "external_id": dead.external_id}]
    run = await Gateway(gh, "octo", "proj").open_check_run(pr.number, pr.head_sha, runs)
    assert run["id"] == dead.id
    assert fake.requests_to("POST", r"/check-runs$") == []


async def test_a_left_run_that_already_holds_annotations_is_cancelled_not_reused(world):
    # The earlier attempt sent one batch of annotations before it died: GitHub appends every update's
    # annotations, so completing that run would show them twice.
    fake, repo, pr, gh = world
    dead = CheckRun(repo, "hybridize", pr.head_sha, status="in_progress", external_id=f"{pr.number}:{pr.head_sha}")
    dead.annotations.append({"path": "m.py", "start_line": 1, "end_line": 1, "annotation_level": "warning",
                             "message": "x"})
    fake.check_runs[dead.id] = dead
    runs = [{"id": dead.id, "status": "in_progress", "external_id": dead.external_id,
             "output": {"title": "Analyzing", "summary": "Analysis in progress.", "annotations_count": 1}}]
    run = await Gateway(gh, "octo", "proj").open_check_run(pr.number, pr.head_sha, runs)
    assert run["id"] != dead.id
    assert (dead.status, dead.conclusion) == ("completed", "cancelled")
    assert fake.check_runs[run["id"]].annotations == [] and fake.check_runs[run["id"]].status == "in_progress"
    assert len(fake.requests_to("POST", r"/check-runs$")) == 1


async def test_a_new_run_carries_its_key(world):
    fake, repo, pr, gh = world
    run = await Gateway(gh, "octo", "proj").open_check_run(pr.number, pr.head_sha, [])
    assert fake.check_runs[run["id"]].external_id == f"{pr.number}:{pr.head_sha}"
    assert fake.check_runs[run["id"]].status == "in_progress"


async def test_opening_the_same_follow_up_twice_returns_the_open_one(world):
    fake, repo, pr, gh = world
    fake.set_branch(repo, "hybridize/pr-1", pr.head_sha)
    gateway = Gateway(gh, "octo", "proj")

    async def find_open():
        return [p async for p in gh.getiter("/repos/octo/proj/pulls{?head,state}",
                                            url_vars={"head": "octo:hybridize/pr-1", "state": "open"})]

    first = await gateway.create_pull(head="hybridize/pr-1", base="main", title="t", body="b", find_open=find_open)
    again = await gateway.create_pull(head="hybridize/pr-1", base="main", title="t", body="b", find_open=find_open)
    assert again["number"] == first["number"]
    assert len(await find_open()) == 1


async def test_a_ref_moved_since_it_was_read_is_not_overwritten(world):
    fake, repo, pr, gh = world
    gateway = Gateway(gh, "octo", "proj")
    older, newer = repo.branch("main"), pr.head_sha

    async def current():
        return repo.branch("hybridize/pr-1")

    assert await gateway.move_ref("hybridize/pr-1", older, expected=None, current=current)
    assert not await gateway.move_ref("hybridize/pr-1", newer, expected=None, current=current)  # exists now
    fake.set_branch(repo, "hybridize/pr-1", newer)  # another worker moved it
    assert not await gateway.move_ref("hybridize/pr-1", older, expected=older, current=current)
    assert repo.branch("hybridize/pr-1") == newer
    assert await gateway.move_ref("hybridize/pr-1", older, expected=newer, current=current)
    assert repo.branch("hybridize/pr-1") == older


def _comment(fake, repo, pr, user, *, reply_to=None, line=1):
    c = ReviewComment(repo, pr.number, "m.py", "text", user, pr.head_sha, line, "RIGHT", position=1,
                      in_reply_to_id=reply_to)
    fake.review_comments[c.id] = c
    return c


async def test_threads_are_resolved_only_when_nobody_but_the_bot_wrote_in_them(world):
    fake, repo, pr, gh = world
    alice = fake.user("alice")
    quiet = _comment(fake, repo, pr, fake.bot_user)
    answered = _comment(fake, repo, pr, fake.bot_user, line=2)
    _comment(fake, repo, pr, alice, reply_to=answered.id)
    done = _comment(fake, repo, pr, fake.bot_user, line=3)
    fake.resolved_threads[done.id] = alice
    theirs = _comment(fake, repo, pr, alice, line=4)
    gateway = Gateway(gh, "octo", "proj")
    roots = [quiet.id, answered.id, done.id, theirs.id]
    assert await gateway.resolve_threads(pr.number, roots, ME) == 1
    assert fake.resolved_threads == {quiet.id: fake.bot_user, done.id: alice}
    assert await gateway.resolve_threads(pr.number, roots, ME) == 0  # a re-run resolves nothing twice
    assert len(fake.requests_to("POST", r"^/graphql$")) == 3  # query + mutation, then the query only


async def test_the_fake_rejects_a_query_outside_the_schema(world):
    fake, repo, pr, gh = world
    data = await gh.graphql(REVIEW_THREADS_QUERY, owner="octo", name="proj", number=pr.number, after=None)
    assert data["repository"]["pullRequest"]["reviewThreads"]["nodes"] == []
    with pytest.raises(Exception, match="Cannot query field 'isMinimized'"):
        await gh.graphql("query { repository(owner: \"octo\", name: \"proj\") { isMinimized } }")
    assert len(fake.violations) == 1 and "invalid against the schema subset" in fake.violations[0]
    fake.violations.clear()  # recorded as it should be; the fixture would fail the test on it


# A write is a call of post/patch/put/delete/graphql on a GitHub client: `gh.post(`, `self.gh.patch(`, or
# any call of `graphql(` (the definitions in the Protocol and the client are not calls).
_WRITE = re.compile(r"\bgh\.(post|patch|put|delete|graphql)\(|(?<!def )\bgraphql\(")


def test_only_the_gateway_writes_to_github():
    writers = sorted(str(p.relative_to(BOT_DIR)) for p in BOT_DIR.rglob("*.py") if _WRITE.search(p.read_text()))
    # github.py defines the client (its graphql method); the gateway is the only caller of writes.
    assert writers == ["github.py", "publish/gateway.py"]


# ---------------------------------------------------------------- writes GitHub carried out, then answered 502
# (issue 13): each kind of write under that fault yields exactly one resource, and the gateway says it
# succeeded. The fake applies the request, then answers 502 (`after_apply`).

async def test_a_check_run_whose_answer_was_lost_exists_once(world):
    fake, repo, pr, gh = world
    fake.inject("POST", r"/check-runs$", status=502, after_apply=True)
    run = await Gateway(gh, "octo", "proj").open_check_run(pr.number, pr.head_sha, [])
    on_head = [r for r in fake.check_runs.values() if r.head_sha == pr.head_sha]
    assert [r.id for r in on_head] == [run["id"]]
    assert on_head[0].external_id == f"{pr.number}:{pr.head_sha}"
    assert len(fake.requests_to("POST", r"/check-runs$")) == 1


async def test_a_review_whose_answer_was_lost_is_posted_once(world):
    fake, repo, pr, gh = world
    fake.inject("POST", r"/pulls/\d+/reviews$", status=502, after_apply=True)
    body = "finding <!-- hybridize-bot:fp=0123456789abcdef -->"
    await Gateway(gh, "octo", "proj")._post_review(pr.number, {
        "commit_id": pr.head_sha, "event": "COMMENT", "body": "1 comment",
        "comments": [{"path": "m.py", "line": 1, "side": "RIGHT", "body": body}]})
    assert len(fake.reviews) == 1
    assert [c.body for c in fake.review_comments.values()] == [body]


async def test_an_issue_comment_whose_answer_was_lost_is_posted_once(world):
    fake, repo, pr, gh = world
    fake.inject("POST", r"/issues/\d+/comments$", status=502, after_apply=True)
    created = await Gateway(gh, "octo", "proj").create_issue_comment(pr.number, "done <!-- hybridize-bot:reply-to=7 -->")
    assert [c.id for c in fake.issue_comments.values()] == [created["id"]]


async def test_a_pull_request_whose_answer_was_lost_is_opened_once(world):
    fake, repo, pr, gh = world
    fake.set_branch(repo, "hybridize/pr-1", pr.head_sha)
    fake.inject("POST", r"/pulls$", status=502, after_apply=True)

    async def find_open():
        return [p async for p in gh.getiter("/repos/octo/proj/pulls{?head,state}",
                                            url_vars={"head": "octo:hybridize/pr-1", "state": "open"})]

    opened = await Gateway(gh, "octo", "proj").create_pull(head="hybridize/pr-1", base="main", title="t", body="b",
                                                           find_open=find_open)
    followups = [i for i in fake.issues.values() if i.pull is not None and i.pull.head_ref == "hybridize/pr-1"]
    assert [i.number for i in followups] == [opened["number"]]


async def test_a_branch_whose_answer_was_lost_counts_as_created(world):
    fake, repo, pr, gh = world
    fake.inject("POST", r"/git/refs$", status=502, after_apply=True)

    async def current():
        return repo.branch("hybridize/pr-1")

    # Created by the first request; before the fix the retry got 422 "already exists" and said False.
    assert await Gateway(gh, "octo", "proj").move_ref("hybridize/pr-1", pr.head_sha, expected=None, current=current)
    assert repo.branch("hybridize/pr-1") == pr.head_sha
    assert len(fake.requests_to("POST", r"/git/refs$")) == 1


async def test_a_write_that_never_happened_is_retried_after_the_lookup(world):
    fake, repo, pr, gh = world
    gh.retry = RetryPolicy(base_delay_s=0.001)
    fake.inject("POST", r"/issues/\d+/comments$", status=502)  # refused, not carried out
    await Gateway(gh, "octo", "proj").create_issue_comment(pr.number, "hello")
    assert [c.body for c in fake.issue_comments.values()] == ["hello"]
    assert len(fake.requests_to("POST", r"/issues/\d+/comments$")) == 2
    assert len(fake.requests_to("GET", r"/issues/\d+/comments$")) == 1
