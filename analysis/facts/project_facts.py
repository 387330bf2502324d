"""Whole-repository facts (`ProjectFacts`): the hybrid roots and graph context, over `extract` records only.

Last link of the chain that builds it: project index (project_index.py) -> qualified names
(project_names.py) -> call resolution (call_resolution.py) -> call edges (call_edges.py) -> here: the
functions that hybridization makes roots (decorators, `tf.function(f)` calls, tf.data callbacks), one
shortest path from a root to every function in graph context, argument binding along an edge, and the
project snapshot the cache keeps (pickling). The fixpoints over these facts are compute.py.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Iterable

from .call_edges import CallEdges, Edge
from .module_store import PackedModule, RecordView
from .paths import is_test_path

# Kept out of the project snapshot: turned into edges already. ("fx" stays: a warm run that recomputes
# some fixpoints (project_delta.py) seeds side effects from it.)
_SNAPSHOT_DROP = frozenset({"calls", "cbs"})
# The most steps of a call path a finding spells out (root, '... N more ...', the last steps): see
# analysis.project.GraphFunction.describe_path; the module signatures digest just these steps.
SHOWN_PATH = 12
# Call edges whose callee hybridization makes a root, and the root kind each gives.
_ROOT_CALLBACKS = {"callback:tfdata": "tf.data", "callback:tfdata?": "tf.data?", "callback:tf_function": "tf.function"}


class ProjectFacts(CallEdges):
    def __init__(self, modules: Iterable[dict[str, Any]], *, defer_edges: bool = False) -> None:
        """Index the records and, unless `defer_edges`, resolve every call and compute the graph context.

        With `defer_edges` the caller resolves shares of the functions itself (`resolve_share`, e.g. one
        share per worker process, analysis/pipeline/parallel.py), hands every share to `install_shares` and then
        calls `finish`; the result is the same as building everything here.
        """
        super().__init__(modules)
        self.root_kind: list[str | None] = [None] * len(self.fns)
        self.graph_parent: dict[int, int] = {}
        # Length of the path to each graph function's root (0 for a root) and that root: kept so that a
        # finding's (shortened) call path costs the same at the end of a 10,000-link chain as at its start.
        self.graph_depth: dict[int, int] = {}
        self.graph_root: dict[int, int] = {}
        self.root_in_test: dict[int, bool] = {}
        if not defer_edges:
            self._build_edges()
            self.finish()

    def finish(self) -> None:
        """After the edges: the hybrid roots and the graph context."""
        self._find_roots()
        self._graph_context()

    # ---- pickling (the cache's project snapshot) --------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        """Everything except what only the construction needed: the raw call and effect lists of each
        record (already turned into edges and fixpoint seeds) and the memo tables. Each module's facts
        are packed, to be decoded only when a later run reads them (module_store.py); `fns` is rebuilt
        over them on loading."""
        state = self.__dict__.copy()
        mods = []
        for mod in self.mods:
            if isinstance(mod, PackedModule) and not mod.decoded:
                mods.append(mod)  # as loaded: nothing in it was read, nor changed
                continue
            stripped = [{k: v for k, v in rec.items() if k not in _SNAPSHOT_DROP} for rec in mod["fns"]]
            mods.append(PackedModule.pack(dict(mod, fns=stripped)))
        # Edges refer to functions by number, so they survive the records being copied.
        state.update(mods=mods, _module_scope_cache={}, _lookup_cache={}, _self_attr_cache={}, _attr_dynamic=None)
        del state["fns"]
        # `callers` is `edges` listed by callee: rebuilt from them on first use (`__getattr__`). Unpickling
        # its 9,000 lists cost more (tf_models_official's body: 44 -> 37 ms without them) than the rebuild
        # (3 ms), and a warm run's delta, which renumbers every edge, builds them anew anyway
        # (project_delta.py).
        state.pop("callers", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.fns = RecordView(self.mods, self.fn_mod, self.base)

    def __getattr__(self, name: str) -> Any:
        # Only for attributes not set: `callers` of a loaded snapshot until it is first read (`__getstate__`).
        if name != "callers" or "edges" not in self.__dict__:
            raise AttributeError(name)
        callers: list[list[Edge]] = [[] for _ in range(len(self.edges))]
        for out in self.edges:  # by caller, in edge order: the order `_build_edges` lists them in
            for edge in out:
                callers[edge.callee].append(edge)
        self.callers = callers
        return callers

    # ---- hybrid roots and graph context -------------------------------------------------------------
    def _find_roots(self) -> None:
        # fid -> whether every place that makes it a root (its decorator, a `tf.function(f)` call, a
        # tf.data callback) is test code.
        in_test = self.root_in_test = {}
        fn_mod = self.fn_mod
        # Whether each module is test code, asked once per module (not once per root or callback).
        test_module: dict[int, bool] = {}

        def module_is_test(mi: int) -> bool:
            found = test_module.get(mi)
            if found is None:
                found = test_module[mi] = is_test_path(self.mods[mi]["path"])
            return found

        def mark(fid: int, test: bool) -> None:
            in_test[fid] = in_test.get(fid, True) and test

        for fid, hy in self.records_with("hy"):
            if hy is not None:
                self.root_kind[fid] = "keras" if hy[0] == "keras" else "tf.function"
                mark(fid, module_is_test(fn_mod[fid]))
        for mi, mod in enumerate(self.mods):
            hsites = mod["hsites"]
            if not hsites:
                continue
            site_in_test = module_is_test(mi)
            for ref, enclosing, line, _kws in hsites:
                # (`size`, not the records' count: a snapshot's module stays packed, module_store.py)
                scope = self.base[mi] + enclosing if enclosing is not None else self.base[mi] + self.size(mi) - 1
                found = self.resolve(scope, tuple(ref))
                if found is not None and found[0] == "fn":
                    if self.root_kind[found[1]] is None:
                        self.root_kind[found[1]] = "tf.function"
                    mark(found[1], site_in_test)
        for fid, out in enumerate(self.edges):
            for edge in out:
                if edge.via in _ROOT_CALLBACKS:
                    if self.root_kind[edge.callee] is None:
                        self.root_kind[edge.callee] = _ROOT_CALLBACKS[edge.via]
                    mark(edge.callee, module_is_test(fn_mod[fid]))

    def _graph_context(self) -> None:
        """Breadth-first from every root, so each function gets one shortest path (its parent), its depth
        and its root.

        Roots outside test code go first: a function reachable from any of them gets its path from
        one, so a path that starts in a test (`tf.function(lib.minimize)` in a test file) means that
        only tests trace the function (`test_rooted`). A root made by a `tf.function(f)` call in a
        test is a test root even when `f` lives in library code."""
        parent, depth, root = self.graph_parent, self.graph_depth, self.graph_root
        roots = [fid for fid, kind in enumerate(self.root_kind) if kind is not None]
        test_set = {fid for fid in roots if self.root_in_test.get(fid, False)}
        for wave in ([fid for fid in roots if fid not in test_set], [fid for fid in roots if fid in test_set]):
            queue: deque[int] = deque()
            for fid in wave:
                if fid not in parent:
                    parent[fid], depth[fid], root[fid] = -1, 0, fid
                    queue.append(fid)
            while queue:
                fid = queue.popleft()
                for edge in self.edges[fid]:
                    if edge.eager_callback:
                        continue  # tf.py_function runs its callback eagerly, on every call
                    if edge.callee not in parent:
                        parent[edge.callee] = fid
                        depth[edge.callee], root[edge.callee] = depth[fid] + 1, root[fid]
                        queue.append(edge.callee)

    def test_rooted(self, fid: int) -> bool:
        """In graph code only because test code traces it: every graph root reaching fid is in a test."""
        root = self.graph_root.get(fid)
        return root is not None and self.root_in_test.get(root, False)

    def in_graph(self, fid: int) -> bool:
        return fid in self.graph_parent

    def graph_path(self, fid: int, limit: int | None = None) -> list[int]:
        """Root first, fid last; [] when fid is not in graph context. With `limit`, a longer path keeps its
        root and its last `limit - 1` functions (the caller can tell by `graph_depth`), so that describing
        every function of a long chain does not cost the square of its length."""
        if fid not in self.graph_parent:
            return []
        keep = self.graph_depth[fid] + 1 if limit is None else min(limit - 1, self.graph_depth[fid] + 1)
        out = [fid]
        while len(out) < keep:
            out.append(self.graph_parent[out[-1]])
        if self.graph_parent[out[-1]] != -1:
            out.append(self.graph_root[fid])
        out.reverse()
        return out

    # ---- argument binding --------------------------------------------------------------------------
    def bind(self, edge: Edge) -> dict[str, Any]:
        """Parameter of the callee -> kind of the value this call site passes (defaults included)."""
        rec = self.fns[edge.callee]
        params = rec["p"]
        out: dict[str, Any] = {}
        if edge.via.startswith("callback:"):
            return out
        positional = params[edge.offset:rec["np"]]
        for name, kind in zip(positional, edge.args):
            out[name] = kind
        vararg = rec["va"]
        if vararg is not None and len(edge.args) > len(positional):
            extra = edge.args[len(positional):]
            # *args: tensor-like if any extra argument is; otherwise its kinds merge (first wins).
            out[vararg] = next((k for k in extra if k == "t"), extra[0])
        for name, kind in edge.kwargs:
            if name in params and name != vararg:
                out[name] = kind
        for name in params[edge.offset:]:
            if name not in out and not edge.star and name in rec["dflt"]:
                out[name] = rec["dflt"][name]
        return out
