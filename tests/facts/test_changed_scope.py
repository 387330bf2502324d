"""`analyze(..., changed=...)` (`check --diff`, pull-request reviews) loads only what the changed modules
need: their importers (possible callers, for graph context) and what those import (issue 11)."""
from __future__ import annotations

from pathlib import Path

from hybridize_bot.analysis import analyze
from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.scope import imported_names

from .helpers import files

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": """
        def report(x):
            return x
    """,
    "pkg/layers.py": """
        from pkg.util import report

        def layer(x):
            print("layer", x)
            return report(x)
    """,
    "pkg/train.py": """
        import tensorflow as tf
        from pkg.layers import layer

        @tf.function
        def step(x):
            return layer(x)
    """,
    "pkg/data.py": """
        def load():
            return [1, 2]
    """,
    "pkg/evaluate.py": """
        from pkg import data

        def run():
            return data.load()
    """,
    "tools/main.py": """
        import pkg.train

        pkg.train.step(1)
    """,
    "other/standalone.py": """
        import tensorflow as tf

        @tf.function
        def alone(x):
            print(x)
            return x
    """,
}


def test_a_changed_module_loads_its_importers_and_their_imports_only(tmp_path: Path) -> None:
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    result = analyze(sources, cache=cache, changed=["pkg/layers.py"])
    assert sorted(cache.stats.parsed_paths) == [
        "pkg/__init__.py", "pkg/layers.py", "pkg/train.py", "pkg/util.py", "tools/main.py"]
    assert cache.stats.checked_paths == ["pkg/layers.py"]
    # The print is found because train.py's tf.function (a loaded importer) runs layer() as a graph.
    assert [(f.code, f.path, f.line) for f in result.findings] == [("HYB001", "pkg/layers.py", 4)]
    full = [(f.code, f.path, f.line, f.message) for f in analyze(sources).findings if f.path == "pkg/layers.py"]
    assert [(f.code, f.path, f.line, f.message) for f in result.findings] == full


def test_a_leaf_module_loads_itself_and_its_package() -> None:
    sources = files(PROJECT)
    result = analyze(sources, changed=["other/standalone.py"])
    assert result.files_analyzed == 1
    assert [(f.code, f.path) for f in result.findings] == [("HYB001", "other/standalone.py")]


def test_imported_names_reads_every_form_of_import() -> None:
    text = (b"import a.b as ab, c\n"
            b"from .sib import (x,\n    y)\n"
            b"from .. import up\n"
            b"    from d.e import f  # indented\n")
    assert imported_names(text, "p.q.mod", False) == {
        "a", "a.b", "c", "p", "p.q", "p.q.sib", "p.q.sib.x", "p.q.sib.y", "p.up", "d", "d.e", "d.e.f"}


def test_a_scoped_run_keeps_no_project_snapshot_and_reuses_the_module_facts(tmp_path: Path) -> None:
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    analyze(sources, cache=cache, changed=["pkg/layers.py"])
    assert not (cache.root / "projects").exists()
    cache.reset_stats()
    again = analyze(sources, cache=cache, changed=["pkg/layers.py"])
    assert cache.stats.parsed == 0 and cache.stats.checked_paths == []  # facts and findings from the cache
    assert [(f.code, f.path, f.line) for f in again.findings] == [("HYB001", "pkg/layers.py", 4)]
