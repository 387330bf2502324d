"""The follow-up starts from the review's analysis of the same job (bot/pulls/review_analysis.py): its
fix engine does not run that analysis again, so it neither computes it nor waits for the review's cache
writer. Reused only when the sources, the configuration and the checked files are the review's; the
plans are the ones written out in test_staged_plan.py either way."""
from __future__ import annotations

from dataclasses import replace

import hybridize_bot.bot.followup.compute as compute
from hybridize_bot.analysis import analyze_sources, load_pyproject_bytes
from hybridize_bot.bot.pulls.pull_snapshot import PullSnapshot
from hybridize_bot.bot.pulls.review_analysis import ReviewAnalysis, analysis_key, reusable

from .test_staged_plan import EXPECTED_STEPS, LOSS, LOSS_AFTER, PR_FILES, PYPROJECT, SOURCES, TRAIN, TRAIN_AFTER_BOTH
from .test_staged_plan import _steps, calls  # noqa: F401 (the fixture)

CONFIG = load_pyproject_bytes(PYPROJECT)


def _review(sources=SOURCES, config=CONFIG, reviewed=PR_FILES) -> ReviewAnalysis:
    """What the review job keeps: its scoped analysis of the head and the key of its inputs."""
    return ReviewAnalysis(analysis_key(sources, config, reviewed),
                          analyze_sources(sources, config, changed=reviewed))


def test_the_follow_up_reuses_the_review_analysis(calls):
    review = _review()
    plan = compute.compute_fix_plan(SOURCES, CONFIG, ["safe"], PR_FILES, None, review)
    assert _steps(plan) == EXPECTED_STEPS
    assert plan.changed == {"loss.py": LOSS_AFTER, "train.py": TRAIN_AFTER_BOTH}
    assert plan.before == {"loss.py": LOSS, "train.py": TRAIN}
    # One analysis: the re-analysis of the fixed files (without the review's: two).
    assert calls["analyses"] == [PR_FILES]


def test_the_pull_requests_other_files_do_not_change_the_key(calls):
    """The review checks the Python files the pull request added or modified; the follow-up lists every
    changed file (a README, a removed module). The analysis checks the same modules, so the key is one."""
    review = _review()
    listed = [*PR_FILES, "README.md", "removed.py"]
    assert analysis_key(SOURCES, CONFIG, listed) == review.key
    plan = compute.compute_fix_plan(SOURCES, CONFIG, ["safe"], listed, None, review)
    assert _steps(plan) == EXPECTED_STEPS
    assert calls["analyses"] == [sorted(listed)]


def test_other_sources_are_analyzed_again(calls):
    """A newer head (the follow-up reads the pull request again) has other bytes: no reuse."""
    review = _review()
    pushed = dict(SOURCES, **{"other.py": LOSS + b"\n# pushed\n"})
    assert reusable(review, pushed, CONFIG, PR_FILES) is None
    compute.compute_fix_plan(pushed, CONFIG, ["safe"], PR_FILES, None, review)
    assert calls["analyses"] == [PR_FILES, PR_FILES]


def test_another_configuration_is_analyzed_again(calls):
    """A rule ignored by comment command is in the follow-up's configuration, not in the review's."""
    review = _review()
    ignoring = CONFIG.with_cli(ignore=["HYB011"])
    assert reusable(review, SOURCES, ignoring, PR_FILES) is None
    plan = compute.compute_fix_plan(SOURCES, ignoring, ["safe"], PR_FILES, None, review)
    assert calls["analyses"] == [PR_FILES, PR_FILES]
    assert [(s.code, s.path) for s in plan.entries] == [("HYB010", "train.py")]


def test_other_checked_files_are_analyzed_again(calls):
    review = _review()
    assert reusable(review, SOURCES, CONFIG, ["loss.py"]) is None
    plan = compute.compute_fix_plan(SOURCES, CONFIG, ["safe"], ["loss.py"], None, review)
    assert plan.changed == {"loss.py": LOSS_AFTER}
    assert calls["analyses"] == [["loss.py"], ["loss.py"]]


def test_a_wrong_result_under_the_right_key_is_what_the_engine_uses():
    """The key is all that is checked: the worker trusts a result whose inputs match (here one without
    findings, so nothing is fixed). Shown so that the key is known to cover every input above."""
    review = _review()
    empty = ReviewAnalysis(review.key, replace(review.result, findings=[]))
    assert compute.compute_fix_plan(SOURCES, CONFIG, ["safe"], PR_FILES, None, empty).empty
    assert not compute.compute_fix_plan(SOURCES, CONFIG, ["safe"], PR_FILES, None, review).empty


def test_a_job_snapshot_starts_without_a_review_analysis():
    """Each job has its own PullSnapshot (BotContext.pull_snapshot): a later job (the next push, a
    command) never sees an earlier job's analysis."""
    snapshot = PullSnapshot(None, "octo", "proj", 5, blobs=None)  # type: ignore[arg-type]
    assert snapshot.review_analysis is None
