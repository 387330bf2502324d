"""Build the whole-repository facts of a small in-memory project."""
from __future__ import annotations

import textwrap

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.pipeline.load import load_project
from hybridize_bot.analysis.facts.api import RepoFacts
from hybridize_bot.analysis.facts.model import FunctionFacts


def files(spec: dict[str, str]) -> dict[str, bytes]:
    return {path: textwrap.dedent(src).lstrip("\n").encode() for path, src in spec.items()}


def repo(spec: dict[str, str]) -> RepoFacts:
    """The facts as `hybridize facts` sees them (with the `reconfigure` outcome's evidence)."""
    return load_project(files(spec), Config(), reconfigure=True).project.facts


def fn(facts: RepoFacts, path: str, qualname: str) -> FunctionFacts:
    for ff in facts.all_functions():
        if ff.path == path and ff.qualname == qualname:
            return ff
    raise AssertionError(f"no function {qualname} in {path}: "
                         + ", ".join(f"{f.path}:{f.qualname}" for f in facts.all_functions()))


def callees(facts: RepoFacts, path: str, qualname: str) -> set[str]:
    ff = fn(facts, path, qualname)
    pf = facts.pf
    return {f"{pf.path_of(e.callee)}:{pf.fns[e.callee]['q']}" for e in pf.edges[ff.fid]}
