"""The warm read path's shortcuts (issue 11, session 9): cache files read through a bare descriptor,
the fixpoint tables renumbered by concatenation, importers found by a prefix test, and the parsers a
warm run does not need left unimported. Each must answer exactly what the plain way answered."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.facts.compute import _moved, runs_of
from hybridize_bot.analysis.facts.signature import importers_of
from hybridize_bot.analysis.pipeline.load import load_project


@pytest.mark.parametrize("size", [0, 10, 65_535, 65_536, 65_537, 300_000])
def test_a_cache_file_is_read_whole_whatever_its_size(tmp_path: Path, size: int) -> None:
    # One read() of 64 KiB takes a small file; a file of 64 KiB or more is read again, whole.
    cache = AnalysisCache(tmp_path)
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    cache._write("findings", "ab" * 20, data)
    assert cache._read("findings", "ab" * 20) == data
    assert cache.problem is None


def test_a_missing_cache_file_is_a_silent_miss_and_an_unreadable_one_is_noted(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    assert cache._read("findings", "cd" * 20) is None
    assert cache.problem is None
    os.makedirs(tmp_path / "v1" / "findings" / "ef" / ("ef" * 20))  # a directory where the file would be
    assert cache._read("findings", "ef" * 20) is None
    assert cache.problem is not None and cache.problem.startswith("cannot read the cache")


def test_a_large_snapshot_round_trips_through_the_cache(tmp_path: Path) -> None:
    cache = AnalysisCache(tmp_path)
    value = {"modules": [("m%d" % i, list(range(50))) for i in range(2_000)]}  # well over 64 KiB pickled
    cache.put_snapshot("12" * 20, value)
    assert cache.get_snapshot("12" * 20) == value


def test_renumbered_tables_keep_each_run_and_blank_the_rest() -> None:
    # Old functions 0..4; function 2 is gone, one function is new at 3 (e.g. appended before a module's
    # own record, which moves from 3 to 4), and 4 moves to 5: a table of 6 entries.
    new_of = [0, 1, None, 4, 5]
    runs = runs_of(new_of)
    assert runs == [(0, 0, 2), (3, 4, 2)]
    assert _moved(["a", "b", "c", "d", "e"], runs, 6, None) == ["a", "b", None, None, "d", "e"]
    kept = [{"x": 1}, {}, {}, {"y": 2}, {}]
    table = _moved(kept, runs, 7, dict)
    assert table == [{"x": 1}, {}, {}, {}, {"y": 2}, {}, {}]
    assert table[0] is kept[0] and table[4] is kept[3]  # moved, not copied
    assert table[2] is not table[3] and table[5] is not table[6]  # each blank its own dict
    with pytest.raises(ValueError):
        _moved(["a", "b"], [(0, 1, 1), (1, 0, 1)], 2, None)


def test_importers_are_the_modules_importing_the_module_not_a_longer_named_sibling() -> None:
    sources = {
        "pkg/__init__.py": b"",
        "pkg/mod.py": b"def f(x):\n    return x\n",
        "pkg/model.py": b"def g(x):\n    return x\n",  # "pkg.model" starts with "pkg.mod"
        "pkg/modx/__init__.py": b"",
        "a_user.py": b"from pkg.mod import f\n\n\ndef use(x):\n    return f(x)\n",
        "b_sibling.py": b"from pkg.model import g\n\n\ndef use(x):\n    return g(x)\n",
        "c_package.py": b"import pkg.modx\n",
        "d_whole.py": b"import pkg.mod\n\n\ndef use(x):\n    return pkg.mod.f(x)\n",  # binds `pkg` only
        "e_nothing.py": b"import os\n",
        "f_from.py": b"from pkg import mod\n",
    }
    pf = load_project(sources, Config()).project.facts.pf
    mod = pf.by_path["pkg/mod.py"]
    found = {pf.mods[mi]["path"] for mi in importers_of(pf, {mod})}
    # (a module's imports hold its own top-level bindings too: `f` -> `pkg.mod.f`)
    assert found == {"a_user.py", "f_from.py", "pkg/mod.py"}
    assert importers_of(pf, set()) == set()


_RUN = """
import sys
from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.pipeline.run import analyze_sources
sources = {
    "pkg/__init__.py": b"",
    "pkg/m.py": b"import tensorflow as tf\\n\\n\\n@tf.function\\ndef step(x):\\n    print(x)\\n    return x\\n",
    "pkg/n.py": b"from pkg.m import step\\n\\n\\ndef run(x):\\n    return step(x)\\n",
}
cache = AnalysisCache(sys.argv[1])
if sys.argv[2] == "warm":
    sources["pkg/n.py"] += b"\\n\\ndef added(y):\\n    return y\\n"
analyze_sources(sources, cache=cache)
assert cache.stats.snapshot_deltas == (sys.argv[2] == "warm"), cache.stats
print(sorted(m for m in ("tomllib", "configparser", "uuid", "platform") if m in sys.modules))
"""


def test_a_warm_run_without_project_metadata_imports_no_parser_it_does_not_use(tmp_path: Path) -> None:
    # TOML and INI parsers load only to read a pyproject.toml, Pipfile or setup.cfg; `uuid` (which imports
    # `platform`) only to stamp a snapshot a run writes, which a warm run does not. A fresh interpreter
    # for each run, as a command-line run is.
    def run(mode: str) -> str:
        return subprocess.run([sys.executable, "-c", _RUN, str(tmp_path), mode], check=True, capture_output=True,
                              text=True, cwd=Path(__file__).resolve().parents[2]).stdout.strip()

    assert run("cold") == "['platform', 'uuid']"  # the cold run writes the snapshot
    assert run("warm") == "[]"
