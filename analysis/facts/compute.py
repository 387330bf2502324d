"""The interprocedural fixpoints over `ProjectFacts`: side effects, unknown calls, tensor-ness, literals,
recursion, tensor computation, eager-only calls and loop context.

Each fixpoint is one worklist pass over the call edges (or a fixed number of rounds for the parameter
lattices), so the cost is linear in the number of edges, whether the module facts came from the cache
or were just extracted.

The passes live in side_effects.py, reachability.py and parameter_lattices.py, mixed into `Fixpoints`
here, which runs them in order and carries them over to a warm run (`renumbered`); the links between
functions that they follow are dependency_links.py.
"""
from __future__ import annotations

from typing import Any, Iterable

from .call_edges import Edge
from .dependency_links import result_links
from .parameter_lattices import ParamFact, ParameterLattices
from .project_facts import ProjectFacts
from .reachability import Reachability
from .side_effects import SideEffects


class Fixpoints(SideEffects, Reachability, ParameterLattices):
    """The fixpoints of one project. With `only` (a set of functions closed under call edges and
    result links, e.g. the components an edit touched) and `prior` (the fixpoints of the previous run,
    renumbered to this run's functions: `renumbered`), only those functions are recomputed and every
    other function keeps its prior facts (analysis/facts/project_delta.py, warm runs).

    Every analysis below propagates along edges only, seeded in function order, with FIFO work lists:
    restricted to a union of connected components it visits the same functions in the same relative
    order as over the whole project, so a partial recomputation gives the whole-project results. The
    parameter lattices iterate per component (`_parameters`) for the same reason."""

    def __init__(self, pf: ProjectFacts, *, only: list[int] | None = None, prior: "Fixpoints | None" = None) -> None:
        self.pf = pf
        n = len(pf.fns)
        self._scope: Iterable[int] = range(n) if only is None else only
        if prior is None:
            self.effects: list[dict[tuple[str, str], tuple[int, int, str]]] = [{} for _ in range(n)]
            self.unknown: list[tuple[int, int, str] | None] = [None] * n
            self.eager: list[tuple[int, int, str] | None] = [None] * n
            self.tensor_comp: list[tuple[int, int, str] | None] = [None] * n
            self.tensor_maybe: list[tuple[int, int, str] | None] = [None] * n
            self.recursive: list[tuple[int, ...] | None] = [None] * n
            self.in_loop: list[tuple[int, int] | None] = [None] * n  # (caller fid, line) of the loop call site
            self.eager_from: list[int | None] = [None] * n  # the eager entry point a function is reached from
            self.tensor: list[dict[str, ParamFact]] = [{} for _ in range(n)]
            self.primitive: list[dict[str, ParamFact]] = [{} for _ in range(n)]
            self.returns_tensor: list[bool] = [False] * n
            # The functions whose returns-a-tensor fact a function's parameter facts read (`_returns_tensor`):
            # links of the dependency graph that are not always call edges.
            self.ret_links: list[tuple[int, ...]] = [()] * n
            self.keras: list[bool] = [False] * n  # see keras_traced
        else:
            for name in _TABLES:
                setattr(self, name, getattr(prior, name))
            self._reset(self._scope)
        self._sites: dict[int, list[tuple[Edge, dict[str, Any]]]] = {}
        self._ret_cache: dict[tuple[int, tuple], Any] = {}
        self._psites: dict[int, dict[str, list[tuple[Any, Edge]]]] = {}
        self._result_links()
        self._keras_reach()
        self._side_effects()
        self._reach_unknown()
        self._reach_eager()
        self._recursion()
        self._eager_reach()
        self._loops()
        self._parameters()
        self._tensor_computation()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        # Memo tables: the call sites with their bindings are a fifth of a snapshot and a warm run asks
        # for the sites of a few functions only (rebuilt one function at a time, `sites`).
        state.update(_psites={}, _ret_cache={}, _sites={}, _scope=())
        return state

    def _reset(self, fids: Iterable[int]) -> None:
        for fid in fids:
            self.effects[fid], self.tensor[fid], self.primitive[fid] = {}, {}, {}
            self.unknown[fid] = self.eager[fid] = self.tensor_comp[fid] = self.tensor_maybe[fid] = None
            self.recursive[fid] = self.in_loop[fid] = self.eager_from[fid] = None
            self.returns_tensor[fid] = self.keras[fid] = False
            self.ret_links[fid] = ()

    def renumbered(self, new_of: list[int | None], n: int, skip: set[int]) -> tuple["Fixpoints", set[int]]:
        """These facts under another numbering of the functions (`new_of`: old fid -> new fid, or None for
        a function that is gone), for a project of `n` functions; the functions in `skip` (new numbers:
        about to be recomputed) and new ones are left blank. Also returns the functions whose facts
        referred to a function that is gone (left blank too): the caller must recompute them.

        An edit renumbers runs of consecutive functions by one offset each (every function after an
        appended one moves by one): the tables are moved a run at a time by slicing, and only the
        entries that name other functions (origins, recursion, entry points, result links) are
        rewritten, one by one (this was half of a warm run's delta when every function was)."""
        runs = runs_of(new_of)
        out = Fixpoints.__new__(Fixpoints)
        for name in _TABLES:
            setattr(out, name, _moved(getattr(self, name), runs, n, _BLANK[name]))
        # Entries naming functions, under the new numbers; one naming a gone function: `damaged`.
        damaged: set[int] = set()
        moved = new_of

        def origins(table: list) -> None:  # (origin fid, ...) or None
            for fid, value in enumerate(table):
                if value is not None:
                    found = moved[value[0]]
                    if found is None:
                        damaged.add(fid)
                    elif found != value[0]:
                        table[fid] = (found,) + value[1:]

        def numbers(table: list, empty: Any) -> None:  # tuples of fids (or empty)
            for fid, value in enumerate(table):
                if value:
                    found = tuple(moved[g] for g in value)
                    if None in found:
                        damaged.add(fid)
                    elif found != value:
                        table[fid] = found

        for name in ("unknown", "eager", "tensor_comp", "tensor_maybe", "in_loop"):
            origins(getattr(out, name))
        numbers(out.recursive, None)
        numbers(out.ret_links, ())
        for fid, entry in enumerate(out.eager_from):
            if entry is not None:
                found = moved[entry]
                if found is None:
                    damaged.add(fid)
                elif found != entry:
                    out.eager_from[fid] = found
        effects = out.effects
        for fid, found in enumerate(effects):
            if found and any(moved[value[0]] != value[0] for value in found.values()):
                # A new dict: the prior facts' own is left as it was (an unchanged one is shared, as
                # the parameter facts' are: nothing writes to a kept function's facts).
                renamed = {key: (moved[value[0]],) + value[1:] for key, value in found.items()}
                if any(value[0] is None for value in renamed.values()):
                    damaged.add(fid)
                effects[fid] = renamed
        # Parameter facts (tensor, primitive) hold Edge objects, renumbered in place with the call graph
        # (project_delta.py): moved as they are.
        out._reset(skip | damaged)
        return out, damaged - skip

    # ---- dependency links ----------------------------------------------------------------------
    def _result_links(self) -> None:
        """`ret_links` of the functions in scope (resolving now what `_returns_tensor` asks later)."""
        result_links(self.pf, self._scope, self.ret_links, self._ret_cache)

    def _resolve_result(self, caller: int, ref: tuple) -> Any:
        key = (caller, tuple(ref))
        if key not in self._ret_cache:
            self._ret_cache[key] = self.pf.resolve(caller, tuple(ref))
        return self._ret_cache[key]


class Gone(Exception):
    """A fact refers to a function that an edit removed (`Fixpoints.renumbered`)."""


# What a partial recomputation carries over from the prior facts (`Fixpoints.__init__`).
_TABLES = ("effects", "unknown", "eager", "tensor_comp", "tensor_maybe", "recursive", "in_loop", "eager_from",
           "tensor", "primitive", "returns_tensor", "ret_links", "keras")
# Each table's entry for a function with no facts (`dict`: a fresh empty dict each).
_BLANK: dict[str, Any] = {"effects": dict, "tensor": dict, "primitive": dict, "unknown": None, "eager": None,
                          "tensor_comp": None, "tensor_maybe": None, "recursive": None, "in_loop": None,
                          "eager_from": None, "returns_tensor": False, "keras": False, "ret_links": ()}


def _moved(old: list, runs: list[tuple[int, int, int]], n: int, blank: Any) -> list:
    """`old` renumbered by `runs` (`runs_of`: in increasing new numbers) into a table of `n` entries;
    the entries no run fills are `blank` (`dict`: a fresh empty dict each). Built by concatenation: a
    table of blanks overwritten by the runs made 9,000 throwaway dicts per dict table."""
    table: list = []
    for start, to, count in runs:
        if len(table) > to:
            raise ValueError("runs out of order")  # never: an edit keeps the kept functions' order
        if len(table) < to:
            table.extend([{} for _ in range(to - len(table))] if blank is dict else [blank] * (to - len(table)))
        table += old[start:start + count]
    if len(table) < n:
        table.extend([{} for _ in range(n - len(table))] if blank is dict else [blank] * (n - len(table)))
    return table


def runs_of(new_of: list[int | None]) -> list[tuple[int, int, int]]:
    """(old start, new start, length) of the runs of consecutive functions that keep consecutive numbers."""
    runs: list[tuple[int, int, int]] = []
    start = to = None
    for old, new in enumerate(new_of):
        if start is not None and new is not None and new == to + (old - start):
            continue
        if start is not None:
            runs.append((start, to, old - start))
        start, to = (old, new) if new is not None else (None, None)
    if start is not None:
        runs.append((start, to, len(new_of) - start))
    return runs
