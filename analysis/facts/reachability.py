"""Reachability facts: first evidence carried along the call edges (unknown and eager-only calls, tensor
computation, Keras tracing, recursion, eager entry points, loop context).

Each is one worklist pass over the call edges, seeded in function order (`Reachability`, a part of
`Fixpoints` in compute.py). Separate because these facts only move a value found in one function to
the functions that call it (or that it calls); nothing is translated on the way.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from .project_facts import ProjectFacts

# Callbacks that trace the function they are handed (graph roots), or build it into a graph (an Estimator's
# `model_fn`, tables.GRAPH_BUILT_KEYWORDS): not eager even from eager code.
_TRACING_CALLBACKS = frozenset({"callback:tfdata", "callback:tfdata?", "callback:strategy", "callback:tf_function",
                                "callback:graph_built"})


class Reachability:
    """Fills `unknown`, `eager`, `tensor_comp`, `tensor_maybe`, `keras`, `recursive`, `eager_from` and
    `in_loop` (see `Fixpoints.__init__`)."""

    pf: ProjectFacts

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

        def switch_site(fid: int, rec: dict[str, Any]) -> bool:
            # An entry point, or a top-level function the module's own top level calls (`if __name__ ==
            # "__main__": console_entry_point()`, which switches and then runs `tf.app.run(main)`:
            # magenta's scripts, P2-tfmava).
            if entry(fid, rec):
                return True
            if rec["par"] is not None or rec["cls"] is not None:
                return False
            mi = pf.fn_mod[fid]
            return any(pf.fn_mod[e.caller] == mi and pf.is_module_level(e.caller) for e in pf.callers[fid])

        graph_mode = {pf.path_of(fid) for fid, _gm in pf.records_with("gm") if switch_site(fid, pf.fns[fid])}
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
