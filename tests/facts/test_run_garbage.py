"""A run leaves nothing to the cyclic collector: its project, module summaries and trees are freed by
reference counting when the run is done (analysis/project.py `Project.release`). Left to the collector,
the bench's cold review (471 files) left 740,000 objects whose collection cost 1.4-1.7 s of CPU in the
App's pool worker, paid by its next call, the follow-up's fix plan (bench/RESULTS.md, "fupfast")."""
from __future__ import annotations

import ast
import gc
from pathlib import Path
from typing import Callable

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.deferred import DeferringCache
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.project import GraphFunction, Project
from hybridize_bot.analysis.summary import FunctionInfo, ModuleSummary

from .test_project_delta import _sources

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUN_OBJECTS = (Project, GraphFunction, ModuleSummary, FunctionInfo, ast.AST)


def _examples() -> dict[str, bytes]:
    """The example projects (TensorFlow, JAX, PyTorch: every rule family's summaries and memos)."""
    return {p.relative_to(EXAMPLES).as_posix(): p.read_bytes() for p in sorted(EXAMPLES.rglob("*"))
            if p.is_file() and (p.suffix == ".py" or p.name == "pyproject.toml")}


def _left_to_the_collector(run: Callable[[], object]) -> list[str]:
    """Type names of the run's objects that only the cyclic collector would free after `run`."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # what the collector finds unreachable goes to gc.garbage
    try:
        run()
        gc.collect()
        return sorted({type(o).__name__ for o in gc.garbage if isinstance(o, RUN_OBJECTS)})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


@pytest.mark.parametrize("sources", [_sources(), _examples()], ids=["tf-project", "examples"])
def test_whole_runs_free_their_trees_and_summaries(tmp_path: Path, sources: dict[str, bytes]) -> None:
    assert _left_to_the_collector(lambda: analyze_sources(sources)) == []  # no cache
    cache = AnalysisCache(tmp_path)
    assert _left_to_the_collector(lambda: analyze_sources(sources, cache=cache)) == []  # cold
    edited = {p: d + b"\n# edited\n" if p.endswith(".py") else d for p, d in sources.items()}
    assert _left_to_the_collector(lambda: analyze_sources(edited, cache=cache)) == []  # warm, every module re-read


def test_a_scoped_run_frees_them_too() -> None:
    sources = _examples()
    changed = ["mnist_trainer/train.py", "jax_regression/train.py"]
    assert _left_to_the_collector(lambda: analyze_sources(sources, changed=changed)) == []


def test_a_deferred_run_frees_them_once_its_writes_are_done(tmp_path: Path) -> None:
    """The App's review: the project lives on for the deferred snapshot step, then goes with it."""
    sources = _sources()

    def review_then_writes() -> None:
        cache = DeferringCache(tmp_path)
        analyze_sources(sources, cache=cache)
        cache.flush()

    assert _left_to_the_collector(review_then_writes) == []
