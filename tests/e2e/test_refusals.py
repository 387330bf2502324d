"""Permanent refusals are not retried and cost only what they refuse (issue 17, point 3).

`open_pr` gives 5 annotated findings on the head (written out below), 4 of them on changed lines
(inline comments). The harness allows 2 attempts per job, so a retried job shows `attempts == 2`.
"""
from __future__ import annotations

from .followup_harness import open_pr, pr_event

ANNOTATED = [("metrics.py", 6, "HYB001"), ("train.py", 14, "HYB010"), ("train.py", 16, "HYB001"),
             ("train.py", 17, "HYB004"), ("train.py", 35, "HYB001")]
LINE_NOT_RESOLVED = {"message": "Unprocessable Entity", "errors": ["Line could not be resolved"],
                     "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"}


def _annotated(run) -> list[tuple[str, int, str]]:
    return [(a["path"], a["start_line"], a["title"].split()[0]) for a in run.annotations]


async def _run_once(bot, payload) -> dict:
    sent = await bot.send("pull_request", payload)
    assert sent.status == 202
    return await bot.wait_done(sent.delivery)


async def test_one_refused_comment_does_not_cost_the_review(env):
    fake, bot = env
    pr = open_pr(fake)
    # GitHub refuses the whole review; posted one by one, the comment it cannot place is the 2nd.
    fake.inject("POST", r"/pulls/\d+/reviews$", 422, times=1, body=LINE_NOT_RESOLVED)
    fake.inject("POST", r"/pulls/\d+/reviews$", None, times=1)  # the 1st single comment passes
    fake.inject("POST", r"/pulls/\d+/reviews$", 422, times=1, body=LINE_NOT_RESOLVED)
    row = await _run_once(bot, pr_event(bot, pr, "opened"))
    assert (row["state"], row["attempts"]) == ("done", 1)
    (run,) = bot.check_runs(pr.head_sha)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert _annotated(run) == ANNOTATED
    assert len(bot.review_comments(pr)) == 3  # 4 placed, 1 refused
    assert "GitHub refused 1 inline comment(s)" in run.output["summary"]
    (summary,) = [c for c in bot.issue_comments(pr) if "hybridize-bot:summary" in c.body]
    assert "GitHub refused 1 inline comment(s)" in summary.body


async def test_every_comment_refused_still_completes_the_run(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.inject("POST", r"/pulls/\d+/reviews$", 422, times=10, body=LINE_NOT_RESOLVED)
    row = await _run_once(bot, pr_event(bot, pr, "opened"))
    assert (row["state"], row["attempts"]) == ("done", 1)
    (run,) = bot.check_runs(pr.head_sha)
    assert (run.status, run.conclusion) == ("completed", "failure") and _annotated(run) == ANNOTATED
    assert bot.review_comments(pr) == []
    assert len(fake.requests_to("POST", r"/reviews$")) == 5  # the review, then each of the 4 alone


async def test_a_forbidden_summary_is_a_dead_letter_after_the_run_completes(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.inject("POST", r"/issues/\d+/comments$", 403, times=5,
                body={"message": "Resource not accessible by integration"})
    row = await _run_once(bot, pr_event(bot, pr, "opened"))
    assert (row["state"], row["attempts"]) == ("failed", 1)  # permanent: not retried
    assert "Resource not accessible" in str(row["last_error"]) or "403" in str(row["last_error"])
    (run,) = bot.check_runs(pr.head_sha)  # one run, completed with everything it has
    assert (run.status, run.conclusion) == ("completed", "failure") and _annotated(run) == ANNOTATED
    assert len(bot.review_comments(pr)) == 4
    assert (await bot.queue.counts())["failed"] == 1


async def test_a_404_is_not_retried(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.inject("GET", r"/pulls/\d+/files$", 404, times=5, body={"message": "Not Found"})
    row = await _run_once(bot, pr_event(bot, pr, "opened"))
    assert (row["state"], row["attempts"]) == ("failed", 1)
    assert len(fake.requests_to("GET", r"/pulls/\d+/files$")) == 1
    assert bot.check_runs(pr.head_sha) == []  # it failed while reading, before any run was started


async def test_a_run_left_in_progress_by_a_dead_attempt_is_reused_and_completed(env):
    """What a SIGKILL after the run was created leaves behind: one `in_progress` run on the head."""
    from tests.fakegithub.state import CheckRun

    fake, bot = env
    pr = open_pr(fake)
    dead = CheckRun(pr.repo, "hybridize", pr.head_sha, status="in_progress", external_id=f"{pr.number}:dead-attempt")
    fake.check_runs[dead.id] = dead
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    assert run.id == dead.id and (run.status, run.conclusion) == ("completed", "failure")
    assert _annotated(run) == ANNOTATED


async def test_an_unknown_installation_is_a_dead_letter_after_one_attempt(env):
    fake, bot = env
    pr = open_pr(fake)
    payload = pr_event(bot, pr, "opened")
    payload["installation"]["id"] = 424242  # uninstalled meanwhile: GitHub answers 404 for its token
    row = await _run_once(bot, payload)
    assert (row["state"], row["attempts"]) == ("failed", 1)
    assert len(fake.requests_to("POST", r"/app/installations/424242/access_tokens$")) == 1
    assert bot.check_runs(pr.head_sha) == []
