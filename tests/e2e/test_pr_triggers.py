"""Which events lead to a review, and what happens when things go wrong on the way."""
from __future__ import annotations

import asyncio

import pytest

from .expect import PR
from .project import BASE_FILES, PR_FILES


def open_pr(fake, **kw):
    repo = fake.add_repo("octo/tiny-tf")
    main = fake.commit(repo, BASE_FILES, message="base")
    fake.commit(repo, PR_FILES, branch="feature", parent=main, message="feature")
    return fake.open_pull_request(repo, "feature", **kw)


async def test_draft_is_skipped_until_ready_for_review(env):
    fake, bot = env
    pr = open_pr(fake, draft=True)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    assert bot.check_runs() == [] and bot.review_comments(pr) == [] and bot.issue_comments(pr) == []
    pr.draft = False
    await bot.deliver("pull_request", bot.pull_request_event(pr, "ready_for_review"))
    (run,) = bot.check_runs(pr.head_sha)
    assert run.status == "completed" and len(bot.review_comments(pr)) == len(PR.new)


async def test_drafts_are_reviewed_when_the_base_config_says_so(env):
    fake, bot = env
    repo = fake.add_repo("octo/tiny-tf")
    main = fake.commit(repo, {**BASE_FILES, "pyproject.toml": b"[tool.hybridize.bot]\nskip-drafts = false\n"})
    fake.commit(repo, PR_FILES, branch="feature", parent=main)
    pr = fake.open_pull_request(repo, "feature", draft=True)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    assert len(bot.check_runs(pr.head_sha)) == 1


async def test_pull_request_from_a_bot_account_is_skipped(env):
    fake, bot = env
    pr = open_pr(fake, user_login="dependabot[bot]", user_type="Bot")
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    assert bot.check_runs() == [] and bot.review_comments(pr) == []
    assert not fake.requests_to("POST", r"^/repos/")  # nothing written to the repository


async def test_job_for_a_stale_head_is_dropped(env):
    fake, bot = env
    pr = open_pr(fake)
    stale = bot.pull_request_event(pr, "opened")
    fake.push(pr.repo, "feature", {"README.md": b"moved on\n"})
    await bot.deliver("pull_request", stale)
    assert bot.check_runs() == [] and bot.review_comments(pr) == []
    await bot.deliver("pull_request", bot.pull_request_event(pr, "synchronize"))
    (run,) = bot.check_runs()
    assert run.head_sha == pr.head_sha


# Only the review feature, so that the injected faults hit its requests and the counts are exact.
@pytest.mark.parametrize("env", [{"PULLS_ONLY": "1"}], indirect=True)
async def test_502_from_github_is_retried(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.inject("POST", r"/check-runs$", 502, times=1)
    fake.inject("GET", r"/pulls/\d+/files$", 502, times=2)
    fake.inject("GET", r"/tarball/", 503, times=1)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    assert len(fake.requests_to("POST", r"/check-runs$")) == 2
    assert len(fake.requests_to("GET", r"/pulls/\d+/files$")) == 3
    assert len(fake.requests_to("GET", r"/tarball/")) == 2  # the cold tree's archive, asked again
    assert fake.requests_to("GET", r"/git/blobs/") == []
    (run,) = bot.check_runs()  # the failed POST created nothing
    assert run.status == "completed" and len(bot.review_comments(pr)) == len(PR.new)
    assert fake.faults.pending() == []


async def test_unsigned_or_wrongly_signed_request_does_nothing(env):
    fake, bot = env
    pr = open_pr(fake)
    payload = bot.pull_request_event(pr, "opened")
    sent = await bot.send("pull_request", payload, signed=False)
    assert sent.status == 401
    assert await bot.queue.get(sent.delivery) is None
    assert fake.requests == []


async def test_check_suite_requested_reviews_its_pull_requests_once(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("check_suite", bot.check_suite_event(pr, "requested"))
    (run,) = bot.check_runs(pr.head_sha)
    exp = PR
    assert run.conclusion == exp.conclusion and len(bot.review_comments(pr)) == len(exp.new)
    # The pull_request event of the same push arrives too: the head is already reviewed.
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    assert len(bot.check_runs(pr.head_sha)) == 1


async def test_rerequest_of_another_apps_check_is_ignored(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("check_run", bot.check_run_event(pr, 1, name="some-other-ci"))
    assert bot.check_runs() == []


@pytest.mark.parametrize("env", [{"ANALYSIS_TIMEOUT": "0.001"}], indirect=True)
async def test_analysis_time_limit_completes_the_check_run_timed_out(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    assert run.status == "completed" and run.conclusion == "timed_out"
    assert "did not finish within 0.001 s" in run.output["summary"]
    assert bot.review_comments(pr) == []


async def test_a_job_that_fails_half_way_cancels_its_run_and_the_retry_publishes_once(env):
    fake, bot = env
    pr = open_pr(fake)
    # Every attempt of the client (1 + GITHUB_MAX_RETRIES) fails: the job fails and is retried by the queue.
    retries = bot.settings.github_max_retries
    fake.inject("POST", r"/pulls/\d+/reviews$", 500, times=retries + 1)
    sent = await bot.send("pull_request", bot.pull_request_event(pr, "opened"))
    row = await bot.wait_done(sent.delivery)
    assert row["state"] == "done" and row["attempts"] == 2
    first, second = sorted(bot.check_runs(pr.head_sha), key=lambda r: r.id)
    assert (first.status, first.conclusion) == ("completed", "cancelled")
    assert "internal error" in first.output["summary"]
    exp = PR
    assert (second.status, second.conclusion) == ("completed", exp.conclusion)
    assert len(bot.review_comments(pr)) == len(exp.new) and len(fake.reviews) == 1
    assert len(bot.issue_comments(pr)) == 1


@pytest.mark.parametrize("env", [{"WORKERS": "2"}], indirect=True)
async def test_concurrent_deliveries_for_one_pull_request_are_serialized(env):
    fake, bot = env
    pr = open_pr(fake)
    # A push sends both pull_request.synchronize and check_suite.requested; two workers take them
    # at once. The per-PR lock makes the second see the finished review instead of racing it.
    sent = await asyncio.gather(bot.send("pull_request", bot.pull_request_event(pr, "synchronize")),
                                bot.send("check_suite", bot.check_suite_event(pr, "requested")))
    for s in sent:
        assert s.status == 202 and (await bot.wait_done(s.delivery))["state"] == "done"
    (run,) = bot.check_runs(pr.head_sha)
    assert run.status == "completed"
    assert len(bot.review_comments(pr)) == len(PR.new) and len(fake.reviews) == 1
    assert len(bot.issue_comments(pr)) == 1


async def test_pull_request_from_a_fork_is_reviewed(env):
    fake, bot = env
    upstream = fake.add_repo("octo/tiny-tf")
    main = fake.commit(upstream, BASE_FILES, message="base")
    fork = fake.add_repo("mallory/tiny-tf", installed=False)
    fake.commit(fork, PR_FILES, branch="patch-1", parent=main)
    pr = fake.open_pull_request(upstream, "patch-1", head_repo=fork, user_login="mallory")
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    exp = PR
    assert run.conclusion == exp.conclusion and len(bot.review_comments(pr)) == len(exp.new)
    assert not fake.requests_to("GET", r"^/repos/mallory/")  # everything is read through the base repository
