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
        referred to a function that is gone (left blank too): the caller must recompute them."""
        damaged: set[int] = set()

        def move(fid: int) -> int:
            found = new_of[fid]
            if found is None:
                raise Gone(fid)
            return found

        def origin(value: tuple) -> tuple:
            return (move(value[0]),) + value[1:]

        out = Fixpoints.__new__(Fixpoints)
        out.effects, out.tensor, out.primitive = [{} for _ in range(n)], [{} for _ in range(n)], [{} for _ in range(n)]
        out.unknown, out.eager, out.tensor_comp, out.tensor_maybe = [None] * n, [None] * n, [None] * n, [None] * n
        out.recursive, out.in_loop, out.eager_from = [None] * n, [None] * n, [None] * n
        out.returns_tensor, out.keras, out.ret_links = [False] * n, [False] * n, [()] * n
        for old, new in enumerate(new_of):
            if new is None or new in skip:
                continue
            # Most entries are empty: tested before calling anything (a warm run that adds a function
            # renumbers every function after it; this loop was half of the delta's time).
            try:
                effects = self.effects[old]
                effects = {key: origin(value) for key, value in effects.items()} if effects else {}
                recursive = self.recursive[old]
                if recursive is not None:
                    recursive = tuple(move(g) for g in recursive)
                entry = self.eager_from[old]
                if entry is not None:
                    entry = move(entry)
                unknown, eager, comp = self.unknown[old], self.eager[old], self.tensor_comp[old]
                maybe, loop, links = self.tensor_maybe[old], self.in_loop[old], self.ret_links[old]
                if unknown is not None:
                    unknown = origin(unknown)
                if eager is not None:
                    eager = origin(eager)
                if comp is not None:
                    comp = origin(comp)
                if maybe is not None:
                    maybe = origin(maybe)
                if loop is not None:
                    loop = origin(loop)
                if links:
                    links = tuple(move(g) for g in links)
            except Gone:
                damaged.add(new)
                continue
            out.effects[new], out.recursive[new], out.eager_from[new] = effects, recursive, entry
            out.unknown[new], out.eager[new], out.tensor_comp[new], out.tensor_maybe[new] = unknown, eager, comp, maybe
            out.in_loop[new], out.ret_links[new] = loop, links
            # Parameter facts hold Edge objects, renumbered in place with the call graph (project_delta.py).
            out.tensor[new], out.primitive[new] = self.tensor[old], self.primitive[old]
            out.returns_tensor[new], out.keras[new] = self.returns_tensor[old], self.keras[old]
        return out, damaged

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
