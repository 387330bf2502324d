"""`analyze(..., changed=...)` (`check --diff`, pull-request reviews) loads only what the changed modules
need: their importers (possible callers, for graph context) and what those import (issue 11)."""
from __future__ import annotations

from pathlib import Path

import pytest

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


def _layered_project(users: int) -> dict[str, bytes]:
    """`core/ops.py` imported by `users` modules; `tools/leaf.py` imported by nobody."""
    spec = {
        "core/__init__.py": "",
        "core/ops.py": """
            def log(x):
                print("op", x)
                return x
        """,
        "tools/leaf.py": """
            import tensorflow as tf

            @tf.function
            def alone(x):
                print(x)
                return x
        """,
    }
    for i in range(users):
        spec[f"users/u{i}.py"] = f"""
            import tensorflow as tf
            from core.ops import log

            @tf.function
            def step_{i}(x):
                return log(x)
        """
    return files(spec)


def test_a_change_most_of_a_large_project_needs_gets_a_whole_run_checking_only_it(tmp_path: Path) -> None:
    sources = _layered_project(70)  # 73 modules; a change of core/ops.py needs 72 of them (all but the leaf)
    cache = AnalysisCache(tmp_path)
    result = analyze(sources, cache=cache, changed=["core/ops.py"])
    assert len(cache.stats.parsed_paths) == 73  # the leaf too: the whole project is loaded...
    assert cache.stats.checked_paths == ["core/ops.py"]  # ...but only the changed module is checked
    assert [(f.code, f.path, f.line) for f in result.findings] == [("HYB001", "core/ops.py", 2)]
    assert (cache.root / "projects").exists()  # and the project snapshot is kept for the next push
    cache.reset_stats()
    analyze(sources, cache=cache, changed=["core/ops.py"])
    assert cache.stats.parsed == 0 and cache.stats.checked_paths == [] and cache.stats.snapshot_hits == 1


def test_a_change_a_few_modules_of_a_large_project_need_stays_scoped(tmp_path: Path) -> None:
    sources = _layered_project(70)
    cache = AnalysisCache(tmp_path)
    result = analyze(sources, cache=cache, changed=["tools/leaf.py"])
    assert cache.stats.parsed_paths == ["tools/leaf.py"]
    assert cache.stats.checked_paths == ["tools/leaf.py"]
    assert [(f.code, f.path, f.line) for f in result.findings] == [("HYB001", "tools/leaf.py", 5)]
    assert not (cache.root / "projects").exists()


def test_a_change_that_gets_a_whole_run_lists_the_project_s_files_once(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Choosing between a scoped and a whole run needs the files and their module names; the whole run
    # takes them from that choice instead of deriving them again.
    from hybridize_bot.analysis.pipeline import sources as sources_module

    listed: list[int] = []
    original = sources_module.module_names

    def spy(python, config, result):  # noqa: ANN001, ANN202
        listed.append(len(python))
        return original(python, config, result)

    from hybridize_bot.analysis.pipeline import run as run_module

    monkeypatch.setattr(sources_module, "module_names", spy)
    if hasattr(run_module, "module_names"):  # wherever the run may call it from
        monkeypatch.setattr(run_module, "module_names", spy)
    analyze(_layered_project(70), cache=AnalysisCache(tmp_path), changed=["core/ops.py"])
    assert listed == [73]
