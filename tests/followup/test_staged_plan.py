"""A follow-up of several kinds of fix, computed once (issue 13): one commit per kind, each built from
the edits the fix engine applied and verified, with analyses that check only the pull request's files.

Expected plans are written out by hand; the counts are of real calls (libcst parses, analyses)."""
from __future__ import annotations

import libcst
import pytest

import hybridize_bot.bot.followup.compute as compute
from hybridize_bot.analysis import load_pyproject_bytes
from hybridize_bot.analysis.fixes import texts_by_code
from hybridize_bot.bot.followup.decide import Action
from hybridize_bot.bot.followup.plan import SyncFacts, plan_sync
from hybridize_bot.bot.followup.render import Source

PYPROJECT = b'[project]\nname = "x"\ndependencies = ["tensorflow>=2.16"]\n'
TRAIN = b'''import tensorflow as tf


@tf.function(experimental_relax_shapes=True)
def step(x):
    return x * 2


@tf.function(experimental_compile=True)
def evaluate(x):
    return x + 1
'''
LOSS = b'''import tensorflow as tf


@tf.function(experimental_compile=True)
def loss(x):
    return tf.reduce_sum(x)
'''
SOURCES = {"pyproject.toml": PYPROJECT, "train.py": TRAIN, "loss.py": LOSS, "other.py": LOSS}
PR_FILES = ["loss.py", "train.py"]  # other.py has the same finding, but the pull request did not touch it

TRAIN_AFTER_HYB010 = b'''import tensorflow as tf


@tf.function(reduce_retracing=True)
def step(x):
    return x * 2


@tf.function(experimental_compile=True)
def evaluate(x):
    return x + 1
'''
TRAIN_AFTER_BOTH = b'''import tensorflow as tf


@tf.function(reduce_retracing=True)
def step(x):
    return x * 2


@tf.function(jit_compile=True)
def evaluate(x):
    return x + 1
'''
LOSS_AFTER = b'''import tensorflow as tf


@tf.function(jit_compile=True)
def loss(x):
    return tf.reduce_sum(x)
'''
RELAX = ("@tf.function(experimental_relax_shapes=True)", "@tf.function(reduce_retracing=True)")
COMPILE = ("@tf.function(experimental_compile=True)", "@tf.function(jit_compile=True)")


@pytest.fixture
def calls(monkeypatch):
    """Counts libcst parses and records the `changed` scope of every analysis the computation makes."""
    seen: dict[str, list] = {"parses": [], "analyses": []}
    real_parse, real_analyze = libcst.parse_module, compute.analyze_sources

    def parse(*args, **kwargs):
        seen["parses"].append(1)
        return real_parse(*args, **kwargs)

    def analyze(sources, config, **kwargs):
        changed = kwargs.get("changed")
        seen["analyses"].append(sorted(changed) if changed is not None else None)
        return real_analyze(sources, config, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", parse)
    monkeypatch.setattr(compute, "analyze_sources", analyze)
    return seen


def _steps(plan):
    return [(s.code, s.safety, dict(s.changed), [(e.code, e.path, e.line, e.before, e.after) for e in s.entries])
            for s in plan.steps]


EXPECTED_STEPS = [
    ("HYB010", "safe", {"train.py": TRAIN_AFTER_HYB010}, [("HYB010", "train.py", 4, *RELAX)]),
    ("HYB011", "safe", {"loss.py": LOSS_AFTER, "train.py": TRAIN_AFTER_BOTH},
     [("HYB011", "loss.py", 4, *COMPILE), ("HYB011", "train.py", 9, *COMPILE)]),
]


def test_two_kinds_make_two_commits_from_one_fix_run(calls):
    plan = compute.compute_fix_plan(SOURCES, load_pyproject_bytes(PYPROJECT), ["safe"], PR_FILES)
    assert _steps(plan) == EXPECTED_STEPS
    assert plan.changed == {"loss.py": LOSS_AFTER, "train.py": TRAIN_AFTER_BOTH}
    assert plan.before == {"loss.py": LOSS, "train.py": TRAIN}
    assert [(e.code, e.path, e.line) for e in plan.entries] == [
        ("HYB011", "loss.py", 4), ("HYB010", "train.py", 4), ("HYB011", "train.py", 9)]
    assert plan.withheld == () and plan.protected_skipped == ()
    # Two analyses (before and after the fixes), both checking only the pull request's files; no
    # analysis per kind. One libcst parse per fixed file: the renames' re-application check sees the
    # old name gone without parsing, and the before/after lines reuse the engine's edits.
    assert calls["analyses"] == [PR_FILES, PR_FILES]
    assert len(calls["parses"]) == 2


def test_a_file_whose_edits_cannot_be_split_is_fixed_again_one_kind_at_a_time(calls, monkeypatch):
    """When a prefix of a file's edits does not parse, `texts_by_code` leaves the file out and the kinds
    are applied to it one at a time: the same commits, at the cost of two analyses per kind, scoped
    to that file."""
    def without_train(sources, result, order):
        texts, _ = texts_by_code(sources, result, order)
        return {code: {p: d for p, d in files.items() if p != "train.py"} for code, files in texts.items()}, \
            frozenset({"train.py"})

    monkeypatch.setattr(compute, "texts_by_code", without_train)
    plan = compute.compute_fix_plan(SOURCES, load_pyproject_bytes(PYPROJECT), ["safe"], PR_FILES)
    assert _steps(plan) == EXPECTED_STEPS
    assert plan.changed == {"loss.py": LOSS_AFTER, "train.py": TRAIN_AFTER_BOTH}
    assert calls["analyses"] == [PR_FILES, PR_FILES, ["train.py"], ["train.py"], ["train.py"], ["train.py"]]


def test_one_kind_is_one_commit(calls):
    plan = compute.compute_fix_plan(SOURCES, load_pyproject_bytes(PYPROJECT), ["safe"], ["loss.py"])
    assert plan.steps == () and plan.changed == {"loss.py": LOSS_AFTER}
    assert [(e.code, e.path, e.line, e.before, e.after) for e in plan.entries] == [("HYB011", "loss.py", 4, *COMPILE)]
    assert calls["analyses"] == [["loss.py"], ["loss.py"]]
    assert len(calls["parses"]) == 1


def test_the_sync_plan_of_a_staged_follow_up_is_one_commit_per_kind():
    """From the computed plan to the writes the gateway applies (a pure value): two commits on the head."""
    fixes = compute.compute_fix_plan(SOURCES, load_pyproject_bytes(PYPROJECT), ["safe"], PR_FILES)
    src = Source("octo/proj", 5, "feature", "a" * 40, "feature")
    plan = plan_sync(SyncFacts(Action.CREATE, "hybridize/pr-5", fixes, src, "hybridize-bot", ref_sha=None,
                               followup_number=None))
    assert [changed for changed, _message in plan.commits] == [
        {"train.py": TRAIN_AFTER_HYB010}, {"loss.py": LOSS_AFTER, "train.py": TRAIN_AFTER_BOTH}]
    assert [message for _changed, message in plan.commits] == [
        "hybridize: HYB010 deprecated-relax-shapes (1 safe fix) in files changed in #5\n\n"
        "- train.py:4 in <module>: rename `experimental_relax_shapes=True` to `reduce_retracing=True`\n\n"
        "One of 2 commits, one per kind of fix: revert this one to drop HYB010's fixes.\n\n"
        "Hybridize-Fixes-For: octo/proj#5\n",
        "hybridize: HYB011 deprecated-experimental-compile (2 safe fixes) in files changed in #5\n\n"
        "- loss.py:4 in <module>: rename `experimental_compile=` to `jit_compile=` (same value)\n"
        "- train.py:9 in <module>: rename `experimental_compile=` to `jit_compile=` (same value)\n\n"
        "One of 2 commits, one per kind of fix: revert this one to drop HYB011's fixes.\n\n"
        "Hybridize-Fixes-For: octo/proj#5\n",
    ]
    assert (plan.parent, plan.expected_ref, plan.paths) == ("a" * 40, None, frozenset({"loss.py", "train.py"}))
    assert plan.open_pull is not None and plan.open_pull.title == (
        "hybridize: apply 3 safe fixes to files changed in #5 (HYB010, HYB011)")


def test_the_review_suggestions_and_the_follow_up_parse_each_file_once(calls):
    """One job computes the review's suggestions and then the follow-up's fix plan, both in the App's pool;
    in one worker process (WORKERS=1, or the same idle worker) the second takes the libcst trees the
    first parsed, so each pull-request file is parsed once per job, not twice."""
    from hybridize_bot.analysis import analyze_sources
    from hybridize_bot.bot.pulls.job import _suggest_many

    config = load_pyproject_bytes(PYPROJECT)
    findings = [f for f in analyze_sources(SOURCES, config).findings if f.path in PR_FILES and f.fix is not None]
    assert sorted({f.path for f in findings}) == PR_FILES
    suggested = _suggest_many(findings, {p: SOURCES[p] for p in PR_FILES})
    assert len(suggested) == 3 and len(calls["parses"]) == 2
    plan = compute.compute_fix_plan(SOURCES, config, ["safe"], PR_FILES)
    assert _steps(plan) == EXPECTED_STEPS
    assert len(calls["parses"]) == 2  # none more: the fix engine took the suggestions' trees
