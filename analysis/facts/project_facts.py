"""Whole-repository facts: call resolution, graph context and the fixpoints, over `extract` records only.

Functions are numbered (`fid`) in module order (sorted paths) and, inside a module, in the order of
`ModuleSummary.functions`, with one extra record per module for its top-level statements ("<module>").
Nothing here touches an AST, so the same code runs over freshly extracted and cached module facts.

Resolution follows the project's classes across modules (method lookup through bases, `super()`),
constructors (`Cls(...)` -> `__init__`), callable instances (`model(x)` -> `__call__`, or `call` for a
Keras Layer/Model subclass, including `self.layer(x)` for layers stored in `self` by a method), local and
module-level function aliases, re-exports through package `__init__`s and star imports of project
modules. Calls it cannot resolve stay unknown: they make side-effect facts undeterminable unless the
library call is known to be pure (`tables.py`).
"""
from __future__ import annotations

from collections import deque
from typing import Any, Iterable, Iterator

from ..imports import TF_FUNCTION, normalize
from . import tables
from .paths import is_test_path

_MAX_HOPS = 6
_MISSING = object()
# Kept out of the project snapshot: turned into edges already. ("fx" stays: a warm run that recomputes
# some fixpoints (project_delta.py) seeds side effects from it.)
_SNAPSHOT_DROP = frozenset({"calls", "cbs"})
# External bases whose methods reached through super() do nothing observable (object.__init__ etc.).
# Base classes whose instances a tf.function can return (nest structures and composite tensors).
_RETURNABLE_BASES = frozenset({"ExtensionType", "BatchableExtensionType", "CompositeTensor", "NamedTuple",
                               "Tensor", "Variable", "StructuredTensor", "RaggedTensor", "SparseTensor"})
_PLAIN_BASES = frozenset({"builtins.object", "abc.ABC", "typing.NamedTuple", "typing.Generic", "typing.Protocol",
                          "builtins.Exception", "builtins.ValueError", "builtins.RuntimeError"})
# Edge kinds.
CALL, CTOR, DISPATCH = "call", "constructor", "dispatch"
KERAS_SPECULATIVE = frozenset({"call", "train_step", "test_step", "predict_step", "__call__"})
_EFFECT_CAP = 6  # distinct (kind, target) effects kept per function: enough to explain, bounded work
# The most steps of a call path a finding spells out (root, '... N more ...', the last steps): see
# analysis.project.GraphFunction.describe_path; the module signatures digest just these steps.
SHOWN_PATH = 12


# Keras base classes, recognised also when a project re-exports Keras under its own name
# (`from keras_cv.src.backend import keras`; `class L(keras.layers.Layer)`).
_KERAS_CLASS_NAMES = frozenset({"Layer", "Model", "Sequential", "Wrapper", "RNN", "AbstractRNNCell", "Metric",
                                "Loss", "Functional"})


def _reexported_keras(base: str) -> bool:
    parts = base.split(".")
    return "keras" in parts[:-1] and parts[-1] in _KERAS_CLASS_NAMES


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


class ProjectFacts:
    def __init__(self, modules: Iterable[dict[str, Any]], *, defer_edges: bool = False) -> None:
        """Index the records and, unless `defer_edges`, resolve every call and compute the graph context.

        With `defer_edges` the caller resolves shares of the functions itself (`resolve_share`, e.g. one
        share per worker process, analysis/pipeline/parallel.py), hands every share to `install_shares` and then
        calls `finish`; the result is the same as building everything here.
        """
        self.mods: list[dict[str, Any]] = sorted(modules, key=lambda m: m["path"])
        self.base: list[int] = []
        self.fns: list[dict[str, Any]] = []
        self.fn_mod: list[int] = []
        self.by_path: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        for mi, mod in enumerate(self.mods):
            self.base.append(len(self.fns))
            self.by_path[mod["path"]] = mi
            if mod["module"]:
                self.by_name.setdefault(mod["module"], mi)
            self.fns.extend(mod["fns"])
            self.fn_mod.extend([mi] * len(mod["fns"]))
        n = len(self.fns)
        self._fid_of_rec: dict[int, int] = {id(rec): i for i, rec in enumerate(self.fns)}
        self._keras: dict[tuple[int, str], bool] = {}
        self._lookup_cache: dict[str, tuple | None] = {}
        self._bases_cache: dict[tuple[int, str], list] = {}
        self._top_names = {name.split(".", 1)[0] for name in self.by_name}
        self._module_scope_cache: dict[tuple[int, tuple[str, ...]], tuple | None] = {}
        self._self_attr_cache: dict[tuple[int, str], dict[str, tuple[int, tuple]]] = {}
        self.edges: list[list[Edge]] = [[] for _ in range(n)]
        self.callers: list[list[Edge]] = [[] for _ in range(n)]
        # Per call of each function: what it resolved to (fid, or None) and how an unresolved one counts.
        self.unknown: list[tuple | None] = [None] * n  # first unresolved call (line, text)
        self.eager_local: list[tuple | None] = [None] * n  # first eager-only call (line, what)
        self.keras_calls: list[int] = [0] * n  # calls of Keras layers/models outside the project
        # first call of a TensorFlow object's op method (`ema.apply(vars)`): (line, qualified name)
        self.tf_object_calls: list[tuple | None] = [None] * n
        self.graph_required: list[list[tuple]] = [[] for _ in range(n)]  # (path, line, what) uses needing a graph
        self.root_kind: list[str | None] = [None] * n
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
        record (already turned into edges and fixpoint seeds) and the memo tables."""
        state = self.__dict__.copy()
        mods, fns = [], []
        for mod in self.mods:
            stripped = [{k: v for k, v in rec.items() if k not in _SNAPSHOT_DROP} for rec in mod["fns"]]
            mods.append(dict(mod, fns=stripped))
            fns.extend(stripped)
        # Edges refer to functions by number, so they survive the records being copied.
        state.update(mods=mods, fns=fns, _fid_of_rec=None, _module_scope_cache={}, _lookup_cache={},
                     _self_attr_cache={})
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._fid_of_rec = {id(rec): i for i, rec in enumerate(self.fns)}  # ids are per process

    # ---- small accessors ------------------------------------------------------------------------
    def fid(self, path: str, index: int) -> int:
        return self.base[self.by_path[path]] + index

    def module_fid(self, path: str) -> int:
        mi = self.by_path[path]
        return self.base[mi] + len(self.mods[mi]["fns"]) - 1

    def path_of(self, fid: int) -> str:
        return self.mods[self.fn_mod[fid]]["path"]

    def local_index(self, fid: int) -> int:
        return fid - self.base[self.fn_mod[fid]]

    def is_module_level(self, fid: int) -> bool:
        return self.fns[fid]["q"] == "<module>"

    def describe(self, fid: int) -> str:
        rec = self.fns[fid]
        return f"{rec['q']} ({self.path_of(fid)}:{rec['l']})"

    def functions(self) -> Iterator[int]:
        """Every real function (module top levels excluded)."""
        for fid, rec in enumerate(self.fns):
            if rec["q"] != "<module>":
                yield fid

    # ---- classes ---------------------------------------------------------------------------------
    def _class(self, mi: int, qualname: str) -> dict[str, Any] | None:
        mod = self.mods[mi]
        top = mod["classes"].get(qualname)
        if top is not None:
            return top
        return mod["nclasses"].get(qualname)

    def class_of(self, fid: int) -> tuple[int, str] | None:
        """The class a method belongs to (walking out of nested functions)."""
        rec = self.fns[fid]
        mi = self.fn_mod[fid]
        while rec is not None:
            if rec["cls"] is not None:
                return (mi, rec["cls"])
            par = rec["par"]
            rec = self.fns[self.base[mi] + par] if par is not None else None
        return None

    def _self_name_of(self, fid: int) -> str | None:
        rec = self.fns[fid]
        mi = self.fn_mod[fid]
        while rec is not None:
            if rec["self"] is not None:
                return rec["self"]
            par = rec["par"]
            rec = self.fns[self.base[mi] + par] if par is not None else None
        return None

    def class_bases(self, key: tuple[int, str]) -> list[tuple[int, str] | str]:
        """The direct base classes: project ones as keys, external ones as qualified names."""
        return self._class_bases(key)

    def _class_bases(self, key: tuple[int, str]) -> list[tuple[int, str] | str]:
        """Project base classes as keys, external ones as qualified names (memoized)."""
        found = self._bases_cache.get(key)
        if found is None:
            found = self._bases_cache[key] = self._compute_bases(key)
        return found

    def _compute_bases(self, key: tuple[int, str]) -> list[tuple[int, str] | str]:
        mi, q = key
        cls = self._class(mi, q)
        if cls is None:
            return []
        mod = self.mods[mi]
        out: list[tuple[int, str] | str] = []
        for qual, bname in zip(cls["bases"], cls["bnames"]):
            if bname and bname in mod["classes"] and (qual is None or qual == f"{mod['module']}.{bname}"
                                                     or qual.endswith("." + bname)) and bname != q:
                out.append((mi, bname))
                continue
            if qual is None:
                continue
            found = self.lookup(qual)
            if isinstance(found, tuple) and found[0] == "class":
                out.append((found[1], found[2]))
            else:
                out.append(qual)
        return out

    def find_method(self, key: tuple[int, str], name: str, _seen: set | None = None) -> int | None:
        mi, q = key
        cls = self._class(mi, q)
        if cls is None:
            return None
        if name in cls["m"]:
            return self.base[mi] + cls["m"][name]
        seen = _seen if _seen is not None else set()
        seen.add(key)
        for base in self._class_bases(key):
            if isinstance(base, tuple) and base not in seen:
                found = self.find_method(base, name, seen)
                if found is not None:
                    return found
        return None

    def is_keras(self, key: tuple[int, str], _depth: int = 0) -> bool:
        cached = self._keras.get(key)
        if cached is not None:
            return cached
        self._keras[key] = False  # cycle guard
        result = False
        if _depth < 20:
            for base in self._class_bases(key):
                if isinstance(base, str):
                    if base.startswith("keras.") or base.startswith("tensorflow.Module") or _reexported_keras(base):
                        result = True
                        break
                elif self.is_keras(base, _depth + 1):
                    result = True
                    break
        self._keras[key] = result
        return result

    def is_composite(self, key: tuple[int, str], _depth: int = 0) -> bool:
        """A tf.ExtensionType / CompositeTensor subclass (or a NamedTuple): a tf.function may return it."""
        cls = self._class(*key)
        if _depth >= 20 or cls is None or None in cls["bases"]:
            return True  # an unresolvable base (`namedtuple(...)`) or a deep hierarchy: claim nothing
        for base in self._class_bases(key):
            if isinstance(base, str):
                if base.rsplit(".", 1)[-1] in _RETURNABLE_BASES:
                    return True
            elif self.is_composite(base, _depth + 1):
                return True
        return False

    def _self_attrs(self, key: tuple[int, str], _seen: set | None = None) -> dict[str, tuple[int, tuple]]:
        """`self.attr = Ctor(...)` anywhere in the class or its project bases: attr -> (fid, ctor ref)."""
        cached = self._self_attr_cache.get(key)
        if cached is not None:
            return cached
        seen = _seen if _seen is not None else set()
        seen.add(key)
        out: dict[str, tuple[int, tuple]] = {}
        for base in self._class_bases(key):
            if isinstance(base, tuple) and base not in seen:
                out.update(self._self_attrs(base, seen))
        mi, q = key
        cls = self._class(mi, q)
        if cls is not None:
            for idx in cls["m"].values():
                fid = self.base[mi] + idx
                for attr, ref in self.fns[fid]["sattr"].items():
                    out[attr] = (fid, tuple(ref))
        self._self_attr_cache[key] = out
        return out

    # ---- qualified names -------------------------------------------------------------------------
    def lookup(self, qual: str, hops: int = 0) -> tuple | None:
        """("fn", fid) | ("class", mi, class qualname) | None for a qualified project name (memoized)."""
        if hops == 0:
            found = self._lookup_cache.get(qual, _MISSING)
            if found is _MISSING:
                found = self._lookup_cache[qual] = self._lookup(qual, 0)
            return found  # type: ignore[return-value]
        return self._lookup(qual, hops)

    def _lookup(self, qual: str, hops: int) -> tuple | None:
        parts = qual.split(".")
        if parts[0] not in self._top_names:
            return None  # not a project package at all (tensorflow.*, numpy.*, ...)
        for split in range(len(parts) - 1, 0, -1):
            mi = self.by_name.get(".".join(parts[:split]))
            if mi is None:
                continue
            found = self._lookup_in(mi, parts[split:], hops)
            if found is not None:
                return found
        return None

    def _lookup_in(self, mi: int, rest: list[str], hops: int) -> tuple | None:
        mod = self.mods[mi]
        head = rest[0]
        if len(rest) == 1:
            if head in mod["top"]:
                return ("fn", self.base[mi] + mod["top"][head])
            if head in mod["aliases"]:
                return ("fn", self.base[mi] + mod["aliases"][head])
        if head in mod["classes"]:
            if len(rest) == 1:
                return ("class", mi, head)
            if len(rest) == 2:
                fid = self.find_method((mi, head), rest[1])
                return ("fn", fid) if fid is not None else None
            return None
        target = mod["imports"].get(head)
        if target and hops < _MAX_HOPS and target != f"{mod['module']}.{head}":
            return self.lookup(".".join([target] + rest[1:]), hops + 1)
        for star in mod["stars"]:
            if star in self.by_name and hops < _MAX_HOPS and star != mod["module"]:
                found = self._lookup_in(self.by_name[star], rest, hops + 1)
                if found is not None:
                    return found
        return None

    def _qualify(self, mi: int, ref: tuple[str, ...]) -> str | None:
        mod = self.mods[mi]
        target = mod["imports"].get(ref[0])
        if target is None:
            for star in mod["stars"]:
                if star in self.by_name:
                    if self._lookup_in(self.by_name[star], [ref[0]], 1) is not None:
                        target = f"{star}.{ref[0]}"
                        break
            if target is None:
                return None
        return normalize(".".join((target,) + ref[1:]))

    # ---- resolution ------------------------------------------------------------------------------
    def resolve(self, fid: int, ref: tuple[str, ...] | None, _depth: int = 0) -> tuple | None:
        """What a call of `ref` written in function `fid` reaches.

        ("fn", target, bound, how): a project function; `bound` says whether the first parameter is filled
        by the receiver (a method called on an instance); `how` is CALL, CTOR or DISPATCH.
        ("class", key): an instance of a project class (a constructor without `__init__`).
        ("ext", qual, keras): something outside the project; `keras` when it is a Keras object.
        None: unknown.
        """
        if ref is None or _depth > _MAX_HOPS:
            return None
        ref = tuple(ref)
        rec = self.fns[fid]
        mi = self.fn_mod[fid]
        head = ref[0]
        if head == "super" and len(ref) == 2:
            key = self.class_of(fid)
            if key is None:
                return None
            for base in self._class_bases(key):
                if isinstance(base, tuple):
                    found = self.find_method(base, ref[1])
                    if found is not None:
                        return ("fn", found, True, CALL)
                elif base.startswith(("keras.", "tensorflow.")):
                    return ("ext", base + "." + ref[1], True)
                elif base in _PLAIN_BASES:
                    return ("ext", "builtins.object." + ref[1], False)
                else:
                    return None  # an external base we know nothing about
            return ("ext", "builtins.object." + ref[1], False)  # only the implicit `object` base
        self_name = self._self_name_of(fid)
        if self_name is not None and head == self_name and self._is_free_or_param(fid, head):
            key = self.class_of(fid)
            if key is None:
                return None
            if len(ref) == 1:
                return self._instance_call(key)
            found = self.find_method(key, ref[1])
            if found is not None:
                if self.fns[found].get("stub"):
                    # `self.m()` of an abstract method (its body only raises NotImplementedError) runs a
                    # subclass's override, not the stub: unknown (issue 10 P52-fixa, Influenciae)
                    return None
                if len(ref) == 2:
                    return ("fn", found, True, CALL)
                return None  # self.method.attr(...)
            attrs = self._self_attrs(key)
            if ref[1] in attrs:
                owner, ctor = attrs[ref[1]]
                inst = self._instance_of(owner, ctor, _depth + 1)
                if inst is None:
                    return None
                return self._member(inst, ref[2:])
            if len(ref) == 2 and self.is_keras(key):
                return ("ext", "keras.Layer." + ref[1], True)
            return None
        # Lexical scope: nested functions of this function and its parents, then local aliases.
        scope = rec
        while scope is not None:
            if head in scope["nest"]:
                target = self.base[mi] + scope["nest"][head]
                return ("fn", target, False, CALL) if len(ref) == 1 else None
            if head in scope["alias"]:
                # A local alias shadows any outer name, even when what it aliases cannot be resolved.
                if _depth >= _MAX_HOPS:
                    return None
                owner = self._fid_of_rec[id(scope)]
                return self.resolve(owner, tuple(scope["alias"][head]) + ref[1:], _depth + 1)
            if head in scope["inst"]:
                owner = self._fid_of_rec[id(scope)]
                inst = self._instance_of(owner, tuple(scope["inst"][head]), _depth + 1)
                return self._member(inst, ref[1:]) if inst is not None else None
            if head in scope["p"]:
                return None  # a parameter (a pytest fixture's value, a callback) shadows module names
            par = scope["par"]
            scope = self.fns[self.base[mi] + par] if par is not None else None
        # Module scope: the same answer for every function of the module, so it is memoized.
        key = (mi, ref)
        cached = self._module_scope_cache.get(key, _MISSING)
        if cached is _MISSING:
            cached = self._module_scope_cache[key] = self._resolve_in_module(mi, ref, _depth)
        return cached

    def _resolve_in_module(self, mi: int, ref: tuple[str, ...], _depth: int) -> tuple | None:
        mod = self.mods[mi]
        head = ref[0]
        if len(ref) == 1 and head in mod["top"]:
            return ("fn", self.base[mi] + mod["top"][head], False, CALL)
        if len(ref) == 1 and head in mod["aliases"]:
            return ("fn", self.base[mi] + mod["aliases"][head], False, CALL)
        if head in mod["classes"]:
            return self._class_member((mi, head), ref[1:])
        top_fid = self.base[mi] + len(mod["fns"]) - 1
        top = mod["fns"][-1]
        if head in top["alias"] and _depth < _MAX_HOPS:
            found = self.resolve(top_fid, tuple(top["alias"][head]) + ref[1:], _depth + 1)
            if found is not None:
                return found
        if head in top["inst"]:
            inst = self._instance_of(top_fid, tuple(top["inst"][head]), _depth + 1)
            return self._member(inst, ref[1:]) if inst is not None else None
        qual = self._qualify(mi, ref)
        if qual is None:
            return None
        found = self.lookup(qual)
        if found is None:
            # `module.Class.method` etc. through a project module imported as a name.
            return ("ext", qual, qual.startswith("keras.")) if not self._is_project_qual(qual) else None
        if found[0] == "fn":
            return ("fn", found[1], False, CALL)
        return self._class_member((found[1], found[2]), ())

    def _is_free_or_param(self, fid: int, name: str) -> bool:
        rec = self.fns[fid]
        return name not in rec["inst"] and name not in rec["alias"]

    def _is_project_qual(self, qual: str) -> bool:
        parts = qual.split(".")
        return any(".".join(parts[:i]) in self.by_name for i in range(1, len(parts) + 1))

    def _class_member(self, key: tuple[int, str], rest: tuple[str, ...]) -> tuple | None:
        if not rest:  # Cls(...): the constructor
            init = self.find_method(key, "__init__")
            if init is not None:
                return ("fn", init, True, CTOR)
            return ("class", key)
        if len(rest) == 1:
            found = self.find_method(key, rest[0])
            if found is not None:
                return ("fn", found, False, CALL)  # Cls.method(obj, ...): unbound
            if self.is_keras(key):
                return ("ext", "keras.Layer." + rest[0], True)
        return None

    def _instance_of(self, owner: int, ctor: tuple, depth: int) -> tuple | None:
        """What `ctor(...)` called in function `owner` creates: ("class", key) or ("ext", qual, keras)."""
        found = self.resolve(owner, ctor, depth)
        if found is None:
            return None
        if found[0] == "fn" and found[3] == CTOR:
            return ("class", self.class_of(found[1]))
        if found[0] == "class":
            return found
        if found[0] == "ext":
            return found
        return None

    def _instance_call(self, key: tuple[int, str] | None) -> tuple | None:
        if key is None:
            return None
        target = self.find_method(key, "__call__")
        if target is not None:
            return ("fn", target, True, DISPATCH)
        if self.is_keras(key):
            target = self.find_method(key, "call")
            if target is not None:
                return ("fn", target, True, DISPATCH)
            return ("ext", "keras.Layer.__call__", True)
        return None

    def _member(self, inst: tuple, rest: tuple[str, ...]) -> tuple | None:
        if inst[0] == "ext":
            qual = inst[1]
            keras = inst[2] or qual.startswith("keras.")
            return ("ext", qual + ("." + ".".join(rest) if rest else ".__call__"), keras)
        key = inst[1]
        if key is None:
            return None
        if not rest:
            return self._instance_call(key)
        if len(rest) == 1:
            found = self.find_method(key, rest[0])
            if found is not None:
                return ("fn", found, True, CALL)
            if self.is_keras(key):
                return ("ext", "keras.Layer." + rest[0], True)
            attrs = self._self_attrs(key)
            if rest[0] in attrs:
                return None  # calling an attribute holding an object: followed only through self
        return None

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

    def _find_roots(self) -> None:
        # fid -> whether every place that makes it a root (its decorator, a `tf.function(f)` call, a
        # tf.data callback) is test code.
        in_test = self.root_in_test = {}

        def mark(fid: int, test: bool) -> None:
            in_test[fid] = in_test.get(fid, True) and test

        for fid, rec in enumerate(self.fns):
            hy = rec["hy"]
            if hy is not None:
                self.root_kind[fid] = "keras" if hy[0] == "keras" else "tf.function"
                mark(fid, is_test_path(self.path_of(fid)))
        for mi, mod in enumerate(self.mods):
            site_in_test = is_test_path(mod["path"])
            for ref, enclosing, line, _kws in mod["hsites"]:
                scope = self.base[mi] + enclosing if enclosing is not None else self.base[mi] + len(mod["fns"]) - 1
                found = self.resolve(scope, tuple(ref))
                if found is not None and found[0] == "fn":
                    if self.root_kind[found[1]] is None:
                        self.root_kind[found[1]] = "tf.function"
                    mark(found[1], site_in_test)
        for fid in range(len(self.fns)):
            for edge in self.edges[fid]:
                if edge.via in ("callback:tfdata", "callback:tfdata?", "callback:tf_function"):
                    if self.root_kind[edge.callee] is None:
                        self.root_kind[edge.callee] = {"callback:tfdata": "tf.data", "callback:tfdata?": "tf.data?"}.get(
                            edge.via, "tf.function")
                    mark(edge.callee, is_test_path(self.path_of(fid)))

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
