"""A review costs a handful of API requests (issue 17): a cold tree is one archive, a warm push fetches
only the changed blobs, immutable reads come from the content-addressed store, the pull request and its
files are revalidated with ETags, and no resource is read twice in one job.

The fixture is written out here: the tiny-tf project plus 13 small modules (12 distinct, two identical
empty `__init__.py`), so the head tree has 19 analysable files; the pull request changes 2 of them.
"""
from __future__ import annotations

import re
from collections import Counter

from .followup_harness import open_pr, pr_event
from .project import BASE_FILES
from .test_pipeline_requests import CROSSREF_REREADS

BASE = {**BASE_FILES, "lib/__init__.py": b"",
        **{f"lib/mod{i}.py": f"def f{i}(x):\n    return x + {i}\n".encode() for i in range(12)}}
REPO = "/repos/octo/tiny-tf"


def _shape(path: str) -> str:
    return re.sub(r"/[0-9a-f]{40}\b", "/{sha}", path.removeprefix(REPO))


def _fetches(fake, start: int) -> Counter[str]:
    """The reads of the fetch side (the snapshot) since `start`, by endpoint."""
    wanted = re.compile(r"^/pulls/1(/files)?$|^/contents/|^/git/(commits|trees|blobs)/|^/tarball/")
    return Counter(_shape(r.path) for r in fake.requests[start:]
                   if r.method == "GET" and r.path.startswith(REPO) and wanted.search(_shape(r.path)))


def _reads_twice(fake, start: int) -> dict[str, int]:
    gets = Counter(r.path + ("?" + "&".join(f"{k}={v}" for k, v in sorted(r.query.items())) if r.query else "")
                   for r in fake.requests[start:] if r.method == "GET")
    return {path: n for path, n in gets.items() if n > 1}


async def test_cold_review_is_one_archive_and_a_warm_push_fetches_only_the_changed_blob(env):
    fake, bot = env
    pr = open_pr(fake, base=BASE)

    start = len(fake.requests)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    assert _fetches(fake, start) == {"/pulls/1": 1, "/pulls/1/files": 1, "/contents/pyproject.toml": 1,
                                     "/git/commits/{sha}": 1, "/git/trees/{sha}": 1, "/tarball/{sha}": 1}
    assert len(fake.requests) - start <= 30  # the whole job: review, summary and follow-up PR
    assert _reads_twice(fake, start) == CROSSREF_REREADS  # only what the job re-reads after writing it

    before = pr.head_sha
    fake.push(pr.repo, "feature", {"lib/mod3.py": b"def f3(x):\n    return x * 3\n"})
    start = len(fake.requests)
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize", before=before))
    # The base configuration is immutable at its SHA: not read again. One blob changed: one blob read.
    assert _fetches(fake, start) == {"/pulls/1": 1, "/pulls/1/files": 1, "/git/commits/{sha}": 1,
                                     "/git/trees/{sha}": 1, "/git/blobs/{sha}": 1}
    assert len(fake.requests) - start <= 15
    assert _reads_twice(fake, start) == {}


async def test_a_rerun_revalidates_with_etags_and_a_new_token_gets_a_fresh_answer(env):
    fake, bot = env
    pr = open_pr(fake, base=BASE)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    # The review's comments changed the pull request's representation (its comment counts): the
    # first re-run gets a new pull request and the unchanged file list from its ETag.
    await bot.deliver("check_suite", bot.check_suite_event(pr, "rerequested"))

    start, free, used = len(fake.requests), len(fake.not_modified), fake.rate_used
    await bot.deliver("check_suite", bot.check_suite_event(pr, "rerequested"))
    # Same head: the tree and every blob come from the store; the pull request and its files are
    # asked conditionally and GitHub answers 304 Not Modified, which costs no rate limit.
    assert _fetches(fake, start) == {"/pulls/1": 1, "/pulls/1/files": 1}
    assert fake.not_modified[free:] == [f"{REPO}/pulls/1", f"{REPO}/pulls/1/files"]
    assert fake.rate_used - used == len(fake.requests) - start - 2

    fake.expire_tokens()  # the hourly rotation: ETags are tied to the token
    start, free = len(fake.requests), len(fake.not_modified)
    await bot.deliver("check_suite", bot.check_suite_event(pr, "rerequested"))
    # The first read meets the expired token (401) and is sent again with a new one.
    assert _fetches(fake, start) == {"/pulls/1": 2, "/pulls/1/files": 1}
    assert fake.not_modified[free:] == []  # 200s with new ETags, accepted
    runs = sorted(bot.check_runs(pr.head_sha), key=lambda r: r.id)
    assert [r.status for r in runs] == ["completed"] * len(runs)
