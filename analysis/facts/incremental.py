"""Re-using a project snapshot after edits that only moved lines (analysis/pipeline/snapshot.py, warm runs).

A line inserted or removed above some code changes every later line number of the module, so its facts
(and its interface digest) change, but nothing the whole-repository facts are made of does: call
resolution, the call graph and every fixpoint depend on names, argument kinds, columns and the order of
things, never on line values (`project_facts.py` and `compute.py` only copy lines into their results,
as evidence). So when a changed module's facts equal the snapshot's facts of it with every line number
set aside (`line_map` finds them equal and pairs each old line with its new one, consistently), the
snapshot's whole-repository facts become this run's by rewriting the lines that came from that module,
instead of resolving and iterating the fixpoints over the whole repository again. Anything else (a call
added, a column moved, a name changed) returns None here and the caller recomputes everything.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .project_facts import _SNAPSHOT_DROP

if TYPE_CHECKING:
    from .api import RepoFacts


class LineMismatch(Exception):
    """A line in the snapshot that the line map does not cover: the snapshot cannot be patched."""


def _split_lines(facts: dict[str, Any]) -> tuple[dict[str, Any], list[int]]:
    """The module's facts with every line number set to 0, and those line numbers in a fixed order.

    The line-bearing fields are those `function_walker.py` writes (see `FunctionWalker.record`): a function's
    first/last line (l/el), the line of each call (calls[2]), callback (cbs[1]), local effect (fx[2]),
    eager-only call (eo[0]), NumPy use (npp[0]) and hybrid site (hy[1]); a class's line; the line of an
    unresolved tf.function(...) site (hsites[2]); and the module's line count."""
    lines: list[int] = []
    fns = []
    for rec in facts["fns"]:
        if rec["q"] == "<module>":
            r = dict(rec)  # its l/el are always 1, not a position: nothing to pair
        else:
            r = dict(rec, l=0, el=0)
            lines += (rec["l"], rec["el"])
        r["calls"] = [c[:2] + (0,) + c[3:] for c in rec["calls"]]
        lines += [c[2] for c in rec["calls"]]
        r["cbs"] = [c[:1] + (0,) + c[2:] for c in rec["cbs"]]
        lines += [c[1] for c in rec["cbs"]]
        r["fx"] = [c[:2] + (0,) + c[3:] for c in rec["fx"]]
        lines += [c[2] for c in rec["fx"]]
        r["eo"] = [(0,) + c[1:] for c in rec["eo"]]
        lines += [c[0] for c in rec["eo"]]
        r["npp"] = [(0,) + c[1:] for c in rec["npp"]]
        lines += [c[0] for c in rec["npp"]]
        if rec["hy"] is not None:
            r["hy"] = rec["hy"][:1] + (0,) + rec["hy"][2:]
            lines.append(rec["hy"][1])
        fns.append(r)
    classes = {}
    for store in ("classes", "nclasses"):
        classes[store] = {name: dict(cls, l=0) for name, cls in facts[store].items()}
        lines += [cls["l"] for cls in facts[store].values()]
    hsites = [site[:2] + (0,) + site[3:] for site in facts["hsites"]]
    lines += [site[2] for site in facts["hsites"]]
    return dict(facts, fns=fns, hsites=hsites, lines=0, **classes), lines


def line_map(old: dict[str, Any], new: dict[str, Any]) -> dict[int, int] | None:
    """Old line -> new line when `new` is `old` with lines moved (and nothing else changed), else None."""
    if len(old["fns"]) != len(new["fns"]):
        return None  # a function added or removed (the shapes differ): known before splitting either
    old_shape, old_lines = _split_lines(old)
    new_shape, new_lines = _split_lines(new)
    if old_shape != new_shape or len(old_lines) != len(new_lines):
        return None
    out: dict[int, int] = {}
    for before, after in zip(old_lines, new_lines):
        if out.setdefault(before, after) != after:
            return None  # one old line became two different ones: not a plain move
    return out


def patch_lines(repo: "RepoFacts", moved: dict[str, tuple[dict[str, Any], dict[int, int]]]) -> set[int]:
    """Rewrite, in place, the lines that came from the moved modules: path -> (new facts, line map).

    Returns the indexes of the modules whose context signature (signature.py) may have changed: the
    moved modules, every module holding a rewritten value, the modules calling or called by a moved
    one, those whose call paths pass through one, and those importing one. Any other module's
    signature parts are exactly the snapshot's.

    `repo` must be a private copy (a freshly loaded snapshot). Raises LineMismatch when a line to rewrite
    is not in its module's map; the copy is then unusable and the caller recomputes."""
    pf, fx = repo.pf, repo.fx
    maps: dict[int, dict[int, int]] = {}  # module index -> line map
    for path, (facts, lines) in moved.items():
        mi = pf.by_path[path]
        maps[mi] = lines
        base = pf.base[mi]
        stripped = [{k: v for k, v in rec.items() if k not in _SNAPSHOT_DROP} for rec in facts["fns"]]
        if len(stripped) != len(pf.mods[mi]["fns"]):
            raise LineMismatch(path)
        pf.mods[mi] = dict(facts, fns=stripped)
        if isinstance(pf.fns, list):  # built by this run; a loaded snapshot's reads `pf.mods` (module_store.py)
            pf.fns[base:base + len(stripped)] = stripped
    fn_mod = pf.fn_mod

    def move(fid: int, line: int) -> int:
        lines = maps.get(fn_mod[fid])
        if lines is None:
            return line
        try:
            return lines[line]
        except KeyError:
            raise LineMismatch(pf.path_of(fid)) from None

    touched: set[int] = set(maps)
    moved_fids: set[int] = set()
    for mi in maps:
        for fid in range(pf.base[mi], pf.base[mi] + len(pf.mods[mi]["fns"])):
            moved_fids.add(fid)
            touched.update(fn_mod[edge.caller] for edge in pf.callers[fid])
            touched.update(fn_mod[edge.callee] for edge in pf.edges[fid])
            for edge in pf.edges[fid]:  # shared with `callers` and with the parameter facts' evidence
                # A property read is recorded at the reading function's own line (call_edges.py).
                edge.line = pf.fns[fid]["l"] if edge.via == "property" else move(fid, edge.line)
            for table in (pf.unknown, pf.eager_local, pf.tf_object_calls):
                if table[fid] is not None:
                    table[fid] = (move(fid, table[fid][0]),) + tuple(table[fid][1:])
    moved_paths = {pf.mods[mi]["path"]: mi for mi in maps}
    for owner, uses in enumerate(pf.graph_required):
        for i, (path, line, what) in enumerate(uses):
            mi = moved_paths.get(path)
            if mi is not None:
                uses[i] = (path, _move_in(maps[mi], line, path), what)
                touched.add(fn_mod[owner])
    for fid, effects in enumerate(fx.effects):
        for key, (origin, line, detail) in list(effects.items()):
            if fn_mod[origin] in maps:
                effects[key] = (origin, move(origin, line), detail)
                touched.add(fn_mod[fid])
    for table in (fx.unknown, fx.eager, fx.in_loop):
        _move_origins(table, maps, fn_mod, move, touched)
    for table in (fx.tensor_comp, fx.tensor_maybe):  # (origin, the origin's own line, detail)
        for fid, value in enumerate(table):
            if value is not None and fn_mod[value[0]] in maps:
                table[fid] = (value[0], pf.fns[value[0]]["l"], value[2])
                touched.add(fn_mod[fid])
    touched |= _paths_through(pf.graph_parent, moved_fids, fn_mod)
    repo._cache.clear()
    return touched


def _paths_through(parent: dict[int, int], fids: set[int], fn_mod: list[int]) -> set[int]:
    """Modules of the functions whose graph call path (root first) passes through one of `fids`."""
    through: dict[int, bool] = {}
    out: set[int] = set()
    for start in parent:
        chain = []
        fid = start
        while True:
            if fid in through:
                hit = through[fid]
                break
            if fid in fids:
                hit = True
                break
            chain.append(fid)
            fid = parent[fid]
            if fid == -1:
                hit = False
                break
        for g in chain:
            through[g] = hit
        if hit:
            out.add(fn_mod[start])
    return out


def _move_in(lines: dict[int, int], line: int, path: str) -> int:
    try:
        return lines[line]
    except KeyError:
        raise LineMismatch(path) from None


def _move_origins(table: list, maps: dict[int, dict[int, int]], fn_mod: list[int], move: Any,
                  touched: set[int]) -> None:
    """Entries (origin fid, line, ...) whose origin is in a moved module get the new line."""
    for fid, value in enumerate(table):
        if value is not None and fn_mod[value[0]] in maps:
            table[fid] = (value[0], move(value[0], value[1])) + tuple(value[2:])
            touched.add(fn_mod[fid])

