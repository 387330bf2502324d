"""A module's neighbours depend on the names they use of it, not on all of its facts (issue 11,
analysis/facts/interface.py): a warm run re-checks exactly the modules an edit can change, and its
results are a cold run's."""
from __future__ import annotations

from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.facts.interface import Interfaces, cut, view
from hybridize_bot.analysis.facts.project_delta import referenced_names
from hybridize_bot.analysis.pipeline.load import load_project
from hybridize_bot.analysis.pipeline.run import analyze_sources

# app calls lib.scale from a tf.function; tool calls lib.unrelated; lib calls neither of them.
PROJECT = {
    "pkg/__init__.py": "",
    "pkg/app.py": (
        "import tensorflow as tf\n"
        "from pkg.lib import scale\n\n\n"
        "@tf.function\n"
        "def step(x):\n"
        "    return scale(x)\n"
    ),
    "pkg/lib.py": (
        "def scale(x):\n"
        "    return x * 2\n\n\n"
        "def unrelated(y):\n"
        "    return y\n"
    ),
    "pkg/tool.py": (
        "from pkg.lib import unrelated\n\n\n"
        "def run(v):\n"
        "    print(v)\n"
        "    return unrelated(v)\n"
    ),
}

EDITS = {
    # A function nobody references: only its own module.
    "add unreferenced": ("pkg/lib.py", "\n\ndef fresh(z):\n    return z + 1\n", None),
    # A function app calls gets another parameter: lib and app; tool uses only `unrelated`.
    "change a called function": ("pkg/lib.py", "def scale(x):\n    return x * 2\n",
                                 "def scale(x, factor=2):\n    return x * factor\n"),
    # The called function now prints: its side effects (reached from app's tf.function) change. (On the
    # same line: a line inserted would move `unrelated`, whose lines tool's view of lib holds.)
    "change side effects": ("pkg/lib.py", "def scale(x):\n    return x * 2\n",
                            "def scale(x):\n    return print(x) or x * 2\n"),
    # The other function changes: lib and tool, not app.
    "change the other function": ("pkg/lib.py", "def unrelated(y):\n    return y\n",
                                  "def unrelated(y):\n    return [y]\n"),
}

RECHECKED = {
    "add unreferenced": ["pkg/lib.py"],
    "change a called function": ["pkg/app.py", "pkg/lib.py"],
    "change side effects": ["pkg/app.py", "pkg/lib.py"],
    "change the other function": ["pkg/lib.py", "pkg/tool.py"],
}


def _edit(sources: dict[str, str], name: str) -> dict[str, str]:
    path, old, new = EDITS[name]
    out = dict(sources)
    if new is None:
        out[path] += old
    else:
        assert old in out[path]
        out[path] = out[path].replace(old, new)
    return out


def _encoded(sources: dict[str, str]) -> dict[str, bytes]:
    return {path: text.encode() for path, text in sources.items()}


def _findings(sources: dict[str, str], cache: AnalysisCache | None) -> list[tuple]:
    return [(f.code, f.path, f.line, f.col, f.message)
            for f in analyze_sources(_encoded(sources), cache=cache).findings]


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edit_rechecks_the_modules_using_what_changed(tmp_path: Path, edit: str) -> None:
    cache = AnalysisCache(tmp_path)
    analyze_sources(_encoded(PROJECT), cache=cache)
    edited = _edit(PROJECT, edit)
    cache.reset_stats()
    warm = _findings(edited, cache)
    assert cache.stats.checked_paths == RECHECKED[edit]
    assert warm == _findings(edited, None)


def test_side_effects_reach_the_findings_of_the_calling_module(tmp_path: Path) -> None:
    """The side-effect edit above changes a finding: the print runs once per trace of app's step."""
    edited = _edit(PROJECT, "change side effects")
    assert [(code, path, line) for code, path, line, _col, _msg in _findings(edited, None)] == \
        [("HYB001", "pkg/lib.py", 2)]


def test_warm_runs_after_several_edits_equal_cold_runs(tmp_path: Path) -> None:
    """One cache through a series of edits (each on top of the last): findings and every module's
    context signature equal those of a cold run on the same sources."""
    warm_cache = AnalysisCache(tmp_path / "warm")
    sources = dict(PROJECT)
    analyze_sources(_encoded(sources), cache=warm_cache)
    steps = ["add unreferenced", "change side effects", "change the other function", "change a called function"]
    for i, step in enumerate(steps):
        sources = _edit(sources, step) if step != "change a called function" else {
            **sources, "pkg/lib.py": sources["pkg/lib.py"].replace("def scale(x):", "def scale(x, factor=2):")}
        warm_findings = _findings(sources, warm_cache)
        assert warm_findings == _findings(sources, None), step
        warm = load_project(_encoded(sources), Config(), warm_cache).signatures
        cold = load_project(_encoded(sources), Config(), AnalysisCache(tmp_path / f"cold{i}")).signatures
        assert warm == cold, step


def test_a_star_import_uses_every_name() -> None:
    lib = {"v": 0, "path": "pkg/lib.py", "module": "pkg.lib", "pkg": False, "imports": {}, "stars": [],
           "classes": {}, "nclasses": {}, "top": {"a": 0, "b": 1}, "aliases": {}, "hsites": [], "all": None,
           "fns": [{"q": "a", "calls": []}, {"q": "b", "calls": []}, {"q": "<module>", "calls": []}], "lines": 9}
    user = dict(lib, path="pkg/user.py", module="pkg.user", top={}, fns=[{"q": "<module>", "calls": []}])
    assert [name for name, _ in view(cut(user), cut(lib))[1]] == []
    assert [name for name, _ in view(cut(user), cut(lib), ["b"])[1]] == ["b"]
    assert [name for name, _ in view(cut(dict(user, stars=["pkg.lib"])), cut(lib))[1]] == ["a", "b"]


def test_a_cut_collects_what_the_module_mentions_apart_from_its_own_names() -> None:
    """`cut` walks the facts once for both its names (every string) and its mentions (what
    `project_delta.referenced_names` collects: no function's own name, no top-level definition, no
    import binding its own function, no path)."""
    mod = {"v": 0, "path": "pkg/mod.py", "module": "pkg.mod", "pkg": False, "stars": [], "hsites": [], "all": None,
           "imports": {"tf": "tensorflow", "helper": "pkg.mod.helper", "other": "pkg.util.other"},
           "classes": {"Model": ["keras.Model"]}, "nclasses": {}, "top": {"helper": 0, "Model": 1},
           "aliases": {"alias": "np.sum"}, "lines": 9,
           "fns": [{"q": "helper", "n": "helper", "l": 1, "el": 2, "calls": [("tf.reduce_sum", 2)]},
                   {"q": "Model.call", "n": "call", "l": 4, "el": 5, "calls": [("self.helper_layer", 5)]},
                   {"q": "<module>", "n": "<module>", "l": 1, "el": 9, "calls": [("other", 8)]}]}
    found = cut(mod)
    assert found.mentions == {"tensorflow", "tf", "reduce_sum", "pkg", "util", "other", "keras", "Model", "self",
                              "helper_layer", "alias", "np", "sum", "mod"}
    assert {"helper", "call", "<module>", "pkg/mod", "py", "calls", "top", "fn"} <= found.names
    assert found.mentions <= found.names
    assert found.mentions == referenced_names([mod])


def test_the_cuts_mentions_are_the_projects_referenced_names() -> None:
    mods = load_project(_encoded(PROJECT), Config()).project.facts.pf.mods
    assert Interfaces(mods).mentions() == referenced_names(mods)
    assert "scale" in Interfaces(mods).mentions()  # app imports it
    assert "fresh" not in Interfaces(mods).mentions()
