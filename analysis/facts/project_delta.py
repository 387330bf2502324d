"""Bringing a project snapshot's whole-repository facts up to date after some modules changed (warm runs).

The whole-repository facts (project_facts.py, compute.py) are derived from every module's facts, but an
edit to one module changes few of them. This recomputes only what the changed modules' facts can reach:

1. Resolution. Other modules resolve names into a module through its namespace (`top`, `classes`,
   `aliases`, `imports`...) and the resolution-relevant fields of its function records (`_INTERFACE`).
   When those are unchanged, apart from top-level functions added or removed under names that no module
   of the project mentions (`referenced_names`, kept with the snapshot), every other function resolves
   its calls exactly as before: its edges are kept (renumbered) and only the changed modules' functions
   are resolved again.
2. Graph roots and graph context (`ProjectFacts.finish`): recomputed over the whole call graph (cheap:
   one walk over the edges).
3. Fixpoints: recomputed for the connected components (call edges and result links, compute.py) that
   hold a changed function, a function that lost a caller or a result link, or a function whose graph
   root changed; every other component keeps its facts (`Fixpoints(only=..., prior=...)`).

The result is the cold run's: nothing here decides a fact, it only chooses what to recompute. Anything
the conditions above do not cover (a class changed, an interface field changed, a mentioned name
added or removed) returns None and the caller recomputes everything.
"""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Iterable

from .compute import Fixpoints, Gone, runs_of
from .dependency_links import connected, result_links
from .incremental import _paths_through
from .attribute_reads import storing_modules, update_reads
from .interface import collect_names
from .module_store import RecordView
from .project_facts import _SNAPSHOT_DROP

if TYPE_CHECKING:
    from .api import RepoFacts
    from .project_facts import ProjectFacts

# The fields of a function record that resolving *other* functions reads (call_resolution.py: scopes,
# classes, self attributes, call offsets, properties): a change to one of them recomputes everything.
_INTERFACE = ("q", "n", "par", "cls", "self", "sattr", "nest", "alias", "inst", "p")
# Module fields compared as a whole ("fns", "top", "imports" and "hsites" are compared as described above).
_FREE = frozenset({"fns", "top", "lines", "hsites", "imports", "ar"})


def referenced_names(modules: Iterable[dict[str, Any]]) -> frozenset[str]:
    """Every name (dotted names split) that the modules' facts mention, except the names they define at
    their top level and their functions' own names: a top-level function whose name is not in here is
    resolved by no call, import, base class or alias of the project."""
    out: set[str] = set()
    for mod in modules:
        for key, value in mod.items():
            if key == "fns":
                for rec in value:
                    for field, item in rec.items():
                        if field not in ("q", "n", "l", "el", "aw"):
                            collect_names(item, out)
            elif key == "imports":
                collect_names(_imported(mod, value), out)
            elif key not in ("top", "path", "lines", "v", "ar"):  # `ar`: attribute names, not name references
                collect_names(value, out)
    return frozenset(out)


def _imported(mod: dict[str, Any], imports: dict[str, str]) -> dict[str, str]:
    """The module's imports without the bindings of its own top-level functions (`f` ->
    `this.module.f`: definitions, not mentions)."""
    own = mod["module"] + "."
    return {name: target for name, target in imports.items()
            if not (name in mod["top"] and target == own + name)}


def _interface(rec: dict[str, Any]) -> tuple:
    # Of the decorators, resolution reads only whether the function is a property (`_property_edges`).
    prop = any(d.endswith("property") or d.endswith("cached_property") for d in rec["deco"])
    return tuple(rec[f] for f in _INTERFACE) + (prop,)


def _dynamic(fns: list[dict[str, Any]]) -> list[str]:
    """The functions that read attributes by computed names (`dyn`, attribute_uses.py): they decide which
    classes' stores HYB002 may leave out over whole class hierarchies (attribute_reads.py), so a change
    of them recomputes everything."""
    return [rec["q"] for rec in fns if rec.get("dyn")]


def _compatible(old: dict[str, Any], new: dict[str, Any], names: frozenset[str]) -> bool:
    """`new` differs from `old` only in ways that leave every other module's resolution as it was."""
    if old.keys() != new.keys() or any(old[k] != new[k] for k in old if k not in _FREE):
        return False
    if _imported(old, old["imports"]) != _imported(new, new["imports"]):
        return False
    old_fns, new_fns = old["fns"], new["fns"]
    if old_fns[-1]["q"] != "<module>" or new_fns[-1]["q"] != "<module>":
        return False
    keep = min(len(old_fns), len(new_fns)) - 1  # records before the module's own, kept in place
    if _dynamic(old_fns) != _dynamic(new_fns):
        return False
    if _interface(old_fns[-1]) != _interface(new_fns[-1]):
        return False
    if any(_interface(old_fns[i]) != _interface(new_fns[i]) for i in range(keep)):
        return False
    for name in old["top"].keys() | new["top"].keys():
        before, after = old["top"].get(name), new["top"].get(name)
        if before == after:
            continue
        if name in names or (before is not None and after is not None):
            return False  # a mentioned name added or removed, or a function moved
    return True


def _record(rec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in rec.items() if k not in _SNAPSHOT_DROP}


def _inputs(rec: dict[str, Any], edges: list, unknown: Any, eager_local: Any, keras_calls: int,
            tf_object_calls: Any, number: list[int | None]) -> tuple:
    """What the fixpoints read of one function: its record (without the raw calls, which they read
    only as resolved here) and its resolved calls, with callees under the numbering `number`."""
    out = tuple((number[e.callee], e.via, e.line, e.col, e.in_loop, e.args, e.kwargs, e.star, e.offset, e.recv,
                 e.root) for e in edges)
    return (_record(rec), out, unknown, eager_local, keras_calls, tf_object_calls)


def apply_delta(repo: "RepoFacts", changed: dict[str, dict[str, Any]], names: frozenset[str]) -> set[int] | None:
    """Make `repo` (a private copy: a freshly loaded snapshot) the facts of the project whose changed
    modules now have the facts in `changed` (path -> module facts). Returns the indexes of the modules
    whose context signature (signature.py) may have changed, or None when the edit is not one this
    handles; `repo` may then be half updated and must be dropped."""
    pf, fx = repo.pf, repo.fx
    changed_mi: dict[int, dict[str, Any]] = {}
    for path, facts in changed.items():
        mi = pf.by_path.get(path)
        if mi is None or not _compatible(pf.mods[mi], facts, names):
            return None
        changed_mi[mi] = facts
    try:
        return _apply(repo, pf, fx, changed_mi)
    except Gone:
        return None


def _apply(repo: "RepoFacts", pf: "ProjectFacts", fx: Fixpoints, changed_mi: dict[int, dict[str, Any]]) -> set[int]:
    old_n = len(pf.fn_mod)
    new_of: list[int | None] = [None] * old_n
    fn_mod: list[int] = []
    base: list[int] = []
    old_records: dict[int, list] = {}  # a changed module's records before the edit (`_inputs`)
    # Counted from the numbering, not from the records: a snapshot's modules stay packed (module_store.py).
    ends = pf.base[1:] + [old_n]
    for mi in range(len(pf.mods)):
        old_base, count = pf.base[mi], ends[mi] - pf.base[mi]
        start = len(fn_mod)
        base.append(start)
        if mi in changed_mi:
            old_records[mi] = pf.mods[mi]["fns"]
            new_count = len(changed_mi[mi]["fns"])
            keep = min(count, new_count) - 1
            for i in range(keep):
                new_of[old_base + i] = start + i
            new_of[old_base + count - 1] = start + new_count - 1  # the module's own record stays last
        else:
            new_count = count
            new_of[old_base:old_base + count] = range(start, start + count)
        fn_mod.extend([mi] * new_count)
    n = len(fn_mod)
    changed_fids = [fid for mi in sorted(changed_mi) for fid in range(base[mi], base[mi] + len(changed_mi[mi]["fns"]))]
    changed_paths = {pf.mods[mi]["path"] for mi in changed_mi}

    def move(fid: int) -> int:
        found = new_of[fid]
        if found is None:
            raise Gone(fid)
        return found

    # The call graph: edges of unchanged functions are kept (renumbered in place: parameter facts hold
    # the same objects), the changed modules' functions are resolved again.
    seeds: set[int] = set()  # functions whose fixpoints must be recomputed
    before: dict[int, tuple] = {}  # a changed module's function (new number) -> what it was (`_inputs`)
    reached: dict[int, list[int]] = {}  # ... -> the functions it called or read results of
    old_edges: dict[int, list] = {}  # ... -> its edges before the edit
    edges: list[list] = [[] for _ in range(n)]
    unknown: list = [None] * n
    eager_local: list = [None] * n
    keras_calls: list[int] = [0] * n
    tf_object_calls: list = [None] * n
    # Kept functions move a run at a time (`runs_of`: every function after an appended one moves by one)...
    for start, to, count in runs_of(new_of):
        edges[to:to + count] = pf.edges[start:start + count]
        unknown[to:to + count] = pf.unknown[start:start + count]
        eager_local[to:to + count] = pf.eager_local[start:start + count]
        keras_calls[to:to + count] = pf.keras_calls[start:start + count]
        tf_object_calls[to:to + count] = pf.tf_object_calls[start:start + count]
    # ... except the changed modules' functions, resolved again below from blank entries.
    changed_old = set()
    for mi in changed_mi:
        changed_old.update(range(pf.base[mi], ends[mi]))
    for old in sorted(changed_old):
        new = new_of[old]
        # What it reached: to recompute if it is gone or changed (then it no longer calls them as before).
        neighbours = [new_of[g] for g in itertools.chain((e.callee for e in pf.edges[old]), fx.ret_links[old])
                      if new_of[g] is not None]
        if new is None:
            seeds.update(neighbours)
            continue
        mi = pf.fn_mod[old]
        before[new] = _inputs(old_records[mi][old - pf.base[mi]], pf.edges[old], pf.unknown[old], pf.eager_local[old],
                              pf.keras_calls[old], pf.tf_object_calls[old], new_of)
        reached[new], old_edges[new] = neighbours, pf.edges[old]
        edges[new], unknown[new], eager_local[new], keras_calls[new], tf_object_calls[new] = [], None, None, 0, None
    for old, new in enumerate(new_of):
        out = pf.edges[old]
        if not out or old in changed_old:
            continue
        for edge in out:
            callee = new_of[edge.callee]  # (inline `move`: 14,000 edges)
            if callee is None:
                raise Gone(edge.callee)
            edge.caller, edge.callee = new, callee
    required_targets: set[int] = set()  # modules whose graph-only uses came or come from a changed module
    graph_required: list[list[tuple]] = [[] for _ in range(n)]
    for old, uses in enumerate(pf.graph_required):
        kept = [use for use in uses if use[0] not in changed_paths]
        if len(kept) != len(uses):
            required_targets.add(pf.fn_mod[old])
        if kept:
            graph_required[move(old)] = kept
    old_roots = {new_of[f]: (kind, pf.root_in_test.get(f)) for f, kind in enumerate(pf.root_kind) if kind is not None}
    # (A function that is gone leaves None in its callees' context: they differ from the new context.)
    old_context = {new_of[f]: (new_of[p] if p != -1 else -1, pf.graph_depth[f], new_of[pf.graph_root[f]])
                   for f, p in pf.graph_parent.items() if new_of[f] is not None}

    flipped = set()  # attribute names read by no module before the edit, or by none after it
    for mi, facts in changed_mi.items():
        flipped |= update_reads(pf.attr_reads, pf.mods[mi].get("ar", ()), facts.get("ar", ()))
        pf.mods[mi] = facts
    pf.fn_mod, pf.base = fn_mod, base
    pf.fns = fns = RecordView(pf.mods, fn_mod, base)  # the new modules and numbering
    pf.edges, pf.unknown, pf.eager_local, pf.keras_calls = edges, unknown, eager_local, keras_calls
    pf.tf_object_calls = tf_object_calls
    pf.graph_required = graph_required
    # Memo tables holding function numbers (class bases and Keras-ness hold module indexes: still valid).
    pf._lookup_cache, pf._module_scope_cache, pf._self_attr_cache = {}, {}, {}
    pf._attr_dynamic = None
    added: dict[int, list[tuple]] = {}
    identity = list(range(n))
    rewritten: set[int] = set()  # functions of the changed modules whose own record changed
    for fid in changed_fids:
        out, required = pf._resolve_function(fid)
        edges[fid] = out
        for target, use in required:
            added.setdefault(target, []).append(use)
        old_inputs = before.get(fid)
        if old_inputs is None or old_inputs[0] != _record(fns[fid]):
            rewritten.add(fid)
        if old_inputs != _inputs(fns[fid], out, unknown[fid], eager_local[fid], keras_calls[fid],
                                 tf_object_calls[fid], identity):
            seeds.add(fid)  # what the fixpoints read of it changed (its record or its resolved calls)
            seeds.update(reached.get(fid, ()))
        else:
            # The same calls: keep the old Edge objects (renumbered), which kept parameter facts cite.
            edges[fid] = old_edges[fid]
            for edge in edges[fid]:
                edge.caller, edge.callee = fid, move(edge.callee)
    for target, uses in added.items():
        required_targets.add(fn_mod[target])
        # Uses are listed in the order of the functions making them, that is by module path.
        graph_required[target] = sorted(graph_required[target] + uses, key=lambda use: use[0])
    pf.callers = [[] for _ in range(n)]
    for fid in range(n):
        for edge in edges[fid]:
            pf.callers[edge.callee].append(edge)
    pf.root_kind = [None] * n
    pf.graph_parent, pf.graph_depth, pf.graph_root = {}, {}, {}
    pf.finish()

    new_roots = {f: (kind, pf.root_in_test.get(f)) for f, kind in enumerate(pf.root_kind) if kind is not None}
    seeds.update(f for f in old_roots.keys() ^ new_roots.keys() if f is not None)
    seeds.update(f for f in old_roots.keys() & new_roots.keys() if old_roots[f] != new_roots[f])
    new_context = {f: (p, pf.graph_depth[f], pf.graph_root[f]) for f, p in pf.graph_parent.items()}
    context_changed = {f for f in old_context.keys() | new_context.keys() if old_context.get(f) != new_context.get(f)}

    prior, damaged = fx.renumbered(new_of, n, seeds)
    result_links(pf, changed_fids, prior.ret_links, {})
    recompute = connected(pf, seeds, prior.ret_links)  # the seeds' components, not every function's
    only = sorted(recompute)
    if not damaged <= recompute:
        raise Gone(-1)  # a kept fact would name a function that is gone (not expected: recompute all)
    repo.fx = Fixpoints(pf, only=only, prior=prior)
    repo._cache.clear()

    touched = set(changed_mi) | required_targets | {fn_mod[f] for f in only}
    for fid in changed_fids:  # modules linked to a changed one by calls: its facts digest is in their signature
        touched.update(fn_mod[e.callee] for e in edges[fid])
        touched.update(fn_mod[e.caller] for e in pf.callers[fid])
        touched.update(fn_mod[g] for g in reached.get(fid, ()))
    touched.update(fn_mod[g] for g in seeds)
    for f in context_changed:
        touched.add(fn_mod[f])
        touched.update(fn_mod[e.callee] for e in edges[f])  # their callers' graph membership is in signatures
    touched |= _paths_through(pf.graph_parent, rewritten, fn_mod)  # their lines and names are in call paths
    touched |= storing_modules(pf, flipped)  # HYB002's unread stores are in their signatures
    from .signature import importers_of

    return touched | importers_of(pf, set(changed_mi))
