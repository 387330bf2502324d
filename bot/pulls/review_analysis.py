"""The review's analysis, handed to the follow-up of the same job so that the fix engine does not run it again.

A job reviews a head (bot/pulls/job.py) and then plans its follow-up pull request
(bot/followup/compute.py) on the same sources. The fix engine's first analysis is the review's: the same
files, configuration and changed modules. Read from the analysis cache, it waits for the review's cache
writer (analysis/pipeline/deferred.py), which starts only once the check run is completed: about a
second of the follow-up's time went into that wait and the read (bench/RESULTS.md, "fupfast").

The review keeps its result on the job's `PullSnapshot` (one per job, dropped with it, so nothing is
reused across jobs), under a key of what the findings depend on: every source file's bytes, the
configuration and the changed Python modules. The follow-up's worker computes the key again from its
own arguments and uses the result only when both agree: a newer head, a rule ignored by comment command
(another configuration) or another set of files gives another key, and the engine analyzes as before.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Collection, Mapping

from ..analysis_api import AnalysisResult


@dataclass(frozen=True)
class ReviewAnalysis:
    """One analysis of a head and the key (`analysis_key`) of what it was computed from."""

    key: str
    result: AnalysisResult


def analysis_key(sources: Mapping[str, bytes], config: Any, changed: Collection[str]) -> str:
    """What `analyze(sources, config, changed=changed)` depends on, as one digest.

    `changed` counts only as the Python files of `sources` it names: the analysis checks no other (a
    removed file, a README), so the review's list (bot/pulls/diff.reviewed_paths) and the follow-up's
    (every file the pull request changed) give one key. The configuration by its `repr`, as the
    analysis cache keys findings (analysis/pipeline/findings.settings_digest)."""
    digest = hashlib.sha256()
    digest.update(repr(config).encode("utf-8", "surrogateescape"))
    for path in sorted(p for p in set(changed) if p.endswith(".py") and p in sources):
        digest.update(b"\0changed\0" + path.encode("utf-8", "surrogateescape"))
    for path in sorted(sources):
        digest.update(b"\0file\0" + path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha1(sources[path], usedforsecurity=False).digest())
    return digest.hexdigest()


def reusable(review: ReviewAnalysis | None, sources: Mapping[str, bytes], config: Any,
             changed: Collection[str]) -> AnalysisResult | None:
    """The review's result when it was computed from exactly these inputs, else None."""
    if review is None or review.key != analysis_key(sources, config, changed):
        return None
    return review.result
