"""A module's context signature: what its findings can depend on from outside the module.

Used as part of the findings cache key (analysis/cache.py): the module's own bytes are keyed
separately; this digests the interprocedural facts of its functions (graph context and call path,
side effects, parameter kinds, callers, loops, recursion...) and the fact digests of every module it
is linked to (modules it calls or imports, modules that call it). Rules look at other modules only
through those links, so an unchanged signature means unchanged findings.
"""
from __future__ import annotations

from typing import Iterable

from .api import RepoFacts
from .project_facts import SHOWN_PATH, ProjectFacts
from ..cache import digest


def module_signatures(repo: RepoFacts, facts_digests: dict[str, str],
                      only: Iterable[int] | None = None) -> dict[str, str]:
    """path -> signature for every module (or the module indexes in `only`)."""
    pf, fx = repo.pf, repo.fx
    out: dict[str, str] = {}
    for mi in (range(len(pf.mods)) if only is None else sorted(only)):
        mod = pf.mods[mi]
        base, count = pf.base[mi], len(mod["fns"])
        linked: set[int] = set()
        parts: list[object] = []
        for fid in range(base, base + count):
            for edge in pf.edges[fid]:
                linked.add(pf.fn_mod[edge.callee])
            callers = []
            for edge in pf.callers[fid]:
                linked.add(pf.fn_mod[edge.caller])
                callers.append((edge.caller, edge.line, edge.via, pf.in_graph(edge.caller)))
            # Findings spell out only the shown steps of the path (and the count of the others).
            path = (tuple(pf.describe(g) for g in pf.graph_path(fid, SHOWN_PATH)), pf.graph_depth[fid]) \
                if fid in pf.graph_parent else ()
            parts.append((
                path, pf.root_kind[fid], tuple(fx.effects[fid].items()), fx.unknown[fid], fx.eager[fid],
                fx.tensor_comp[fid], fx.recursive[fid], fx.in_loop[fid], _params(fx.tensor[fid]),
                _params(fx.primitive[fid]), fx.returns_tensor[fid], tuple(pf.graph_required[fid]),
                tuple(callers),
            ))
        linked.update(_imported(pf, mod))
        linked.discard(mi)
        neighbours = tuple(sorted(facts_digests.get(pf.mods[m]["path"], "") for m in linked))
        out[mod["path"]] = digest(tuple(parts), neighbours)
    return out


def _imported(pf: ProjectFacts, mod: dict) -> set[int]:
    """The project modules a module imports (by their longest importable prefix)."""
    out: set[int] = set()
    for target in mod["imports"].values():
        head = target
        while head:
            found = pf.by_name.get(head)
            if found is not None:
                out.add(found)
                break
            head = head.rpartition(".")[0]
    return out


def importers_of(pf: ProjectFacts, modules: set[int]) -> set[int]:
    """The modules that import one of `modules` (each is linked to it in its signature)."""
    names = tuple(pf.mods[mi]["module"] for mi in modules if pf.mods[mi]["module"])
    prefixes = tuple(name + "." for name in names)
    out = set()
    for mi, mod in enumerate(pf.mods):
        # Only an import naming the module (or something in it) can resolve to it: test those exactly.
        if any(t in names or t.startswith(prefixes) for t in mod["imports"].values()) and _imported(pf, mod) & modules:
            out.add(mi)
    return out


def _params(facts: dict) -> tuple:
    """Parameter facts without their Edge objects (which marshal cannot write)."""
    return tuple((name, v[0], v[1], (v[2].caller, v[2].line, v[2].col) if v[2] is not None else None)
                 for name, v in facts.items())
