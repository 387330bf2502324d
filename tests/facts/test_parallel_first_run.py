"""A first cached run in worker processes checks every module at once (nothing can come from an empty
cache); a run with some facts already cached still serves what it can from the cache. Both give the
findings of a run in one process."""
from __future__ import annotations

from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.run import analyze_sources

from .helpers import files
from .test_cache import PROJECT, _key

ALL_PATHS = ["pkg/__init__.py", "pkg/other.py", "pkg/train.py", "pkg/util.py"]


def _edited(sources: dict[str, bytes], paths: list[str]) -> dict[str, bytes]:
    added = b"\n\ndef added_by_the_test(x):\n    return x\n"
    return {p: d + added if p in paths else d for p, d in sources.items()}


def test_an_empty_cache_has_the_workers_check_every_module(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    sources = files(PROJECT)
    serial = analyze_sources(sources)
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    cache = AnalysisCache(tmp_path)
    first = analyze_sources(sources, cache=cache)
    assert _key(first) == _key(serial)
    assert sorted(cache.stats.checked_paths) == ALL_PATHS
    assert cache.stats.findings_hits == 0
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)  # the findings written by the first run are served
    assert _key(warm) == _key(serial)
    assert cache.stats.parsed == 0 and cache.stats.findings_hits == 4


def test_a_partly_filled_cache_still_serves_findings_in_worker_processes(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    analyze_sources(sources, cache=cache)  # fills the cache (one process)
    edited = _edited(sources, ["pkg/other.py", "pkg/train.py", "pkg/util.py"])
    serial = analyze_sources(edited)
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    cache.reset_stats()
    again = analyze_sources(edited, cache=cache)  # 3 of 4 modules new: worker processes
    assert _key(again) == _key(serial)
    assert cache.stats.parsed >= 3  # the workers parsed (the edited modules' facts were not cached)
    # pkg/__init__.py's facts and context did not change: its findings come from the cache, not a re-check.
    assert "pkg/__init__.py" not in cache.stats.checked_paths
    assert cache.stats.findings_hits == 1
