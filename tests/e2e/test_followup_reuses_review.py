"""In one job the follow-up's fix plan starts from the review's analysis (bot/pulls/review_analysis.py):
the pool call that plans the follow-up receives it, and its key matches what that call was given, so
the worker uses it instead of analyzing the head again (and waiting for the review's cache writer)."""
from __future__ import annotations

from typing import Any

from hybridize_bot.analysis import load_pyproject_bytes
from hybridize_bot.bot.context import ProcessRunner
from hybridize_bot.bot.pulls.review_analysis import ReviewAnalysis, reusable

from .followup_harness import followups
from .test_deferred_cache_writes import CHAIN, CHANGE


async def test_the_follow_up_plan_gets_the_review_analysis_of_its_job(env, monkeypatch) -> None:  # noqa: ANN001
    fake, bot = env
    calls: list[tuple[str, tuple[Any, ...]]] = []
    original = ProcessRunner.run

    async def recording(self, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append((fn.__name__, args))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(ProcessRunner, "run", recording)
    repo = fake.add_repo("octo/chain")
    main = fake.commit(repo, CHAIN, message="base")
    fake.commit(repo, {"pkg/mod0.py": CHANGE, "README.md": b"notes\n"}, branch="feature", parent=main)
    pr = fake.open_pull_request(repo, "feature")
    sent = await bot.send("pull_request", bot.pull_request_event(pr, "opened"))
    assert (await bot.wait_done(sent.delivery))["state"] == "done"
    assert [name for name, _args in calls] == ["_analyze", "_suggest_many", "compute_fix_plan"]
    sources, config, _safeties, paths, _cache_dir, review = calls[-1][1]
    assert paths == ["README.md", "pkg/mod0.py"]  # every changed file; the review checked pkg/mod0.py
    assert isinstance(review, ReviewAnalysis)
    assert config == load_pyproject_bytes(CHAIN["pyproject.toml"])
    assert reusable(review, sources, config, paths) is review.result  # the worker's check: a hit
    assert [(f.code, f.path) for f in review.result.findings] == [("HYB010", "pkg/mod0.py"), ("HYB001", "pkg/mod0.py")]
    assert len(followups(fake, pr)) == 1

    # The next push is another job: its follow-up gets that job's review, of the new head.
    fake.push(repo, "feature", {"pkg/mod0.py": CHANGE + b"\n# second push\n"})
    calls.clear()
    sent = await bot.send("pull_request", bot.pull_request_event(pr, "synchronize", before=main))
    assert (await bot.wait_done(sent.delivery))["state"] == "done"
    sources, config, _safeties, paths, _cache_dir, second = calls[-1][1]
    assert second is not review and second.key != review.key
    assert reusable(second, sources, config, paths) is second.result
    assert reusable(review, sources, config, paths) is None
