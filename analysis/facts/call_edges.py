"""Call edges: every call of every project function resolved, with what unresolved calls mean.

Fourth link of the `ProjectFacts` chain (call_resolution.py). Each function's calls and callbacks
become `Edge`s (caller, callee, how, where, the kinds of the arguments); a call that stays unresolved
is classified (unknown call, eager-only call, Keras call, TensorFlow object op) so that side-effect
facts can tell an unknown call from a library call known to be pure (`tables.py`). Functions can be
resolved in shares (one per worker process, analysis/pipeline/parallel.py) and installed in order.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..imports import TF_FUNCTION
from . import tables
from .call_resolution import CTOR, CallResolution


class Edge:
    __slots__ = ("caller", "callee", "via", "line", "col", "in_loop", "args", "kwargs", "star", "offset", "recv",
                 "root")

    def __init__(self, caller: int, callee: int, via: str, line: int, col: int, in_loop: bool, args: tuple,
                 kwargs: tuple, star: bool, offset: int, recv: str, root: str) -> None:
        self.caller, self.callee, self.via = caller, callee, via
        self.line, self.col, self.in_loop = line, col, in_loop
        self.args, self.kwargs, self.star, self.offset = args, kwargs, star, offset
        self.recv, self.root = recv, root

    @property
    def eager_callback(self) -> bool:
        return self.via == "callback:py_function"

    def __reduce__(self) -> tuple:
        # The snapshot holds every edge: rebuilding one from its fields loads faster than pickle's
        # default slot-by-slot state (measured: 76 -> 63 ms for tf_models_official's snapshot).
        return (Edge, (self.caller, self.callee, self.via, self.line, self.col, self.in_loop, self.args, self.kwargs,
                       self.star, self.offset, self.recv, self.root))


class CallEdges(CallResolution):
    def __init__(self, modules: Iterable[dict[str, Any]]) -> None:
        super().__init__(modules)
        n = len(self.fns)
        self.edges: list[list[Edge]] = [[] for _ in range(n)]
        self.callers: list[list[Edge]] = [[] for _ in range(n)]
        # Per call of each function: what it resolved to (fid, or None) and how an unresolved one counts.
        self.unknown: list[tuple | None] = [None] * n  # first unresolved call (line, text)
        self.eager_local: list[tuple | None] = [None] * n  # first eager-only call (line, what)
        self.keras_calls: list[int] = [0] * n  # calls of Keras layers/models outside the project
        # first call of a TensorFlow object's op method (`ema.apply(vars)`): (line, qualified name)
        self.tf_object_calls: list[tuple | None] = [None] * n
        self.graph_required: list[list[tuple]] = [[] for _ in range(n)]  # (path, line, what) uses needing a graph

    # ---- edges -----------------------------------------------------------------------------------
    def _build_edges(self) -> None:
        graph_required, callers = self.graph_required, self.callers
        for fid in range(len(self.fns)):
            out, required = self._resolve_function(fid)
            self.edges[fid] = out
            for target, entry in required:
                graph_required[target].append(entry)
            for edge in out:
                callers[edge.callee].append(edge)

    def _resolve_function(self, fid: int) -> tuple[list[Edge], list[tuple[int, tuple]]]:
        """The edges out of one function, and its (target fid, (path, line, what)) graph-only uses.

        Also sets the function's own unknown / eager-only / Keras-call entries."""
        top_names = self._top_names
        rec = self.fns[fid]
        mi = self.fn_mod[fid]
        path = self.mods[mi]["path"]
        out: list[Edge] = []
        required: list[tuple[int, tuple]] = []
        for call in rec["calls"]:
            ref, qual, line, col, in_loop, args, kwargs, recv, star = call
            if qual is not None and qual.partition(".")[0] not in top_names:
                # An import from outside the project (tf.*, numpy.*): nothing to resolve here.
                target = ("ext", qual, qual.startswith("keras."))
            elif recv == "param" or recv == "tensor":
                target = None  # a method of a parameter or a tensor: no type to resolve it by
            else:
                target = self.resolve(fid, ref) if ref is not None else None
            if ref is not None and ref[-1] in tables.GRAPH_REQUIRED_METHODS and len(ref) >= 2:
                owner = self.resolve(fid, tuple(ref[:-1]))
                if owner is not None and owner[0] == "fn":
                    required.append((owner[1], (path, line, ref[-1])))
            if target is not None and target[0] == "fn":
                _, callee, bound, how = target
                offset = 1 if bound and self.fns[callee]["self"] is not None else 0
                root = ref[0] if ref else ""
                edge = Edge(fid, callee, how, line, col, in_loop, args, kwargs, star, offset, recv, root)
                out.append(edge)
                continue
            self._classify_unresolved(fid, rec, call, target)
        if rec["sload"]:
            self._property_edges(fid, rec, out)
        for cb in rec["cbs"]:
            ref, line, col, in_loop, via = cb
            target = self.resolve(fid, ref)
            if target is None or target[0] != "fn":
                continue
            callee = target[1]
            if target[3] == CTOR:
                continue  # a class handed on is not a call of its constructor here
            edge = Edge(fid, callee, "callback:" + via, line, col, in_loop, (), (), True, 0, "", ref[0])
            out.append(edge)
            if via == "strategy":
                required.append((callee, (path, line, "strategy.run")))
            if via.startswith("tfdata"):
                required.append((callee, (path, line, "tf.data")))
        return out, required

    # ---- shares (parallel analysis) -----------------------------------------------------------------
    def resolve_share(self, fids: Iterable[int]) -> list[tuple]:
        """`_resolve_function` for some functions, as plain data (`marshal`-able) for `install_shares`."""
        share = []
        for fid in fids:
            out, required = self._resolve_function(fid)
            edges = [(e.callee, e.via, e.line, e.col, e.in_loop, e.args, e.kwargs, e.star, e.offset, e.recv, e.root)
                     for e in out]
            share.append((fid, edges, required, self.unknown[fid], self.eager_local[fid], self.keras_calls[fid],
                          self.tf_object_calls[fid]))
        return share

    def install_shares(self, shares: Iterable[list[tuple]]) -> None:
        """Put resolved shares in place, in function order (so callers and graph-only uses are listed
        in the order `_build_edges` gives them)."""
        rows = sorted((row for share in shares for row in share), key=lambda row: row[0])
        graph_required, callers = self.graph_required, self.callers
        for fid, edges, required, unknown, eager_local, keras_calls, tf_object_calls in rows:
            out = self.edges[fid] = [Edge(fid, *fields) for fields in edges]
            self.unknown[fid], self.eager_local[fid], self.keras_calls[fid] = unknown, eager_local, keras_calls
            self.tf_object_calls[fid] = tf_object_calls
            for target, entry in required:
                graph_required[target].append(tuple(entry))
            for edge in out:
                callers[edge.callee].append(edge)

    def _property_edges(self, fid: int, rec: dict, out: list[Edge]) -> None:
        """`self.name` where `name` is a @property of the class: reading it calls the getter."""
        key = self.class_of(fid)
        if key is None:
            return
        for attr in rec["sload"]:
            target = self.find_method(key, attr)
            if target is not None and any(d.endswith("property") or d.endswith("cached_property")
                                          for d in self.fns[target]["deco"]):
                out.append(Edge(fid, target, "property", rec["l"], 0, False, (), (), False, 1, "self",
                                rec["self"] or "self"))

    def _classify_unresolved(self, fid: int, rec: dict, call: tuple, target: tuple | None) -> None:
        ref, qual, line, col, in_loop, args, kwargs, recv, star = call
        attr = ref[-1] if ref else None
        ext = target[1] if target is not None and target[0] == "ext" else None
        keras = bool(target is not None and target[0] == "ext" and target[2])
        if target is not None and target[0] == "class":
            return  # a project class without __init__ of its own: allocation only
        if ext is not None and ext in tables.TF_OBJECT_OP_METHODS and self.tf_object_calls[fid] is None:
            self.tf_object_calls[fid] = (line, ext)
        if keras:
            if attr in tables.EAGER_ONLY_METHODS and self.eager_local[fid] is None:
                self.eager_local[fid] = (line, ".".join(ref))
            if ext is not None and ext.endswith("__call__"):
                self.keras_calls[fid] += 1
            return
        if attr == "numpy" and recv in ("tensor", "param", "self", "local", "alloc") and self.eager_local[fid] is None:
            self.eager_local[fid] = (line, ".".join(ref) if ref else "numpy")
        # `model.fit(...)` on a value we cannot type stays an unresolved call (undeterminable effects)
        # rather than a guessed eager-only call: the receiver's name would be the only hint.
        q = qual or ext
        if q is not None:
            if q in TF_FUNCTION or tables.python_effect_of_call(q) is not None or tables.is_pure_library_call(q):
                return
        if ref is not None and attr in tables.PURE_METHODS and len(ref) >= 2:
            return
        if ref is not None and len(ref) >= 2 and recv in ("tensor", "alloc"):
            return  # methods of a tensor, array, or an object this function made
        if ref is not None and len(ref) >= 2 and attr in tables.CONTAINER_MUTATORS:
            return  # recorded as a mutation effect (or local) by the extractor
        if ref is not None and len(ref) >= 2 and attr in tables.LOGGING_METHODS and recv == "free":
            return  # logger.info: recorded as output
        if self.unknown[fid] is None:
            text = ".".join(ref) if ref is not None else "<expression>"
            self.unknown[fid] = (line, f"call to `{text}` that the analysis cannot resolve")
