"""A run's whole-repository facts are freed when it returns, not left for the cyclic collector: on a large
project its next pass walked every object of the run (analysis/project.py `release_facts`)."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.facts.api import RepoFacts
from hybridize_bot.analysis.facts.project_facts import ProjectFacts
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
