"""A project snapshot stores no `callers` (each function's incoming edges): a loaded one rebuilds them
from the edges on first read (analysis/facts/project_facts.py `__getattr__`), in the order a cold run
lists them, since the fixpoints visit callers in that order."""
from __future__ import annotations

import pickle

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.pipeline.load import load_project

SOURCES = {
    "pkg/__init__.py": b"",
    "pkg/a.py": b"from pkg.b import g, h\n\n\ndef f(x):\n    g(x)\n    h(x)\n    return g(x)\n",
    "pkg/b.py": b"def g(x):\n    return h(x)\n\n\ndef h(x):\n    return x\n",
}


def _callers(pf, qualname: str) -> list[tuple[str, str, int]]:
    fid = next(fid for fid in range(len(pf.fns)) if pf.qualname(fid) == qualname)
    return [(pf.path_of(edge.caller), pf.qualname(edge.caller), edge.line) for edge in pf.callers[fid]]


def test_a_loaded_snapshot_rebuilds_the_callers_a_cold_run_built() -> None:
    repo = load_project(SOURCES, Config(), None).project.facts
    data = pickle.dumps(repo)  # as the snapshot body stores it
    loaded = pickle.loads(data).pf
    assert "callers" not in vars(loaded)  # not stored: nothing rebuilt before a read
    for pf in (repo.pf, loaded):
        assert _callers(pf, "g") == [("pkg/a.py", "f", 5), ("pkg/a.py", "f", 7)]
        assert _callers(pf, "h") == [("pkg/a.py", "f", 6), ("pkg/b.py", "g", 2)]
        assert _callers(pf, "f") == []
    assert "callers" in vars(loaded)  # rebuilt once, then a plain attribute
    # The same Edge objects as the edges (renumbering an edge in place renumbers it in both).
    assert all(any(e is edge for e in loaded.edges[edge.caller]) for lst in loaded.callers for edge in lst)
    # A snapshot of a loaded (and read) snapshot stores none either.
    assert "callers" not in vars(pickle.loads(pickle.dumps(loaded)))


def test_other_missing_attributes_still_raise() -> None:
    loaded = pickle.loads(pickle.dumps(load_project(SOURCES, Config(), None).project.facts)).pf
    try:
        loaded.no_such_table  # noqa: B018
    except AttributeError as exc:
        assert str(exc) == "no_such_table"
    else:
        raise AssertionError("no AttributeError")
