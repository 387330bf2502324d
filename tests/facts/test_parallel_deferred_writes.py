"""A cold run in worker processes with a deferring cache (the App's review): the findings come back
before any cache work is done; the workers' facts, findings, signatures and snapshot body wait for the
cache's flush, and what they write then is what a run in one process writes (a warm run reads it all)."""
from __future__ import annotations

from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.deferred import DeferringCache
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.pipeline.snapshot import snapshot_key

from .helpers import files
from .test_cache import PROJECT, _key
from .test_deferred_writes import NAMES, _on_disk
from .test_parallel_first_run import _spy_parallel


def test_a_parallel_run_leaves_every_write_to_the_flush(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = files(PROJECT)
    plain = analyze_sources(sources, cache=AnalysisCache(tmp_path / "plain"))  # one process, writes at once
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    ran = _spy_parallel(monkeypatch)
    cache = DeferringCache(tmp_path / "later")
    first = analyze_sources(sources, cache=cache)
    assert ran == ["parallel"]
    assert _key(first) == _key(plain)
    assert sorted(cache.stats.checked_paths) == sorted(NAMES)  # no look-ups: every module checked
    key = snapshot_key(NAMES)
    # Only the announcement is on disk: the workers wait for the flush.
    assert _on_disk(tmp_path / "later", "facts") == [] and _on_disk(tmp_path / "later", "findings") == []
    assert _on_disk(tmp_path / "later", "projects") == [key + ".pending"]

    cache.flush()
    projects = _on_disk(tmp_path / "later", "projects")
    assert key in projects and not any(name.endswith(".pending") for name in projects)
    assert len(projects) == 2  # the head and its body
    # The same facts and findings files (same keys, so the same signatures) as the one-process run.
    assert _on_disk(tmp_path / "later", "facts") == _on_disk(tmp_path / "plain", "facts")
    assert _on_disk(tmp_path / "later", "findings") == _on_disk(tmp_path / "plain", "findings")

    monkeypatch.delenv("HYBRIDIZE_JOBS")
    reader = AnalysisCache(tmp_path / "later")
    warm = analyze_sources(sources, cache=reader)
    assert reader.stats.parsed == 0 and reader.stats.snapshot_hits == 1 and reader.stats.findings_hits == 4
    assert _key(warm) == _key(plain)
    # The head's interface digests are the workers' late ones: an edit inside a function body keeps
    # every interface, so the snapshot is reused and only the edited module is re-checked.
    edited = dict(sources, **{"pkg/other.py": sources["pkg/other.py"] + b"\n# edited\n"})
    reader.reset_stats()
    analyze_sources(edited, cache=reader)
    assert reader.stats.checked_paths == ["pkg/other.py"]


def test_workers_whose_writes_never_come_end_with_their_pipes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deferred writes dropped without running (e.g. the process that held them gave up on them): the
    late workers see their pipes close and end instead of waiting for ever, and the next run is cold."""
    sources = files(PROJECT)
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    cache = DeferringCache(tmp_path)
    first = analyze_sources(sources, cache=cache)
    steps, cache._steps = cache._steps, []
    assert len(steps) == 1
    procs = list(steps[0].args[0].procs)
    assert len(procs) == 2 and all(proc.is_alive() for proc in procs)  # waiting for their go
    cache._release()  # the announcement goes with them
    del steps
    for proc in procs:
        proc.join(timeout=10)
        assert not proc.is_alive()
    monkeypatch.delenv("HYBRIDIZE_JOBS")
    reader = AnalysisCache(tmp_path)
    again = analyze_sources(sources, cache=reader)
    assert _key(again) == _key(first)
    assert reader.stats.parsed == 4  # cold: nothing was written
