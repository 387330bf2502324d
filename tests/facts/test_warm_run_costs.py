"""What a warm run does not do: start (or import) worker processes to re-check one module, or leave its
whole-repository facts to the cyclic collector (on a large project its next pass walked every object of
the run: analysis/project.py `release_facts`)."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.facts.api import RepoFacts
from hybridize_bot.analysis.facts.project_facts import ProjectFacts
from hybridize_bot.analysis.pipeline import run as run_module
from hybridize_bot.analysis.pipeline.run import analyze_sources

from .test_project_delta import _sources


def _facts_left_to_the_collector(sources: dict[str, bytes], cache: AnalysisCache | None) -> list[str]:
    """The whole-repository fact objects that only the cyclic collector would have freed after the run."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds unreachable goes to gc.garbage
    try:
        analyze_sources(sources, cache=cache)
        gc.collect()
        return [type(o).__name__ for o in gc.garbage if isinstance(o, (ProjectFacts, RepoFacts))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("edit", [None, "middle-added"])
def test_a_run_frees_its_facts_on_return(tmp_path: Path, edit: str | None) -> None:
    cache = AnalysisCache(tmp_path)
    assert _facts_left_to_the_collector(_sources(), cache) == []  # cold
    assert _facts_left_to_the_collector(_sources(edit), cache) == []  # warm: the snapshot's facts, brought up to date
    assert _facts_left_to_the_collector(_sources(edit), None) == []  # no cache


def test_a_warm_edit_starts_no_worker_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two workers allowed, as a large project gets them: only the first run (an empty cache) uses them;
    # the edit's re-check of one module is done in this process.
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    started: list[str] = []
    original = run_module._analyze_parallel

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started.append("workers")
        return original(*args, **kwargs)

    monkeypatch.setattr(run_module, "_analyze_parallel", spy)
    cache = AnalysisCache(tmp_path)
    analyze_sources(_sources(), cache=cache)
    assert started == ["workers"]
    cache.reset_stats()
    analyze_sources(_sources("middle-added"), cache=cache)
    assert started == ["workers"]
    assert cache.stats.snapshot_deltas == 1 and cache.stats.checked_paths == ["pkg/m_model.py"]


_WARM_RUN = """
import sys
from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.run import analyze_sources
from tests.facts.test_project_delta import _sources
cache = AnalysisCache(sys.argv[1])
analyze_sources(_sources("middle-added"), cache=cache)
assert cache.stats.snapshot_deltas == 1
print(sorted(m for m in ("multiprocessing", "hybridize_bot.analysis.pipeline.parallel") if m in sys.modules))
"""


def test_a_warm_run_does_not_import_the_worker_processes(tmp_path: Path) -> None:
    # Importing them (multiprocessing included) cost a warm run 10-25 ms: they are imported only by a
    # run that may start workers. A fresh interpreter, as a command-line run is.
    analyze_sources(_sources(), cache=AnalysisCache(tmp_path))
    env = {**os.environ, "HYBRIDIZE_JOBS": "2"}
    out = subprocess.run([sys.executable, "-c", _WARM_RUN, str(tmp_path)], check=True, capture_output=True,
                         text=True, env=env, cwd=Path(__file__).resolve().parents[2]).stdout
    assert out.strip() == "[]"
