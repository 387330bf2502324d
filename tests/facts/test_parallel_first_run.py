"""A first cached run in worker processes checks every module at once (nothing can come from an empty
cache); a run with some facts already cached still serves what it can from the cache. Both give the
findings of a run in one process."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache, content_hash
from hybridize_bot.analysis.pipeline.modules import facts_key
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


def _spy_parallel(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each worker-process run that returned a result (the run did not fall back)."""
    from hybridize_bot.analysis.pipeline import run as run_module

    returned: list[str] = []
    original = run_module._analyze_parallel

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        out = original(*args, **kwargs)
        returned.append("parallel")
        return out

    monkeypatch.setattr(run_module, "_analyze_parallel", spy)
    return returned


def test_the_workers_write_the_cache_and_the_snapshot_a_warm_edit_builds_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The first run's facts, findings and snapshot come from the worker processes (the parent rebuilds
    nothing); a later run that adds a function brings that snapshot up to date and re-checks one module."""
    sources = files(PROJECT)
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    returned = _spy_parallel(monkeypatch)
    cache = AnalysisCache(tmp_path)
    with caplog.at_level(logging.WARNING):
        first = analyze_sources(sources, cache=cache)
    assert returned == ["parallel"]
    assert [r.getMessage() for r in caplog.records] == []  # no fallback, no warning
    assert _key(first) == _key(analyze_sources(sources))
    monkeypatch.setenv("HYBRIDIZE_JOBS", "1")
    edited = _edited(sources, ["pkg/util.py"])
    cache.reset_stats()
    again = analyze_sources(edited, cache=cache)
    # util's facts parsed; train parsed on demand by the rules checking util (its caller); nothing else.
    assert cache.stats.parsed_paths == ["pkg/util.py", "pkg/train.py"]
    # util's facts before the edit are a worker's file; an added function is no line move, so the warm run
    # does not read them (it compares the records' count with the snapshot's first).
    assert cache.has_facts(facts_key(content_hash(sources["pkg/util.py"]), "pkg.util", False))
    assert cache.stats.facts_hits == 0
    assert cache.stats.snapshot_deltas == 1  # the body the first worker wrote
    assert cache.stats.checked_paths == ["pkg/util.py"]  # the others' findings: written by the workers
    assert _key(again) == _key(analyze_sources(edited))


def test_failing_workers_fall_back_to_one_process_with_a_warning(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from hybridize_bot.analysis.pipeline import parallel

    sources = files(PROJECT)
    serial = analyze_sources(sources)

    def broken(conn, *args):  # noqa: ANN001, ANN002, ANN202
        conn.send_bytes(b"E" + b"RuntimeError: broken by the test")
        conn.close()

    monkeypatch.setattr(parallel, "_worker", broken)
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    with caplog.at_level(logging.WARNING):
        result = analyze_sources(sources, cache=AnalysisCache(tmp_path))
    assert _key(result) == _key(serial)
    assert [r.getMessage() for r in caplog.records] == [
        "analysis worker processes failed (RuntimeError: broken by the test); analyzing in one process instead"]


def test_copies_of_a_file_each_get_their_own_findings_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty package `__init__` files have equal bytes and equal signatures: the findings key holds the
    path too, so a first run checks each (findings name their path) instead of serving one's entry for
    the other."""
    sources = {**files(PROJECT), "pkg/sub/__init__.py": b"", "pkg/more/__init__.py": b""}
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    cache = AnalysisCache(tmp_path)
    analyze_sources(sources, cache=cache)
    assert cache.stats.findings_hits == 0
    assert sorted(cache.stats.checked_paths) == sorted(ALL_PATHS + ["pkg/more/__init__.py", "pkg/sub/__init__.py"])


def test_a_cache_the_workers_cannot_write_is_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers write the cache now: a problem they meet reaches the run's notes as before. (A run of
    changed files writes no snapshot head, so only the workers write.)"""
    blocked = tmp_path / "a-file"
    blocked.write_bytes(b"")  # the cache directory is a file: nothing can be written under it, even as root
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    returned = _spy_parallel(monkeypatch)
    result = analyze_sources(files(PROJECT), cache=AnalysisCache(blocked), changed=ALL_PATHS)
    assert returned == ["parallel"]
    assert result.findings
    assert [n.message.split(":")[0] for n in result.notes] == ["the analysis cache was skipped"]


def test_a_changed_files_run_that_keeps_the_snapshot_signs_every_module(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of changed files that loads the whole project keeps the project snapshot (scope.worth_scoping):
    its head holds every module's signature, not only the checked ones', as a cold run's does."""
    from hybridize_bot.analysis.config import Config
    from hybridize_bot.analysis.model import AnalysisResult
    from hybridize_bot.analysis.pipeline import run as run_module
    from hybridize_bot.analysis.pipeline.snapshot import find_snapshot
    from hybridize_bot.analysis.pipeline.sources import module_names, python_sources

    sources = files(PROJECT)
    names = module_names(python_sources(sources, Config()), Config(), AnalysisResult())
    serial = AnalysisCache(tmp_path / "serial")
    analyze_sources(sources, cache=serial)
    monkeypatch.setattr(run_module, "worth_scoping", lambda needed, modules: False)
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    returned = _spy_parallel(monkeypatch)
    cache = AnalysisCache(tmp_path / "workers")
    analyze_sources(sources, cache=cache, changed=["pkg/util.py"])
    assert returned == ["parallel"]
    assert cache.stats.checked_paths == ["pkg/util.py"]
    head, expected = find_snapshot(cache, names), find_snapshot(serial, names)
    assert head is not None and expected is not None
    assert sorted(head.signatures) == ALL_PATHS
    assert head.signatures == expected.signatures


def test_processes_lent_by_the_caller_spread_a_cold_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`jobs=` (the App's pool lends its idle workers) spreads a cold run of a project above
    MIN_LENT_BYTES over that many processes, with the findings of a run in one process; without a
    loan, or below the size, the run stays in this process."""
    from hybridize_bot.analysis.pipeline import parallel

    monkeypatch.delenv("HYBRIDIZE_JOBS", raising=False)
    sources = files(PROJECT)
    serial = analyze_sources(sources, changed=ALL_PATHS)
    returned = _spy_parallel(monkeypatch)
    # Below the size a loan pays for (and far below the command line's own threshold): one process.
    assert analyze_sources(sources, cache=AnalysisCache(tmp_path / "small"), changed=ALL_PATHS, jobs=2).findings
    assert returned == []
    monkeypatch.setattr(parallel, "MIN_LENT_BYTES", 1)  # this project counts as large
    assert analyze_sources(sources, cache=AnalysisCache(tmp_path / "one"), changed=ALL_PATHS, jobs=1).findings
    assert returned == []  # nothing lent
    lent = analyze_sources(sources, cache=AnalysisCache(tmp_path / "two"), changed=ALL_PATHS, jobs=2)
    assert returned == ["parallel"]
    assert _key(lent) == _key(serial)
    assert (lent.files_analyzed, lent.lines_analyzed) == (serial.files_analyzed, serial.lines_analyzed)
