"""Call resolution: what a call written in a project function reaches.

Third link of the `ProjectFacts` chain (project_names.py). Resolution follows the project's classes
across modules (method lookup through bases, `super()`), constructors (`Cls(...)` -> `__init__`),
callable instances (`model(x)` -> `__call__`, or `call` for a Keras Layer/Model subclass, including
`self.layer(x)` for layers stored in `self` by a method), local and module-level function aliases,
re-exports through package `__init__`s and star imports of project modules. Calls it cannot resolve
stay unknown. Separate because it answers one call at a time; turning every call into edges is
call_edges.py.
"""
from __future__ import annotations

from typing import Any, Iterable

from .project_names import MAX_HOPS, MISSING, ProjectNames

# External bases whose methods reached through super() do nothing observable (object.__init__ etc.).
_PLAIN_BASES = frozenset({"builtins.object", "abc.ABC", "typing.NamedTuple", "typing.Generic", "typing.Protocol",
                          "builtins.Exception", "builtins.ValueError", "builtins.RuntimeError"})
# Edge kinds.
CALL, CTOR, DISPATCH = "call", "constructor", "dispatch"


class CallResolution(ProjectNames):
    def __init__(self, modules: Iterable[dict[str, Any]]) -> None:
        super().__init__(modules)
        self._module_scope_cache: dict[tuple[int, tuple[str, ...]], tuple | None] = {}

    # ---- resolution ------------------------------------------------------------------------------
    def resolve(self, fid: int, ref: tuple[str, ...] | None, _depth: int = 0) -> tuple | None:
        """What a call of `ref` written in function `fid` reaches.

        ("fn", target, bound, how): a project function; `bound` says whether the first parameter is filled
        by the receiver (a method called on an instance); `how` is CALL, CTOR or DISPATCH.
        ("class", key): an instance of a project class (a constructor without `__init__`).
        ("ext", qual, keras): something outside the project; `keras` when it is a Keras object.
        None: unknown.
        """
        if ref is None or _depth > MAX_HOPS:
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
        scope, scope_fid = rec, fid
        while scope is not None:
            if head in scope["nest"]:
                target = self.base[mi] + scope["nest"][head]
                return ("fn", target, False, CALL) if len(ref) == 1 else None
            if head in scope["alias"]:
                # A local alias shadows any outer name, even when what it aliases cannot be resolved.
                if _depth >= MAX_HOPS:
                    return None
                return self.resolve(scope_fid, tuple(scope["alias"][head]) + ref[1:], _depth + 1)
            if head in scope["inst"]:
                inst = self._instance_of(scope_fid, tuple(scope["inst"][head]), _depth + 1)
                return self._member(inst, ref[1:]) if inst is not None else None
            if head in scope["p"]:
                return None  # a parameter (a pytest fixture's value, a callback) shadows module names
            par = scope["par"]
            scope_fid = self.base[mi] + par if par is not None else -1
            scope = self.fns[scope_fid] if par is not None else None
        # Module scope: the same answer for every function of the module, so it is memoized.
        key = (mi, ref)
        cached = self._module_scope_cache.get(key, MISSING)
        if cached is MISSING:
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
        if head in top["alias"] and _depth < MAX_HOPS:
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
