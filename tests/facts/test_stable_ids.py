"""Incremental analysis follows dependencies, not path order (issue 11): a function added to one module
re-checks that module and the modules whose inputs it changed, wherever the module sorts."""
from __future__ import annotations

from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.run import analyze_sources

MODULES = 9


def _module(i: int) -> str:
    """pkg/m{i}: a tf.function calling its own printing helper and the previous module's tf.function."""
    head = "import tensorflow as tf\n"
    call = ""
    if i:
        head += f"from pkg.m{i - 1} import step{i - 1}\n"
        call = f" + step{i - 1}(x)"
    return (f"{head}\n\ndef helper{i}(x):\n    print(x)\n    return x\n\n\n"
            f"@tf.function\ndef step{i}(x):\n    return helper{i}(x){call}\n")


def _project() -> dict[str, bytes]:
    sources = {"pkg/__init__.py": b""}
    for i in range(MODULES):
        sources[f"pkg/m{i}.py"] = _module(i).encode()
    return sources


@pytest.mark.parametrize(("edited", "rechecked"), [
    # Only the edited module: its neighbours depend on the names they use of it (facts/interface.py), and
    # nobody uses `added`. Before per-name interface digests, its importer and the module it calls were
    # re-checked too; before stable ids, every module after it in path order.
    (0, ["pkg/m0.py"]),
    (4, ["pkg/m4.py"]),
    (8, ["pkg/m8.py"]),
])
def test_adding_a_function_rechecks_the_module_and_its_neighbours_only(tmp_path: Path, edited: int,
                                                                     rechecked: list[str]) -> None:
    sources = _project()
    cache = AnalysisCache(tmp_path)
    cold = analyze_sources(sources, cache=cache)
    assert len(cache.stats.checked_paths) == MODULES + 1  # every module checked once, the package too
    assert {f.code for f in cold.findings} >= {"HYB001"}

    path = f"pkg/m{edited}.py"
    sources[path] += b"\n\ndef added(y):\n    return y * 3\n"
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    assert cache.stats.checked_paths == rechecked
    assert [(f.code, f.path, f.line) for f in warm.findings] == \
        [(f.code, f.path, f.line) for f in analyze_sources(sources).findings]
