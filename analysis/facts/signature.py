"""A module's context signature: what its findings can depend on from outside the module.

Used as part of the findings cache key (analysis/cache.py): the module's own bytes are keyed
separately; this digests the interprocedural facts of its functions (graph context and call path,
side effects, parameter kinds, callers, loops, recursion...) and the fact digests of every module it
is linked to (modules it calls or imports, modules that call it), each cut down to what the module can
read of it (interface.py: the rest of the linked module's facts and the groups of the top-level names
it mentions or has call edges with). Rules look at other modules only through those links, so an
unchanged signature means unchanged findings.

Functions appear in a signature by a stable identity, (module path, qualified name, index in its
module), never by their run-wide number: that number is the function's position in the whole
repository, so adding a function to the first module in path order shifted every later one and
re-checked nearly every module (738 of 838, issue 11). What a linked module contains is in the
signature through its facts digest, so the identity needs no hash of its own.
"""
from __future__ import annotations

from operator import methodcaller
from typing import Callable, Iterable

from .api import RepoFacts
from .attribute_reads import unobserved_stores
from .interface import Interfaces, owner, view
from .project_facts import SHOWN_PATH, ProjectFacts
from ..cache import digest


def module_signatures(repo: RepoFacts, only: Iterable[int] | None = None,
                      interfaces: Interfaces | None = None) -> dict[str, str]:
    """path -> signature for every module (or the module indexes in `only`). `interfaces` cuts the
    modules' facts (a warm run's holds the snapshot's cuts: its records lack what cutting needs)."""
    pf, fx = repo.pf, repo.fx
    sid = _stable_ids(pf)
    if interfaces is None:
        interfaces = Interfaces(pf.mods)
    fn_mod = pf.fn_mod
    out: dict[str, str] = {}
    for mi in (range(len(pf.mods)) if only is None else sorted(only)):
        mod = pf.mods[mi]
        base, count = pf.base[mi], pf.size(mi)
        linked: dict[int, set[str]] = {}  # linked module -> top-level names of its functions at our edges
        parts: list[object] = []
        for fid in range(base, base + count):
            for edge in pf.edges[fid]:
                linked.setdefault(fn_mod[edge.callee], set()).add(owner(pf.qualname(edge.callee)))
            callers = []
            for edge in pf.callers[fid]:
                linked.setdefault(fn_mod[edge.caller], set()).add(owner(pf.qualname(edge.caller)))
                callers.append((sid(edge.caller), edge.line, edge.via, pf.in_graph(edge.caller)))
            # Findings spell out only the shown steps of the path (and the count of the others).
            path = (tuple(pf.describe(g) for g in pf.graph_path(fid, SHOWN_PATH)), pf.graph_depth[fid]) \
                if fid in pf.graph_parent else ()
            recursive = fx.recursive[fid]
            parts.append((
                path, pf.root_kind[fid], pf.test_rooted(fid),
                tuple((key, _origin(sid, value)) for key, value in fx.effects[fid].items()),
                _origin(sid, fx.unknown[fid]), _origin(sid, fx.eager[fid]), _origin(sid, fx.tensor_comp[fid]),
                None if recursive is None else tuple(sorted(sid(m) for m in recursive)),
                _origin(sid, fx.in_loop[fid]), _params(sid, fx.tensor[fid]), _params(sid, fx.primitive[fid]),
                fx.returns_tensor[fid], tuple(pf.graph_required[fid]), tuple(callers),
                # HYB002's stores that nothing reads (project-wide: attribute_reads.py)
                unobserved_stores(pf, fid) if fid in pf.graph_parent else (),
            ))
        for m in _imported(pf, mod):
            linked.setdefault(m, set())
        linked.pop(mi, None)
        me = interfaces.of(mi)
        neighbours = tuple((pf.mods[m]["path"], view(me, interfaces.of(m), linked[m])) for m in sorted(linked))
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
    if not names:
        return set()
    out = set()
    starts = methodcaller("startswith", names)
    for mi, mod in enumerate(pf.mods):
        targets = mod["imports"].values()
        # Only an import naming the module (or something in it) can resolve to it: a target that starts
        # with one of the names (one C-level test per target; a longer sibling name also passes, and
        # `_imported` then tests exactly). A Python-level test per target was 4 ms of a warm run.
        if targets and any(map(starts, targets)) and _imported(pf, mod) & modules:
            out.add(mi)
    return out


def _stable_ids(pf: ProjectFacts) -> Callable[[int], tuple[str, str, int]]:
    """fid -> (module path, qualified name, index in its module): the same for the same function
    whatever is added to or removed from other modules."""
    fn_mod, base, mods, qualname = pf.fn_mod, pf.base, pf.mods, pf.qualname

    def sid(fid: int) -> tuple[str, str, int]:
        mi = fn_mod[fid]
        return (mods[mi]["path"], qualname(fid), fid - base[mi])

    return sid


def _origin(sid: Callable[[int], tuple], value: tuple | None) -> tuple | None:
    """A fixpoint entry (origin fid, ...) with the origin's stable identity."""
    return None if value is None else (sid(value[0]),) + tuple(value[1:])


def _params(sid: Callable[[int], tuple], facts: dict) -> tuple:
    """Parameter facts without their Edge objects (which marshal cannot write)."""
    return tuple((name, v[0], v[1], (sid(v[2].caller), v[2].line, v[2].col) if v[2] is not None else None)
                 for name, v in facts.items())
