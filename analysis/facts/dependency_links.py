"""Dependency links of the fixpoints: which functions' facts a function's facts read.

The call edges are most of them; `result_links` adds the functions whose returns-a-tensor fact a
function's parameter facts read (call results it returns or passes on), and `components` groups the
functions connected by either. Separate because a warm run (project_delta.py) needs just these to
decide what to recompute, and the fixpoints (compute.py) need them to iterate per component.
"""
from __future__ import annotations

import itertools
from typing import Any, Iterable, Iterator

from .call_resolution import CTOR
from .project_facts import ProjectFacts


def result_links(pf: ProjectFacts, fids: Iterable[int], links: list[tuple[int, ...]],
                 memo: dict[tuple[int, tuple], Any]) -> None:
    """Set `links[fid]`, for each of `fids`, to the project functions whose returns-a-tensor fact its
    parameter facts read: the targets of the call results (("r", ref) kinds) it returns or binds at its
    call sites (arguments and the callees' defaults). `memo`: (caller, ref) -> resolution."""
    for fid in fids:
        targets = []
        for ref in _result_refs(pf, fid):
            key = (fid, tuple(ref))
            if key not in memo:
                memo[key] = pf.resolve(fid, key[1])
            found = memo[key]
            if found is not None and found[0] == "fn" and found[3] != CTOR:
                targets.append(found[1])
        links[fid] = tuple(targets)


def _result_refs(pf: ProjectFacts, fid: int) -> Iterator[tuple]:
    for kind in pf.fns[fid]["ret"]:
        if isinstance(kind, tuple) and kind[0] == "r":
            yield kind[1]
    for edge in pf.edges[fid]:
        for kind in itertools.chain(edge.args, (k for _name, k in edge.kwargs), pf.fns[edge.callee]["dflt"].values()):
            if isinstance(kind, tuple) and kind[0] == "r":
                yield kind[1]


def components(pf: ProjectFacts, fids: Iterable[int], links: list[tuple[int, ...]]) -> dict[int, int]:
    """Function -> its connected component (a representative), over the call edges and result links of
    `fids` (union-find; `fids` must be closed under both, e.g. every function)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for fid in fids:
        a = find(fid)
        for g in itertools.chain((edge.callee for edge in pf.edges[fid]), links[fid]):
            b = find(g)
            if a != b:
                parent[b] = a
    return {fid: find(fid) for fid in fids}


def connected(pf: ProjectFacts, seeds: Iterable[int], links: list[tuple[int, ...]]) -> set[int]:
    """The functions in the components (`components`, over every function) of `seeds`: a walk from the
    seeds over the call edges and result links in both directions. A warm run (project_delta.py)
    needs only the components an edit touched; this visits just them instead of every function.
    `pf.callers` must hold the callers of `pf.edges`."""
    back: dict[int, list[int]] = {}  # result links the other way
    for fid, targets in enumerate(links):
        for target in targets:
            back.setdefault(target, []).append(fid)
    seen = set(seeds)
    todo = list(seen)
    while todo:
        fid = todo.pop()
        for g in itertools.chain((edge.callee for edge in pf.edges[fid]), (edge.caller for edge in pf.callers[fid]),
                                 links[fid], back.get(fid, ())):
            if g not in seen:
                seen.add(g)
                todo.append(g)
    return seen
