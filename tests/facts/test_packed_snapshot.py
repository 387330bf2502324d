"""A project snapshot keeps each module's facts packed, decoded when a warm run first reads them
(analysis/facts/module_store.py): what a run reads must be what was stored, whether a module was
decoded or not, and a snapshot written in the previous layout must be ignored, not misread."""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.facts.module_store import PackedModule
from hybridize_bot.analysis.facts.project_facts import _SNAPSHOT_DROP, ProjectFacts
from hybridize_bot.analysis.pipeline import snapshot as snapshot_module
from hybridize_bot.analysis.pipeline.load import load_project

from .test_project_delta import _findings, _sources


def _stripped(mod: dict[str, Any]) -> dict[str, Any]:
    return dict(mod, fns=[{k: v for k, v in rec.items() if k not in _SNAPSHOT_DROP} for rec in mod["fns"]])


def test_a_loaded_snapshot_reads_as_the_facts_it_was_made_of() -> None:
    repo = load_project(_sources(), Config(), None).project.facts
    pf = repo.pf
    loaded = pickle.loads(pickle.dumps(repo)).pf  # as the snapshot body stores and reads it

    assert all(isinstance(mod, PackedModule) and not mod.decoded for mod in loaded.mods)
    # What passes over every module read comes without decoding any module.
    assert [mod["path"] for mod in loaded.mods] == ["pkg/__init__.py", "pkg/a_data.py", "pkg/m_model.py",
                                                      "pkg/other.py", "pkg/z_util.py"]
    assert [(loaded.path_of(fid), hy[0]) for fid, hy in loaded.records_with("hy")] == [("pkg/m_model.py", "decorator")]  # @tf.function step
    assert all("failure" not in mod for mod in loaded.mods)
    assert [loaded.qualname(fid) for fid in range(len(loaded.fns))] == [
        "<module>", "load", "batches", "<module>", "scale", "step", "setup", "<module>", "unrelated", "spare",
        "<module>", "report", "<module>"]
    assert [loaded.size(mi) for mi in range(len(loaded.mods))] == [1, 3, 4, 3, 2]
    assert not any(mod.decoded for mod in loaded.mods)

    # Records and modules, decoded one by one, are the ones stored (records without their raw calls).
    assert len(loaded.fns) == len(pf.fns)
    for fid in range(len(pf.fns)):
        assert loaded.fns[fid] == _stripped(pf.mods[pf.fn_mod[fid]])["fns"][pf.local_index(fid)]
    for mi, mod in enumerate(pf.mods):
        assert loaded.mods[mi] == _stripped(mod)
        assert dict(loaded.mods[mi]) == _stripped(mod)
    assert [rec["q"] for rec in loaded.fns] == [rec["q"] for rec in pf.fns]

    # The facts a rule asks for are the same from the packed snapshot as from the records it was made of.
    again = pickle.loads(pickle.dumps(repo))
    for fid in range(len(pf.fns)):
        assert again.of(fid) == repo.of(fid)


def test_a_warm_edit_decodes_only_the_modules_it_reads(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    load_project(_sources(), Config(), cache)
    # A function nobody calls appended to m_model: the delta decodes the module m_model's calls resolve
    # into (z_util: `report`). a_data (which imports m_model and calls scale) gets a new signature without
    # being decoded: signatures name functions by the qualified names kept beside each packed module.
    # pkg/__init__ and other are read by nothing.
    loaded = load_project(_sources("middle-added"), Config(), cache)
    assert cache.stats.snapshot_deltas == 1
    kept = {mod["path"]: (mod.decoded if isinstance(mod, PackedModule) else "replaced")
            for mod in loaded.project.facts.pf.mods}
    assert kept == {"pkg/__init__.py": False, "pkg/a_data.py": False, "pkg/m_model.py": "replaced",
                    "pkg/other.py": False, "pkg/z_util.py": True}


def test_a_snapshot_in_the_previous_layout_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache written by the version before packed modules (snapshot layout 2: plain module dicts and a
    list of records) is not read: its head is under another key, so the run recomputes, quietly."""
    def old_state(self: ProjectFacts) -> dict[str, Any]:
        state = self.__dict__.copy()
        mods = [_stripped(mod) for mod in self.mods]
        state.update(mods=mods, fns=[rec for mod in mods for rec in mod["fns"]], _module_scope_cache={},
                     _lookup_cache={}, _self_attr_cache={})
        return state

    cache = AnalysisCache(tmp_path)
    with monkeypatch.context() as old:
        old.setattr(snapshot_module, "SNAPSHOT_VERSION", 2)
        old.setattr(ProjectFacts, "__getstate__", old_state)
        _findings(_sources(), cache)
    cache.reset_stats()
    edited = _sources("middle-added")
    assert _findings(edited, cache) == _findings(edited, None)
    assert (cache.stats.snapshot_hits, cache.stats.snapshot_deltas, cache.stats.snapshot_patches) == (0, 0, 0)
    assert cache.problem is None
    cache.reset_stats()
    assert _findings(edited, cache) == _findings(edited, None)
    assert cache.stats.snapshot_hits == 1  # the snapshot this run wrote, in the current layout
