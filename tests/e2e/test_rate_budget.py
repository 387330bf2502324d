"""The scheduler respects each installation's rate-limit budget (issue 17): a job of an installation with
fewer than GITHUB_RATE_RESERVE requests left waits in the queue until the window resets, then runs;
it is neither run into 403s nor failed, and no attempt is counted."""
from __future__ import annotations

import asyncio
import time

from hybridize_bot.bot.server import GITHUB_APP_KEY
from hybridize_bot.bot.webhook import METRICS_KEY
from tests.fakegithub.server import RATE_LIMIT

from .followup_harness import open_pr, pr_event


async def _row_when(bot, delivery: str, predicate, timeout: float = 30.0) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        row = await bot.queue.get(delivery)
        if row is not None and predicate(row):
            return row
        assert loop.time() < deadline, row
        await asyncio.sleep(0.02)


async def test_a_job_waits_for_the_rate_limit_reset_instead_of_failing(env):
    fake, bot = env
    pr = open_pr(fake)
    github = bot.runner.app[GITHUB_APP_KEY]
    # The window has 10 requests left and resets in 3 s; the bot learns it from a real answer.
    fake.rate_used, fake.rate_reset = RATE_LIMIT - 11, int(time.time()) + 3
    gh = await github.client_for(pr.repo.installation_id)
    await gh.getitem("/repos/{owner}/{repo}", url_vars={"owner": "octo", "repo": "tiny-tf"})
    # 11 left, minus the installation token (an App request) and this read.
    assert (await github.budget.window(str(pr.repo.installation_id))).remaining == 9
    requests_before = len(fake.requests)

    sent = await bot.send("pull_request", pr_event(bot, pr, "opened"))
    assert sent.status == 202
    deferred = await _row_when(bot, sent.delivery,
                               lambda r: r["state"] == "queued" and "deferred until" in (r["last_error"] or ""))
    assert deferred["attempts"] == 0  # put back without counting an attempt
    assert len(fake.requests) == requests_before  # decided without asking GitHub

    row = await bot.wait_done(sent.delivery)
    assert row["state"] == "done" and row["attempts"] == 1  # one run, after the reset
    (run,) = bot.check_runs(pr.head_sha)
    assert run.status == "completed"
    registry = bot.runner.app[METRICS_KEY].registry
    assert registry.get_sample_value("hybridize_jobs_deferred_total", {"reason": "rate_limit"}) == 1.0
