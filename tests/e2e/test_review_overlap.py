"""A cold review waits on its analysis: what publishing reads from GitHub and the findings do not change
(the review comments, the summary comment) is read while the analysis runs, not after it."""
from __future__ import annotations

import asyncio
import time

import pytest

from hybridize_bot.bot.context import ProcessRunner
from hybridize_bot.bot.pulls import job

from .test_pr_review import open_pr

READS = ("/repos/octo/tiny-tf/pulls/1/comments", "/repos/octo/tiny-tf/issues/1/comments")


async def test_publishing_reads_are_made_while_the_analysis_runs(env, monkeypatch: pytest.MonkeyPatch) -> None:
    fake, bot = env
    original = ProcessRunner.run
    during: list[set[str]] = []

    async def run(self, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        out = await original(self, fn, *args, **kwargs)
        if fn is job._analyze:
            # The analysis is done but not yet handed back: wait (up to a deadline) for the reads.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not _made(fake, READS):
                await asyncio.sleep(0.01)
            during.append({path for path in READS if _made(fake, (path,))})
        return out

    monkeypatch.setattr(ProcessRunner, "run", run)
    pr = open_pr(fake)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    assert during == [set(READS)]
    (check,) = bot.check_runs(pr.head_sha)
    assert check.status == "completed" and check.conclusion in ("failure", "neutral")
    assert bot.review_comments(pr)  # the review was published as before


def _made(fake, paths: tuple[str, ...]) -> bool:  # noqa: ANN001
    seen = {r.path for r in fake.requests if r.method == "GET"}
    return all(p in seen for p in paths)


@pytest.mark.parametrize("env", [{"WORKERS": "2"}], indirect=True)
async def test_the_review_analysis_holds_every_idle_slot_of_the_pool(env, monkeypatch: pytest.MonkeyPatch) -> None:
    """With WORKERS=2, nothing else running and idle CPUs, the review's analysis is handed `jobs=2` (a cold run of
    a large project then forks two analysis processes from its worker: tests/facts/test_parallel_first_run.py);
    the calls after it (suggestions, the follow-up) take one slot each."""
    from hybridize_bot.bot import context

    fake, bot = env
    monkeypatch.setattr(context, "idle_cpus", lambda *_: 2)  # whatever else this machine is running
    original = ProcessRunner._submit
    calls: list[tuple[str, dict]] = []

    async def submit(self, fn, name, args, timeout):  # noqa: ANN001, ANN202
        calls.append((name, dict(getattr(fn, "keywords", {}))))
        return await original(self, fn, name, args, timeout)

    monkeypatch.setattr(ProcessRunner, "_submit", submit)
    pr = open_pr(fake)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    assert calls[0] == ("_analyze", {"jobs": 2})
    assert all(keywords == {} for _name, keywords in calls[1:]) and len(calls) > 1
