"""A warm run brings the snapshot's whole-repository facts up to date by recomputing only what an edit
reaches (analysis/facts/project_delta.py): its results must be a cold run's, fact for fact."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.facts.dependency_links import connected
from hybridize_bot.analysis.pipeline.load import load_project
from hybridize_bot.analysis.pipeline.run import analyze_sources

# Sorted paths: a_data (start), m_model (middle), other, z_util (end).
PROJECT = {
    "pkg/__init__.py": "",
    "pkg/a_data.py": (
        "import tensorflow as tf\n"
        "from pkg.m_model import scale\n\n\n"
        "def load(n):\n"
        "    return tf.ones([n])\n\n\n"
        "def batches(items):\n"
        "    for item in items:\n"
        "        yield scale(item, 3)\n"
    ),
    "pkg/m_model.py": (
        "import tensorflow as tf\n"
        "from pkg.z_util import report\n\n\n"
        "def scale(x, factor):\n"
        "    report(x)\n"
        "    return x * factor\n\n\n"
        "@tf.function\n"
        "def step(x):\n"
        "    return scale(x, 2.0)\n\n\n"
        "def setup(n):\n"
        "    return n\n\n\n"
        "print(setup(5))\n"
    ),
    "pkg/other.py": (
        "def unrelated(a):\n"
        "    return a + 1\n\n\n"
        "def spare(b):\n"
        "    return b\n"
    ),
    "pkg/z_util.py": (
        "def report(value):\n"
        "    print(value)\n"
    ),
}

EDITS = {
    # Start of the project: a new caller passes a tensor to scale (m_model), which passes it on to
    # report (z_util): a parameter fact of two other modules changes.
    "start": ("pkg/a_data.py", "append", "\n\ndef warm_up():\n    return scale(load(3), 2.0)\n"),
    # Middle: scale no longer prints. Its side effects (and step's) change, report loses its caller, and
    # a_data imports m_model.
    "middle": ("pkg/m_model.py", "replace", ("    report(x)\n", "")),
    # Middle, a function nothing calls: only m_model (its neighbours' signatures hold only the parts of
    # its facts they use, facts/interface.py). The function's number shifts that of m_model's top-level
    # code, whose call is the evidence of setup's parameter fact.
    "middle-added": ("pkg/m_model.py", "append", "\n\ndef unused(z):\n    return z\n"),
    # End: a function nothing calls. Only z_util (the module importing it uses only `report`).
    "end": ("pkg/z_util.py", "append", "\n\ndef added(y):\n    return y * 3\n"),
    # A function removed that nothing mentions: only its module.
    "removed": ("pkg/other.py", "replace", ("\n\n\ndef spare(b):\n    return b\n", "\n")),
}

RECHECKED = {
    "start": ["pkg/a_data.py", "pkg/m_model.py", "pkg/z_util.py"],
    "middle": ["pkg/a_data.py", "pkg/m_model.py", "pkg/z_util.py"],
    "middle-added": ["pkg/m_model.py"],
    "end": ["pkg/z_util.py"],
    "removed": ["pkg/other.py"],
}


def _sources(edit: str | None = None) -> dict[str, bytes]:
    out = dict(PROJECT)
    if edit is not None:
        path, how, change = EDITS[edit]
        if how == "append":
            out[path] += change
        else:
            assert change[0] in out[path]
            out[path] = out[path].replace(*change)
    return {path: text.encode() for path, text in out.items()}


def _facts(sources: dict[str, bytes], cache: AnalysisCache) -> tuple[dict[str, str], list[tuple]]:
    """The modules' context signatures (every interprocedural fact of their functions, digested) and a
    dump of the facts that signatures leave out, by stable function identity."""
    loaded = load_project(sources, Config(), cache)
    repo = loaded.project.facts
    pf, fx = repo.pf, repo.fx

    def sid(fid: Any) -> Any:
        return None if fid is None else (pf.path_of(fid), pf.fns[fid]["q"])

    dump = [(sid(fid), sid(fx.eager_from[fid]), fx.keras[fid], tuple(sid(g) for g in fx.ret_links[fid]),
             fx.tensor_maybe[fid] and sid(fx.tensor_maybe[fid][0]), pf.unknown[fid], pf.eager_local[fid])
            for fid in range(len(pf.fns))]
    assert loaded.signatures is not None
    return dict(loaded.signatures), dump


def _findings(sources: dict[str, bytes], cache: AnalysisCache | None) -> list[tuple]:
    return [(f.code, f.path, f.line, f.col, f.message) for f in analyze_sources(sources, cache=cache).findings]


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_warm_facts_after_an_edit_are_the_cold_facts(tmp_path: Path, edit: str) -> None:
    warm_cache = AnalysisCache(tmp_path / "warm")
    analyze_sources(_sources(), cache=warm_cache)
    edited = _sources(edit)

    warm_cache.reset_stats()
    warm_findings = _findings(edited, warm_cache)
    assert warm_cache.stats.snapshot_deltas == 1  # brought up to date, not recomputed
    assert warm_cache.stats.checked_paths == RECHECKED[edit]
    assert warm_findings == _findings(edited, None)

    warm_cache.reset_stats()
    warm = _facts(edited, warm_cache)
    assert warm_cache.stats.snapshot_deltas == 1
    cold = _facts(edited, AnalysisCache(tmp_path / "cold"))
    assert warm[1] == cold[1]
    assert warm[0] == cold[0]


def test_a_name_other_modules_mention_recomputes_everything(tmp_path: Path) -> None:
    """z_util gains a function named like one a_data defines and mentions: another module's resolution
    could change, so nothing is reused (and the results are still the cold run's)."""
    cache = AnalysisCache(tmp_path / "warm")
    analyze_sources(_sources(), cache=cache)
    edited = _sources()
    edited["pkg/z_util.py"] += b"\n\ndef scale(v):\n    return v\n"
    cache.reset_stats()
    assert _findings(edited, cache) == _findings(edited, None)
    assert cache.stats.snapshot_deltas == 0 and cache.stats.snapshot_hits == 0
    cache.reset_stats()
    assert _facts(edited, cache) == _facts(edited, AnalysisCache(tmp_path / "cold"))


def test_a_delta_recomputes_the_components_of_its_seeds_only() -> None:
    # `connected` walks from the seeds over call edges and result links, both ways (a warm run no longer
    # groups every function of the project into components to find the few an edit touched).
    repo = load_project(_sources(), Config()).project.facts
    pf = repo.pf

    def named(fids: set[int]) -> list[tuple[str, str]]:
        return sorted((pf.path_of(f), pf.fns[f]["q"]) for f in fids)

    fid = {(pf.path_of(f), pf.fns[f]["q"]): f for f in range(len(pf.fns))}
    links = list(repo.fx.ret_links)
    chain = [("pkg/a_data.py", "batches"), ("pkg/m_model.py", "scale"), ("pkg/m_model.py", "step"),
             ("pkg/z_util.py", "report")]
    # report is only called (by scale): the walk goes up to its callers and down from them.
    assert named(connected(pf, {fid["pkg/z_util.py", "report"]}, links)) == chain
    assert named(connected(pf, {fid["pkg/m_model.py", "setup"]}, links)) == [("pkg/m_model.py", "<module>"),
                                                                           ("pkg/m_model.py", "setup")]
    assert named(connected(pf, {fid["pkg/other.py", "unrelated"]}, links)) == [("pkg/other.py", "unrelated")]
    # A result link alone joins two functions, in both directions: load reads unrelated's result.
    links[fid["pkg/a_data.py", "load"]] = (fid["pkg/other.py", "unrelated"],)
    expected = [("pkg/a_data.py", "load"), ("pkg/other.py", "unrelated")]
    assert named(connected(pf, {fid["pkg/other.py", "unrelated"]}, links)) == expected
    assert named(connected(pf, {fid["pkg/a_data.py", "load"]}, links)) == expected
    assert named(connected(pf, {fid["pkg/other.py", "unrelated"], fid["pkg/z_util.py", "report"]}, links)) == \
        sorted(expected + chain)


def test_renumbered_moves_every_kept_fact_and_blanks_the_rest() -> None:
    # Five functions before the edit, six after: one inserted at new number 2 (old 2.. move up by one),
    # old 1 gone; new 4 (old 3) is to be recomputed (`skip`).
    from hybridize_bot.analysis.facts.compute import Fixpoints

    fx = Fixpoints.__new__(Fixpoints)
    fx.effects = [{}, {("io", "print"): (1, 7, "print")}, {("io", "print"): (4, 9, "x")}, {}, {("g", "v"): (3, 2, "")}]
    fx.unknown = [(0, 3, "f"), None, (4, 5, "g"), (1, 2, "h"), None]
    fx.eager = [None, None, None, None, (2, 8, "numpy")]
    fx.tensor_comp = [None, None, (2, 1, "tf.add"), None, None]
    fx.tensor_maybe = [None] * 5
    fx.recursive = [None, None, (2, 4), None, (2, 4)]
    fx.in_loop = [None, None, (0, 11), None, None]
    fx.eager_from = [0, None, 0, 4, 4]
    fx.tensor = [{}, {}, {"x": "t2"}, {}, {"y": "t4"}]
    fx.primitive = [{"n": "p0"}, {}, {}, {}, {}]
    fx.returns_tensor = [True, False, True, False, True]
    fx.ret_links = [(), (), (4,), (), (0, 2)]
    fx.keras = [False, False, False, True, True]

    out, damaged = fx.renumbered([0, None, 3, 4, 5], 6, {4})

    # Old 2 -> 3 and old 4 -> 5 keep their facts under new numbers; old 0 stays 0; new 1 (old 1 is gone)
    # and new 2 (inserted) are blank; new 4 (skipped) is blank; nothing kept named old 1 except old 3's
    # unknown call, and old 3 is skipped: no damage.
    assert damaged == set()
    assert out.effects == [{}, {}, {}, {("io", "print"): (5, 9, "x")}, {}, {("g", "v"): (4, 2, "")}]
    assert out.unknown == [(0, 3, "f"), None, None, (5, 5, "g"), None, None]
    assert out.eager == [None, None, None, None, None, (3, 8, "numpy")]
    assert out.tensor_comp == [None, None, None, (3, 1, "tf.add"), None, None]
    assert out.tensor_maybe == [None] * 6
    assert out.recursive == [None, None, None, (3, 5), None, (3, 5)]
    assert out.in_loop == [None, None, None, (0, 11), None, None]
    assert out.eager_from == [0, None, None, 0, None, 5]
    assert out.tensor == [{}, {}, {}, {"x": "t2"}, {}, {"y": "t4"}]
    assert out.primitive == [{"n": "p0"}, {}, {}, {}, {}, {}]
    assert out.returns_tensor == [True, False, False, True, False, True]
    assert out.ret_links == [(), (), (), (5,), (), (0, 3)]
    assert out.keras == [False, False, False, False, False, True]
    assert fx.effects[2] == {("io", "print"): (4, 9, "x")}  # the prior facts are left as they were

    # A kept fact naming a gone function: that function is damaged (blank, for the caller to recompute).
    out, damaged = fx.renumbered([0, 1, None, 3, 4], 5, set())
    assert damaged == {4}  # old 4's eager origin, recursion and result link name old 2
    assert out.eager[4] is None and out.recursive[4] is None and out.ret_links[4] == () and out.effects[4] == {}
    assert out.tensor[4] == {} and out.returns_tensor[4] is False and out.keras[4] is False
    assert out.unknown[3] == (1, 2, "h")
