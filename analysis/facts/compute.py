"""The interprocedural fixpoints over `ProjectFacts`: side effects, unknown calls, tensor-ness, literals,
recursion, tensor computation, eager-only calls and loop context.

Each fixpoint is one worklist pass over the call edges (or a fixed number of rounds for the parameter
lattices), so the cost is linear in the number of edges, whether the module facts came from the cache
or were just extracted.
"""
from __future__ import annotations

import itertools
from collections import deque
from typing import Any, Iterable, Iterator

from .extract import (
    ALLOC, DATASET, KERAS, LIT_BOOL, LITERALS, LOOP_VARYING, NUMPY, PRIMITIVE_KINDS, PY_SCALAR, TENSOR,
)
from . import tables
from .speculation import name_hint
from .call_edges import Edge
from .call_resolution import CTOR, DISPATCH
from .project_facts import ProjectFacts

_EFFECT_CAP = 6  # distinct (kind, target) effects kept per function: enough to explain, bounded work

# Callbacks that trace the function they are handed (graph roots): not eager even from eager code.
_TRACING_CALLBACKS = frozenset({"callback:tfdata", "callback:tfdata?", "callback:strategy", "callback:tf_function"})
_ROUNDS = 8  # parameter lattices: rounds until nothing changes (call chains deeper than this stay unknown)
# Value: (value True/False/None, reason, evidence (path, line) or None)
ParamFact = tuple


class Fixpoints:
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

        def origin(value: tuple | None) -> tuple | None:
            return None if value is None else (move(value[0]),) + value[1:]

        out = Fixpoints.__new__(Fixpoints)
        out.effects, out.tensor, out.primitive = [{} for _ in range(n)], [{} for _ in range(n)], [{} for _ in range(n)]
        out.unknown, out.eager, out.tensor_comp, out.tensor_maybe = [None] * n, [None] * n, [None] * n, [None] * n
        out.recursive, out.in_loop, out.eager_from = [None] * n, [None] * n, [None] * n
        out.returns_tensor, out.keras, out.ret_links = [False] * n, [False] * n, [()] * n
        for old, new in enumerate(new_of):
            if new is None or new in skip:
                continue
            try:
                effects = {key: origin(value) for key, value in self.effects[old].items()}
                recursive = self.recursive[old]
                recursive = None if recursive is None else tuple(move(g) for g in recursive)
                entry = self.eager_from[old]
                entry = None if entry is None else move(entry)
                values = (origin(self.unknown[old]), origin(self.eager[old]), origin(self.tensor_comp[old]),
                          origin(self.tensor_maybe[old]), origin(self.in_loop[old]),
                          tuple(move(g) for g in self.ret_links[old]))
            except Gone:
                damaged.add(new)
                continue
            out.effects[new], out.recursive[new], out.eager_from[new] = effects, recursive, entry
            (out.unknown[new], out.eager[new], out.tensor_comp[new], out.tensor_maybe[new], out.in_loop[new],
             out.ret_links[new]) = values
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

    # ---- side effects --------------------------------------------------------------------------
    def _side_effects(self) -> None:
        pf, eff = self.pf, self.effects
        work: deque[int] = deque()
        for fid in self._scope:
            for kind, target, line, detail in pf.fns[fid]["fx"]:
                key = (kind, target)
                if key not in eff[fid] and len(eff[fid]) < _EFFECT_CAP:
                    eff[fid][key] = (fid, line, detail)
            if eff[fid]:
                work.append(fid)
        queued = set(work)
        while work:
            g = work.popleft()
            queued.discard(g)
            for edge in pf.callers[g]:
                if edge.eager_callback or edge.via == "callback:tf_function":
                    continue
                f = edge.caller
                binding: dict[str, Any] | None = None
                changed = False
                for (kind, target), evidence in list(eff[g].items()):
                    if target.startswith("p:") and binding is None:
                        binding = pf.bind(edge)
                    new_target = self.effect_for_caller(edge, target, binding)
                    if new_target is None:
                        continue
                    key = (kind, new_target)
                    if key in eff[f] or len(eff[f]) >= _EFFECT_CAP:
                        continue
                    eff[f][key] = evidence
                    changed = True
                if changed and f not in queued:
                    queued.add(f)
                    work.append(f)

    def effect_for_caller(self, edge: Edge, target: str, binding: dict[str, Any] | None) -> str | None:
        """What a callee's effect on `target` is for the caller (None: on an object the caller made)."""
        pf = self.pf
        if target in ("world", "global"):
            return target
        caller_self = pf._self_name_of(edge.caller)
        if target == "self":
            if edge.via == CTOR:
                return None  # the constructor initialises the object the caller is allocating
            if edge.recv == "self" or (caller_self is not None and edge.root == caller_self):
                return "self"
            if edge.recv in ("alloc", "local", "tensor"):
                return None
            if edge.recv == "param":
                return "p:" + edge.root
            if edge.via == DISPATCH and edge.root in pf.fns[edge.caller]["inst"]:
                return None  # model = Model(); model(x): a local instance
            return "global"
        # "p:name": the callee changes what its parameter refers to.
        name = target[2:]
        if edge.via.startswith("callback:"):
            return "global"
        kind = (binding or {}).get(name)
        if kind is None:
            return None if name in pf.fns[edge.callee]["dflt"] and pf.fns[edge.callee]["dflt"][name] in LITERALS \
                else "global"
        if kind in LITERALS or kind in (ALLOC, TENSOR, NUMPY, DATASET, KERAS):
            return None
        if isinstance(kind, tuple):
            if kind[0] == "p":
                return "p:" + kind[1]
            if kind[0] == "r":
                return None  # the result of a call: a fresh object in the common case
        if kind == "s":
            return "self"
        return "global"

    # ---- reachability facts ----------------------------------------------------------------------
    def _reach(self, seed: list[tuple[int, int, str] | None]) -> None:
        """Propagate a 'first evidence' value from callees to callers (eager callbacks excluded)."""
        pf = self.pf
        work = deque(fid for fid in self._scope if seed[fid] is not None)
        while work:
            g = work.popleft()
            for edge in pf.callers[g]:
                if edge.eager_callback or edge.via == "callback:tf_function":
                    continue
                if seed[edge.caller] is None:
                    seed[edge.caller] = seed[g]
                    work.append(edge.caller)

    def _reach_unknown(self) -> None:
        for fid in self._scope:
            v = self.pf.unknown[fid]
            if v is not None:
                self.unknown[fid] = (fid, v[0], v[1])
        self._reach(self.unknown)

    def _reach_eager(self) -> None:
        for fid in self._scope:
            v = self.pf.eager_local[fid]
            if v is not None:
                self.eager[fid] = (fid, v[0], v[1])
        self._reach(self.eager)

    def _tensor_computation(self) -> None:
        pf = self.pf
        for fid in self._scope:
            rec = pf.fns[fid]
            if rec["ops"] or rec["heavy"]:
                self.tensor_comp[fid] = (fid, rec["l"], f"{rec['ops']} TensorFlow operation(s)")
            elif pf.keras_calls[fid]:
                self.tensor_comp[fid] = (fid, rec["l"], "calls a Keras layer or model")
            elif pf.tf_object_calls[fid] is not None:
                self.tensor_comp[fid] = (fid, rec["l"], f"calls `{pf.tf_object_calls[fid][1]}`, which runs "
                                                        "TensorFlow operations")
            elif rec["pops"] and any(v[0] is True for v in self.tensor[fid].values()):
                self.tensor_comp[fid] = (fid, rec["l"], "arithmetic on tensor parameters")
            elif rec["pops"] and any(v[0] is None for v in self.tensor[fid].values()):
                # `x * 2` on a parameter of unknown kind may well be tensor work: undeterminable.
                self.tensor_maybe[fid] = (fid, rec["l"], "arithmetic on parameters of unknown kind")
        self._reach(self.tensor_comp)
        self._reach(self.tensor_maybe)

    def keras_traced(self) -> list[bool]:
        """Functions reached from a Keras `call`/`train_step`/`__call__` of a Layer/Model subclass: Keras
        runs those inside its own tf.function during fit/evaluate/predict (speculative, like Hybridize's
        keyword analysis), so adding a decorator there is at best redundant."""
        return self.keras

    def _keras_reach(self) -> None:
        pf, seen = self.pf, self.keras
        work: deque[int] = deque()
        for fid in self._scope:
            rec = pf.fns[fid]
            if rec["n"] in ("call", "train_step", "test_step", "predict_step", "__call__") and rec["par"] is None:
                key = pf.class_of(fid)
                if key is not None and pf.is_keras(key):
                    seen[fid] = True
                    work.append(fid)
        while work:
            g = work.popleft()
            for edge in pf.edges[g]:
                if not seen[edge.callee] and not edge.eager_callback:
                    seen[edge.callee] = True
                    work.append(edge.callee)

    def tensor_work(self, fid: int, limit: int = 1000) -> int:
        """Weighted count of tensor operations the function runs, callees included (the benefit heuristic)."""
        pf = self.pf
        seen = {fid}
        stack = [fid]
        total = 0
        while stack and total < limit:
            g = stack.pop()
            rec = pf.fns[g]
            ops = rec["ops"] + rec["heavy"] * 9 + pf.keras_calls[g] * 10
            if pf.tf_object_calls[g] is not None:
                ops += 10  # `ema.apply(variables)`: ops per variable, weighted like a layer call
            if rec["pops"] and any(v[0] is True for v in self.tensor[g].values()):
                ops += rec["pops"]
            if rec["loops"] and ops:
                ops *= 2  # a Python loop around tensor ops is where graphs pay off most (unrolled/while_loop)
            total += ops
            for edge in pf.edges[g]:
                if not edge.eager_callback and edge.callee not in seen:
                    seen.add(edge.callee)
                    stack.append(edge.callee)
        return total

    def _recursion(self) -> None:
        """Tarjan's strongly connected components, iteratively (deep call chains must not overflow)."""
        pf = self.pf
        n = len(pf.fns)
        index = [-1] * n
        low = [0] * n
        on_stack = [False] * n
        stack: list[int] = []
        counter = 0
        for start in self._scope:
            if index[start] != -1:
                continue
            work = [(start, 0)]
            while work:
                v, i = work.pop()
                if i == 0:
                    index[v] = low[v] = counter
                    counter += 1
                    stack.append(v)
                    on_stack[v] = True
                edges = pf.edges[v]
                pushed = False
                while i < len(edges):
                    w = edges[i].callee
                    i += 1
                    if edges[i - 1].eager_callback:
                        continue
                    if index[w] == -1:
                        work.append((v, i))
                        work.append((w, 0))
                        pushed = True
                        break
                    if on_stack[w]:
                        low[v] = min(low[v], index[w])
                if pushed:
                    continue
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = False
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1 or any(e.callee == v for e in edges):
                        members = tuple(sorted(component))
                        for w in component:
                            self.recursive[w] = members
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[v])

    def _eager_reach(self) -> None:
        """F-EAGER: functions known to run eagerly, each with the entry point it is reached from.

        Entry points are code nothing traces: module top levels (`if __name__ == "__main__":` included),
        a module's top-level `main` (a CLI entry point) and test bodies (`test*` functions in test files).
        From there the walk follows calls and functions handed to other calls, and stops where tracing
        starts: a tf.function or tf.data/strategy/tf.function callback (a graph root), and code Keras
        traces (`call`/`train_step`... of a Layer/Model/Module subclass and what it calls). A function
        not reached this way may well run eagerly, but nothing says so: its mode is unknown (issue 10
        P22: loops in a loss `__call__`, a tf.data parser or an optimizer's `apply` run as graph code
        through callbacks the call graph cannot follow)."""
        from .paths import is_test_path

        pf = self.pf
        keras = self.keras_traced()
        entries: tuple[list[int], list[int]] = ([], [])  # outside tests, then in tests
        # Modules whose entry point turns eager execution off (TF1 programs), over every function: a switch
        # in one component (`<module>`) governs the module's other entry points, which may lie in another.
        def entry(fid: int, rec: dict[str, Any]) -> bool:
            if rec["hy"] is not None or pf.root_kind[fid] is not None or keras[fid]:
                return False
            top = rec["par"] is None and rec["cls"] is None
            return rec["q"] == "<module>" or (top and rec["n"] == "main") or \
                (rec["n"].startswith("test") and is_test_path(pf.path_of(fid)))

        graph_mode = {pf.path_of(fid) for fid, rec in enumerate(pf.fns)
                      if rec.get("gm") and entry(fid, rec)}
        for fid in self._scope:
            if entry(fid, pf.fns[fid]):
                entries[is_test_path(pf.path_of(fid))].append(fid)
        # issue 10 P49-fixa: `tf.disable_v2_behavior()` before `tf.app.run()` makes the program build a TF1
        # graph; what its entry points reach runs in that graph, not eagerly.
        entries = tuple([fid for fid in wave if pf.path_of(fid) not in graph_mode] for wave in entries)
        # Entries outside tests go first, so a function both reach gets a production entry point.
        for wave in entries:
            work: deque[int] = deque()
            for fid in wave:
                if self.eager_from[fid] is None:
                    self.eager_from[fid] = fid
                    work.append(fid)
            while work:
                g = work.popleft()
                for edge in pf.edges[g]:
                    callee = edge.callee
                    if self.eager_from[callee] is not None or edge.via in _TRACING_CALLBACKS:
                        continue
                    if pf.fns[callee]["hy"] is not None or pf.root_kind[callee] is not None or keras[callee]:
                        continue
                    self.eager_from[callee] = self.eager_from[g]
                    work.append(callee)

    def eager_in_production(self, fid: int) -> bool:
        """Known to run eagerly from an entry point outside test code (a loop there is a hot path)."""
        from .paths import is_test_path

        entry = self.eager_from[fid]
        return entry is not None and not is_test_path(self.pf.path_of(entry))

    def _loops(self) -> None:
        """F-LOOP: called (transitively) from a loop of code known to run eagerly (`_eager_reach`). Loops
        in test code, or in library code only tests are known to run, are not hot paths; a loop whose
        function's mode is unknown may be graph code, where a nested tf.function is inlined and gains
        nothing (issue 10 P22)."""
        from .paths import is_test_path

        pf = self.pf
        work: deque[int] = deque()
        for fid in self._scope:
            if not self.eager_in_production(fid) or is_test_path(pf.path_of(fid)):
                continue
            for edge in pf.edges[fid]:
                if edge.in_loop and self.in_loop[edge.callee] is None:
                    self.in_loop[edge.callee] = (fid, edge.line)
                    work.append(edge.callee)
        while work:
            g = work.popleft()
            for edge in pf.edges[g]:
                if self.in_loop[edge.callee] is None:
                    self.in_loop[edge.callee] = self.in_loop[g]
                    work.append(edge.callee)

    # ---- parameter lattices ----------------------------------------------------------------------
    def sites(self, fid: int) -> list[tuple[Edge, dict[str, Any]]]:
        """The function's call sites with the kinds they bind to its parameters (memoized)."""
        found = self._sites.get(fid)
        if found is None:
            pf = self.pf
            found = self._sites[fid] = []
            for edge in pf.callers[fid]:
                if edge.via == "callback:tf_function":
                    continue  # wrapping a function in tf.function(f) is not calling it
                if edge.via.startswith("callback:") and not edge.via.startswith("callback:tfdata"):
                    found.append((edge, {}))
                elif not edge.via.startswith("callback:"):
                    found.append((edge, pf.bind(edge)))
        return found

    def _candidate_params(self, fid: int) -> list[str]:
        rec = self.pf.fns[fid]
        params = list(rec["p"])
        if rec["self"] is not None and params and params[0] == rec["self"]:
            params = params[1:]
        return params

    def _kind_tensor(self, caller: int, kind: Any) -> bool | None:
        if kind == TENSOR or kind == KERAS:
            return True
        if kind in PRIMITIVE_KINDS or kind in (ALLOC, NUMPY, DATASET, "s"):
            return False
        if isinstance(kind, tuple):
            if kind[0] == "p":
                fact = self.tensor[caller].get(kind[1])
                return fact[0] if fact is not None else None
            if kind[0] == "r":
                return self._returns_tensor(caller, kind[1])
        return None

    def _returns_tensor(self, caller: int, ref: tuple) -> bool | None:
        found = self._resolve_result(caller, ref)
        if found is None:
            return None
        if found[0] == "fn":
            if found[3] == CTOR:
                return False
            return True if self.returns_tensor[found[1]] else None
        if found[0] == "ext":
            return True if found[2] and found[1].endswith("__call__") else None
        return False

    def _kind_primitive(self, caller: int, kind: Any) -> tuple[bool | None, bool]:
        """(is primitive, is a boolean)."""
        if kind in PRIMITIVE_KINDS:
            return True, kind == LIT_BOOL
        if kind in (TENSOR, KERAS, ALLOC, NUMPY, DATASET, "s"):
            return False, False
        if isinstance(kind, tuple) and kind[0] == "p":
            fact = self.primitive[caller].get(kind[1])
            if fact is None:
                return None, False
            return fact[0], fact[3]
        return None, False

    def _parameters(self) -> None:
        """Per connected component (`components`): round 1 computes every parameter; later rounds revisit
        only the functions whose call sites pass a value that depends on a fact that changed in the round
        before (a caller's parameter, or a call result when a returns-a-tensor fact of the component
        changed). Rounds are counted per component, so a component's facts never depend on how long
        another one takes to settle (and a warm run can recompute only the components an edit reached)."""
        pf = self.pf
        component = components(self.pf, self._scope, self.ret_links)
        fids: dict[int, list[int]] = {}  # component -> its functions with parameters, in order
        dynamic_ret: dict[int, list[int]] = {}  # component -> its functions returning call results
        for fid in self._scope:
            rec = pf.fns[fid]
            if rec["p"]:
                fids.setdefault(component[fid], []).append(fid)
            if any(isinstance(k, tuple) for k in rec["ret"]):
                dynamic_ret.setdefault(component[fid], []).append(fid)
            if any(k == TENSOR or k == KERAS for k in rec["ret"]):
                self.returns_tensor[fid] = True
        for comp in sorted(set(fids) | set(dynamic_ret)):
            self._parameter_rounds(fids.get(comp, []), dynamic_ret.get(comp, []))

    def _parameter_rounds(self, fids: list[int], dynamic_ret: list[int]) -> None:
        pf = self.pf
        param_deps: dict[int, set[int]] = {}  # caller -> functions whose sites pass the caller's parameters
        result_dependent: list[int] = []  # functions whose sites pass call results
        for fid in fids:
            uses_result = False
            for edge, binding in self.sites(fid):
                for k in binding.values():
                    if isinstance(k, tuple):
                        if k[0] == "p":
                            param_deps.setdefault(edge.caller, set()).add(fid)
                        else:
                            uses_result = True
            if uses_result:
                result_dependent.append(fid)
        todo: Iterable[int] = fids
        for _ in range(_ROUNDS):
            changed_fids: set[int] = set()
            for fid in todo:
                tensor, primitive = self.tensor[fid], self.primitive[fid]
                rec = pf.fns[fid]
                if (not self.sites(fid) and not rec["ann"] and pf.root_kind[fid] is None
                        and name_hint(pf, fid) is None):
                    for name in self._candidate_params(fid):  # no caller, no hint: nothing to know
                        tensor[name] = _NO_SITES
                        primitive[name] = _NO_SITES
                    continue
                for name in self._candidate_params(fid):
                    t = self._tensor_param(fid, name)
                    if tensor.get(name) != t:
                        tensor[name] = t
                        changed_fids.add(fid)
                    p = self._primitive_param(fid, name)
                    if primitive.get(name) != p:
                        primitive[name] = p
                        changed_fids.add(fid)
            returns_changed = False
            for fid in dynamic_ret:
                if not self.returns_tensor[fid] and any(self._kind_tensor(fid, k) is True for k in pf.fns[fid]["ret"]):
                    self.returns_tensor[fid] = True
                    returns_changed = True
            nxt: set[int] = set()
            for fid in changed_fids:
                nxt |= param_deps.get(fid, set())
            if returns_changed:
                nxt.update(result_dependent)
            if not nxt and not returns_changed:
                break
            todo = sorted(nxt)

    def _param_sites(self, fid: int) -> dict[str, list[tuple[Any, Edge]]]:
        """Parameter -> the distinct kinds its call sites pass, each with the first site passing it
        (`_UNBOUND`: a site that passes nothing we can bind; `_CALLBACK`: the function handed on as a
        callback). Many sites pass the same kinds, so the lattices iterate over far fewer entries."""
        found = self._psites.get(fid)
        if found is not None:
            return found
        out: dict[str, list[tuple[Any, Edge]]] = {}
        seen: dict[str, set] = {}
        names = self._candidate_params(fid)
        for edge, binding in self.sites(fid):
            callback = not binding and edge.via.startswith("callback:")
            for name in names:
                kind = _CALLBACK if callback else binding.get(name, _UNBOUND)
                key = (kind, edge.caller) if isinstance(kind, tuple) else kind
                bucket = seen.setdefault(name, set())
                if key in bucket:
                    continue
                bucket.add(key)
                out.setdefault(name, []).append((kind, edge))
        self._psites[fid] = out
        return out

    # Parameter facts are (value, reason code, evidence edge or None, is boolean); the sentence is
    # written only when a fact is shown (api.py), not in the fixpoint's inner loop.
    def _tensor_param(self, fid: int, name: str) -> ParamFact:
        pf = self.pf
        rec = pf.fns[fid]
        ann = rec["ann"].get(name) if rec["ann"] else None
        if ann == "tensor":
            return _ANN_TENSOR
        if ann is not None:
            return _ANN_NOT_TENSOR
        if pf.root_kind[fid] in ("tf.data", "tf.data?"):
            return _TFDATA_TENSOR
        unknown_site = None
        real_sites = 0
        for kind, edge in self._param_sites(fid).get(name, ()):
            if kind is _CALLBACK:
                unknown_site = unknown_site or edge
                continue
            real_sites += 1
            if kind is _UNBOUND:
                unknown_site = unknown_site or edge
                continue
            verdict = self._kind_tensor(edge.caller, kind)
            if verdict is True:
                return (True, "site-tensor", edge, False)
            if verdict is None:
                unknown_site = unknown_site or edge
        undecided = unknown_site is not None or real_sites == 0
        hint = name_hint(pf, fid) if self._candidate_params(fid)[:1] == [name] else None
        if hint is not None and (undecided or hint.overrides_sites):
            # Hybridize's speculative keyword analysis (speculation.py): assumed, and marked as such.
            return (True, hint.code, None, False)
        if real_sites == 0 and unknown_site is None:
            return _NO_SITES
        if unknown_site is not None:
            return (None, "site-unknown", unknown_site, False)
        return _ALL_NOT_TENSOR

    def _primitive_param(self, fid: int, name: str) -> tuple:
        pf = self.pf
        rec = pf.fns[fid]
        ann = rec["ann"].get(name) if rec["ann"] else None
        if ann == "prim":
            return _ANN_PRIM
        if ann == "bool":
            return _ANN_BOOL
        if ann == "tensor":
            return _ANN_NOT_PRIM
        if pf.root_kind[fid] in ("tf.data", "tf.data?"):
            return _TFDATA_NOT_PRIM
        entries = self._param_sites(fid).get(name, ())
        if not entries:
            return _NO_SITES
        first_unknown = None
        all_bool = True
        first = None
        varying = None
        for kind, edge in entries:
            if kind is _UNBOUND or kind is _CALLBACK:
                first_unknown = first_unknown or edge
                continue
            value, is_bool = self._kind_primitive(edge.caller, kind)
            if value is False:
                return (False, "site-not-literal", edge, False)
            if value is None:
                first_unknown = first_unknown or edge
            else:
                first = first or edge
                all_bool = all_bool and is_bool
                if kind == LOOP_VARYING or kind == PY_SCALAR:
                    varying = varying or edge
        if first_unknown is not None:
            return (None, "site-unknown", first_unknown, False)
        if varying is not None and not all_bool:
            return (True, "sites-varying", varying, False)
        return (True, "sites-bool" if all_bool else "sites-literal", first, all_bool)


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


class Gone(Exception):
    """A fact refers to a function that an edit removed (`Fixpoints.renumbered`)."""


# What a partial recomputation carries over from the prior facts (`Fixpoints.__init__`).
_TABLES = ("effects", "unknown", "eager", "tensor_comp", "tensor_maybe", "recursive", "in_loop", "eager_from",
           "tensor", "primitive", "returns_tensor", "ret_links", "keras")
_UNBOUND = object()
_CALLBACK = object()
_ANN_TENSOR = (True, "annotation-tensor", None, False)
_ANN_NOT_TENSOR = (False, "annotation-scalar", None, False)
_TFDATA_TENSOR = (True, "tfdata", None, False)
_NO_SITES = (None, "no-sites", None, False)
_ALL_NOT_TENSOR = (False, "sites-not-tensor", None, False)
_ANN_PRIM = (True, "annotation-scalar", None, False)
_ANN_BOOL = (True, "annotation-bool", None, True)
_ANN_NOT_PRIM = (False, "annotation-tensor", None, False)
_TFDATA_NOT_PRIM = (False, "tfdata", None, False)

# Sentences for the reason codes ({where}: the call site of the evidence edge; {caller}: its function).
REASONS = {
    "annotation-tensor": "annotated as a tensor type",
    "annotation-scalar": "annotated as a Python scalar type",
    "annotation-bool": "annotated as bool",
    "tfdata": "tf.data passes dataset elements (tensors) to its callbacks",
    "keras-speculative": "speculative: the first argument of a Keras call/train_step is a tensor",
    "name-speculative": "speculative: named like a training/inference step or model call (Hybridize's keyword "
                        "analysis), so assumed to take a tensor",
    "no-sites": "no known call site passes a value for it",
    "sites-not-tensor": "every known call site passes a non-tensor value",
    "site-tensor": "receives a tensor from {caller} ({where})",
    "site-unknown": "the value passed at {where} is of unknown kind",
    "site-not-literal": "{caller} passes a non-literal value ({where})",
    "sites-literal": "every known call site passes Python literals or scalars (e.g. {where})",
    "sites-bool": "every known call site passes booleans (e.g. {where})",
    "sites-varying": "receives Python values that vary between calls (e.g. {where})",
}
