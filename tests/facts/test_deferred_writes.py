"""A cold run's cache writes, left to a later step (analysis/pipeline/deferred.py): the findings come
first and are the same; nothing is on disk until the step runs; a reader of the snapshot waits for it
(unless it is still held back); a step that never runs only leaves the next run cold."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.deferred import DeferringCache, hold_writes, release_writes
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.pipeline.snapshot import snapshot_key

from .helpers import files
from .test_cache import PROJECT, _key

NAMES = {"pkg/__init__.py": ("pkg", True), "pkg/util.py": ("pkg.util", False),
         "pkg/train.py": ("pkg.train", False), "pkg/other.py": ("pkg.other", False)}


def _on_disk(root: Path, store: str) -> list[str]:
    directory = root / "v1" / store
    return sorted(p.name for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def test_deferred_run_writes_nothing_until_flushed_and_gives_the_same_findings(tmp_path: Path) -> None:
    sources = files(PROJECT)
    plain = analyze_sources(sources, cache=AnalysisCache(tmp_path / "plain"))
    cache = DeferringCache(tmp_path / "later")
    first = analyze_sources(sources, cache=cache)
    assert _key(first) == _key(plain)
    assert cache.stats.parsed == 4 and sorted(cache.stats.checked_paths) == sorted(NAMES)
    key = snapshot_key(NAMES)
    # Nothing but the announcement is on disk, and the announcement is held.
    assert _on_disk(tmp_path / "later", "facts") == [] and _on_disk(tmp_path / "later", "findings") == []
    assert _on_disk(tmp_path / "later", "projects") == [key + ".pending"]
    assert AnalysisCache(tmp_path / "later").claim_pending(key) is None

    cache.flush()
    assert _on_disk(tmp_path / "later", "findings") and key in _on_disk(tmp_path / "later", "projects")
    assert not any(name.endswith(".pending") for name in _on_disk(tmp_path / "later", "projects"))
    # The same files as a run that wrote them at once (snapshot bodies are named by a random stamp).
    assert _on_disk(tmp_path / "later", "facts") == _on_disk(tmp_path / "plain", "facts")
    assert _on_disk(tmp_path / "later", "findings") == _on_disk(tmp_path / "plain", "findings")

    reader = AnalysisCache(tmp_path / "later")
    warm = analyze_sources(sources, cache=reader)
    assert reader.stats.parsed == 0 and reader.stats.snapshot_hits == 1 and reader.stats.findings_hits == 4
    assert _key(warm) == _key(plain)


def test_a_warm_run_defers_nothing(tmp_path: Path) -> None:
    """Only a new snapshot is left for later: a run that reuses one writes its few files at once."""
    sources = files(PROJECT)
    analyze_sources(sources, cache=AnalysisCache(tmp_path))
    edited = dict(sources, **{"pkg/other.py": sources["pkg/other.py"] + b"\n# edited\n"})
    cache = DeferringCache(tmp_path)
    analyze_sources(edited, cache=cache)
    assert cache.stats.snapshot_hits + cache.stats.snapshot_patches + cache.stats.snapshot_deltas == 1
    assert cache.flush_in_background() is None  # nothing announced: flushed here
    assert not any(name.endswith(".pending") for name in _on_disk(tmp_path, "projects"))


def test_a_reader_waits_for_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer is held until the reader is about to look the snapshot up: without the wait the
    reader would find none and run cold (parsing every module)."""
    sources = files(PROJECT)
    held = hold_writes(str(tmp_path / "holds"))
    assert held is not None
    cache = DeferringCache(tmp_path, held[0])
    expected = analyze_sources(sources, cache=cache)
    writer = cache.flush_in_background()
    assert writer is not None
    opened = []
    await_writer = AnalysisCache.await_writer

    def release_then_wait(self: AnalysisCache, key: str) -> bool:
        if not opened:
            opened.append(key)
            release_writes(held)
        return await_writer(self, key)

    monkeypatch.setattr(AnalysisCache, "await_writer", release_then_wait)
    reader = AnalysisCache(tmp_path)
    warm = analyze_sources(sources, cache=reader)
    writer.join()
    assert opened == [snapshot_key(NAMES)]
    assert reader.stats.parsed == 0 and reader.stats.snapshot_hits == 1
    assert _key(warm) == _key(expected)


def test_a_reader_does_not_wait_for_a_writer_still_held_back(tmp_path: Path) -> None:
    """Another job's analysis may be what the held writer's review waits for (the pool's slots): it goes on
    without the snapshot, cold and correct, instead of waiting on that review."""
    sources = files(PROJECT)
    held = hold_writes(str(tmp_path / "holds"))
    assert held is not None
    cache = DeferringCache(tmp_path, held[0])
    expected = analyze_sources(sources, cache=cache)
    writer = cache.flush_in_background()
    assert writer is not None
    reader = AnalysisCache(tmp_path)
    other = analyze_sources(sources, cache=reader)  # returns although the writer is held
    assert writer.is_alive()
    assert reader.stats.parsed == 4 and reader.stats.snapshot_hits == 0
    assert _key(other) == _key(expected)
    release_writes(held)
    writer.join()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the test ends a process of its own (POSIX only)")
def test_a_writer_whose_process_ends_leaves_a_cold_but_correct_next_run(tmp_path: Path) -> None:
    """The review was published, then the worker process ended (killed, out of memory) before its writer
    wrote: the next run does not wait forever, finds no snapshot, runs cold and gives the same findings."""
    sources = files(PROJECT)
    expected = analyze_sources(sources)
    held = hold_writes(str(tmp_path / "holds"))
    assert held is not None
    pid = os.fork()
    if pid == 0:  # the worker: analyzes, leaves its writer held, and dies
        try:
            cache = DeferringCache(tmp_path, held[0])
            analyze_sources(sources, cache=cache)
            cache.flush_in_background()
        finally:
            os._exit(9)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9
    assert [name for name in _on_disk(tmp_path, "projects") if name.endswith(".pending")]
    release_writes(held)

    reader = AnalysisCache(tmp_path)
    after = analyze_sources(sources, cache=reader)
    assert reader.stats.parsed == 4 and reader.stats.snapshot_hits == 0
    assert _key(after) == _key(expected)
    reader.reset_stats()
    analyze_sources(sources, cache=reader)  # and that run wrote what the dead writer did not
    assert reader.stats.parsed == 0 and reader.stats.snapshot_hits == 1


def test_the_writer_waits_for_its_hold_to_be_released(tmp_path: Path) -> None:
    """`DeferringCache(..., after=...)`: the App holds the writer until its check run is completed."""
    sources = files(PROJECT)
    held = hold_writes(str(tmp_path / "holds"))
    assert held is not None
    cache = DeferringCache(tmp_path, held[0])
    analyze_sources(sources, cache=cache)
    writer = cache.flush_in_background()
    assert writer is not None
    # Held: the writer is alive, blocked before its first write.
    assert writer.is_alive()
    assert _on_disk(tmp_path, "findings") == [] and _on_disk(tmp_path, "projects") == [snapshot_key(NAMES) + ".pending"]
    assert AnalysisCache(tmp_path).claim_pending(snapshot_key(NAMES)) is None
    release_writes(held)
    writer.join()
    assert snapshot_key(NAMES) in _on_disk(tmp_path, "projects") and _on_disk(tmp_path, "findings")
    assert not any(name.endswith(".pending") for name in _on_disk(tmp_path, "projects"))
    assert list((tmp_path / "holds").iterdir()) == []


def test_the_run_objects_kept_for_the_writer_are_frozen_until_it_is_done(tmp_path: Path) -> None:
    """The objects a held writer keeps alive are out of the collector's way (`gc.freeze`) until the
    writer has written and let them go; then nothing stays frozen."""
    import gc

    sources = files(PROJECT)
    held = hold_writes(str(tmp_path / "holds"))
    assert held is not None
    cache = DeferringCache(tmp_path, held[0])
    analyze_sources(sources, cache=cache)
    frozen_before = gc.get_freeze_count()  # 0 unless an earlier test of this process left some
    writer = cache.flush_in_background()
    assert writer is not None
    try:
        assert gc.get_freeze_count() > frozen_before + 1000  # the project's objects among them
    finally:
        release_writes(held)
        writer.join()
    assert gc.get_freeze_count() == 0
    assert snapshot_key(NAMES) in _on_disk(tmp_path, "projects")
