"""The on-disk cache: warm runs parse only what changed, and give the same findings as a cold run."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache, default_cache_dir, open_cache
from hybridize_bot.analysis.pipeline.run import analyze_sources

from .helpers import files

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/util.py": """
        def report(x):
            print("value", x)
    """,
    "pkg/train.py": """
        import tensorflow as tf
        from pkg.util import report

        @tf.function
        def train_step(x):
            report(x)
            return x
    """,
    "pkg/other.py": """
        import tensorflow as tf

        @tf.function
        def describe(name, count):
            return f"{name}: {count}"

        describe("a", 1)
    """,
}


def _key(result):
    return [(f.code, f.path, f.line, f.col, f.message, f.fingerprint, f.call_path) for f in result.findings]


def test_warm_run_parses_nothing_and_gives_identical_findings(tmp_path: Path) -> None:
    sources = files(PROJECT)
    cold = analyze_sources(sources)
    cache = AnalysisCache(tmp_path)
    first = analyze_sources(sources, cache=cache)
    assert cache.stats.parsed == 4 and cache.stats.facts_hits == 0
    assert _key(first) == _key(cold)
    assert {f.code for f in cold.findings} >= {"HYB001", "HYB022"}

    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    assert cache.stats.parsed == 0
    assert cache.stats.snapshot_hits == 1 and cache.stats.findings_hits == 4
    assert _key(warm) == _key(cold)
    assert (warm.files_analyzed, warm.lines_analyzed) == (cold.files_analyzed, cold.lines_analyzed)


def test_touching_one_file_parses_only_that_file(tmp_path: Path) -> None:
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    analyze_sources(sources, cache=cache)
    sources["pkg/other.py"] += b"\n# a comment at the end\n"
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    assert cache.stats.parsed_paths == ["pkg/other.py"]
    assert cache.stats.findings_hits == 3 and cache.stats.findings_misses == 1
    assert cache.stats.snapshot_hits == 1  # a trailing comment changes no facts: the snapshot is reused
    assert _key(warm) == _key(analyze_sources(sources))


def test_touching_a_callee_reparses_at_most_what_rules_inspect_on_its_call_path(tmp_path: Path) -> None:
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    analyze_sources(sources, cache=cache)
    sources["pkg/util.py"] += b"\n# a comment at the end\n"
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    # util.py is re-checked; a rule may read the body of its caller train_step (train.py) on the path
    # from the tf.function, which parses that one module on demand. Nothing else is parsed.
    assert cache.stats.parsed_paths[0] == "pkg/util.py"
    assert set(cache.stats.parsed_paths) <= {"pkg/util.py", "pkg/train.py"}
    assert cache.stats.findings_misses == 1
    assert _key(warm) == _key(analyze_sources(sources))


def test_a_change_that_alters_facts_rechecks_dependent_modules(tmp_path: Path) -> None:
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    analyze_sources(sources, cache=cache)
    # report() no longer prints: train.py's graph context facts change, util.py's finding disappears.
    sources["pkg/util.py"] = b"def report(x):\n    return x\n"
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    cold = analyze_sources(sources)
    assert _key(warm) == _key(cold)
    assert cache.stats.snapshot_hits == 0 and cache.stats.snapshot_patches == 0  # more than lines changed
    # The snapshot is brought up to date from util.py's new facts alone (analysis/facts/project_delta.py):
    # the one facts hit is util.py's old facts, read to see that more than its lines changed
    # (analysis/facts/incremental.py); no other module's facts are loaded.
    assert cache.stats.snapshot_deltas == 1
    assert cache.stats.facts_hits == 1
    assert "pkg/util.py" in cache.stats.parsed_paths
    assert "pkg/other.py" not in cache.stats.parsed_paths  # unrelated module: untouched
    assert not any(f.path == "pkg/util.py" and f.code == "HYB001" for f in warm.findings)


def test_corrupt_cache_entries_are_misses(tmp_path: Path) -> None:
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    cold = analyze_sources(sources, cache=cache)
    for path in (tmp_path).rglob("*"):
        if path.is_file():
            path.write_bytes(b"\x00garbage")
    cache.reset_stats()
    again = analyze_sources(sources, cache=cache)
    assert cache.stats.parsed == 4
    assert _key(again) == _key(cold)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_unwritable_cache_directory_is_skipped_with_a_note(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = analyze_sources(files(PROJECT), cache=AnalysisCache(locked))
    finally:
        locked.chmod(0o700)
    assert result.findings
    assert any("cache" in n.message for n in result.notes)


def test_cache_file_in_place_of_directory_is_skipped_with_a_note(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result = analyze_sources(files(PROJECT), cache=AnalysisCache(blocker))
    assert {f.code for f in result.findings} >= {"HYB001"}
    assert any("analysis cache was skipped" in n.message for n in result.notes)


def test_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HYBRIDIZE_CACHE_DIR", str(tmp_path / "a"))
    assert default_cache_dir() == tmp_path / "a"
    monkeypatch.delenv("HYBRIDIZE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "hybridize"
    assert open_cache(no_cache=True) is None
    assert open_cache(str(tmp_path / "b")).root.parent == tmp_path / "b"


def test_parallel_workers_give_the_same_findings_as_one_process(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    sources = files(PROJECT)
    serial = analyze_sources(sources)
    monkeypatch.setenv("HYBRIDIZE_JOBS", "2")
    parallel = analyze_sources(sources)
    assert _key(parallel) == _key(serial)
    assert (parallel.files_analyzed, parallel.lines_analyzed) == (serial.files_analyzed, serial.lines_analyzed)
    cache = AnalysisCache(tmp_path)
    filled = analyze_sources(sources, cache=cache)  # cold cache: workers, facts and findings written
    assert _key(filled) == _key(serial) and cache.stats.parsed == 4
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)  # warm cache: served in this process, nothing parsed
    assert _key(warm) == _key(serial) and cache.stats.parsed == 0


def test_a_reused_snapshot_still_resolves_aliases_and_answers_facts(tmp_path: Path) -> None:
    from hybridize_bot.analysis.config import Config
    from hybridize_bot.analysis.pipeline.load import load_project

    spec = {"m.py": """
        import tensorflow as tf

        def helper(x):
            return tf.reduce_sum(x)

        def caller(x):
            f = helper
            return f(x)

        caller(tf.ones(2))
    """}
    cache = AnalysisCache(tmp_path)
    load_project(files(spec), Config(), cache)
    cache.reset_stats()
    loaded = load_project(files(spec), Config(), cache)
    assert cache.stats.snapshot_hits == 1 and cache.stats.parsed == 0
    facts = loaded.project.facts
    caller = next(ff for ff in facts.all_functions() if ff.qualname == "caller")
    assert facts.pf.resolve(caller.fid, ("f",))[1] == next(
        ff.fid for ff in facts.all_functions() if ff.qualname == "helper")
    helper = next(ff for ff in facts.all_functions() if ff.qualname == "helper")
    assert helper.tensor_parameters["x"].value is True


def test_an_edit_that_only_moves_lines_patches_the_snapshot(tmp_path: Path) -> None:
    # train.py's lines move: the HYB001 finding in util.py names train_step's line on its call path, so
    # another module's finding changes although its own bytes did not.
    sources = files(PROJECT)
    cache = AnalysisCache(tmp_path)
    analyze_sources(sources, cache=cache)
    sources["pkg/train.py"] = b"# a new first line\n" + sources["pkg/train.py"]
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    assert cache.stats.snapshot_patches == 1 and cache.stats.snapshot_hits == 0
    assert _key(warm) == _key(analyze_sources(sources))
    [hyb001] = [f for f in warm.findings if f.code == "HYB001"]
    assert hyb001.call_path == ("train_step (pkg/train.py:6)", "report (pkg/util.py:1)")

    # Lines moved inside util.py as well (blank lines in the middle of report): patched from the same
    # snapshot, which was not rewritten.
    sources["pkg/util.py"] = b"def report(x):\n\n\n    print('value', x)\n"
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    assert cache.stats.snapshot_patches == 1
    assert _key(warm) == _key(analyze_sources(sources))
    assert [f.line for f in warm.findings if f.code == "HYB001"] == [4]

    # Back to the original bytes: the snapshot's own state again.
    sources = files(PROJECT)
    cache.reset_stats()
    assert _key(analyze_sources(sources, cache=cache)) == _key(analyze_sources(sources))
    assert cache.stats.snapshot_hits == 1


def test_an_edit_that_adds_a_side_effect_to_a_helper_recomputes_the_facts(tmp_path: Path) -> None:
    project = dict(PROJECT)
    project["pkg/util.py"] = """
        def report(x):
            print("value", x)

        def scale(x):
            return x * 2
    """
    project["pkg/train.py"] = """
        import tensorflow as tf
        from pkg.util import report, scale

        @tf.function
        def train_step(x):
            report(x)
            return scale(x)
    """
    sources = files(project)
    cache = AnalysisCache(tmp_path)
    before = analyze_sources(sources, cache=cache)
    # scale() now prints (and its lines move): more than lines changed, so no patching; the new
    # finding on the path from train_step appears exactly as in a cold run.
    sources["pkg/util.py"] = sources["pkg/util.py"].replace(b"    return x * 2", b"    print(x)\n    return x * 2")
    cache.reset_stats()
    warm = analyze_sources(sources, cache=cache)
    assert cache.stats.snapshot_patches == 0 and cache.stats.snapshot_hits == 0
    assert _key(warm) == _key(analyze_sources(sources))
    assert len([f for f in warm.findings if f.code == "HYB001"]) == len(
        [f for f in before.findings if f.code == "HYB001"]) + 1


def test_line_map_pairs_moved_lines_and_refuses_other_changes() -> None:
    from hybridize_bot.analysis.facts.extract import extract_module
    from hybridize_bot.analysis.facts.incremental import line_map
    from hybridize_bot.analysis.source import parse
    from hybridize_bot.analysis.summary import build_summary

    def facts(text: str) -> dict:
        return extract_module(build_summary(parse("m.py", text.encode()), "m", False))

    base = "import tensorflow as tf\n\n@tf.function\ndef f(x):\n    print(x)\n    return g(x)\n\ndef g(y):\n    return y\n"
    moved = line_map(facts(base), facts("# header\n\n" + base))
    assert moved is not None and moved[5] == 7 and moved[8] == 10
    assert line_map(facts(base), facts(base.replace("print(x)", "print(x, x)"))) is None  # an argument added
    assert line_map(facts(base), facts(base.replace("return g(x)", "return g(x) + g(x)"))) is None  # a call added
    assert line_map(facts(base), facts(base.replace("return g(x)", "return  g(x)"))) is None  # a column moved


def test_the_analyzer_version_lists_every_python_file_under_the_package(tmp_path: Path) -> None:
    # analyzer_version() digests (path, size, mtime) of these: what `_python_files` lists decides when
    # cached findings die. Nested packages count; caches and other files do not.
    from hybridize_bot.analysis.cache import _python_files

    (tmp_path / "rules" / "__pycache__").mkdir(parents=True)
    (tmp_path / "a.py").write_bytes(b"x = 1\n")
    (tmp_path / "rules" / "r.py").write_bytes(b"")
    (tmp_path / "rules" / "__pycache__" / "r.py").write_bytes(b"")
    (tmp_path / "rules" / "notes.md").write_bytes(b"")
    os.utime(tmp_path / "a.py", ns=(1_000_000_000, 1_000_000_000))
    os.utime(tmp_path / "rules" / "r.py", ns=(2_000_000_000, 2_000_000_000))
    entries: list[tuple[str, int, int]] = []
    _python_files(str(tmp_path), "", entries)
    assert sorted(entries) == [("a.py", 6, 1_000_000_000), ("rules/r.py", 0, 2_000_000_000)]
