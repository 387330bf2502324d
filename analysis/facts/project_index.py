"""The project index: every module's function records numbered (`fid`), and the project's classes.

Functions are numbered in module order (sorted paths) and, inside a module, in the order of
`ModuleSummary.functions`, with one extra record per module for its top-level statements ("<module>").
Nothing here touches an AST, so the same code runs over freshly extracted and cached module facts.

First link of the chain that builds `ProjectFacts` (project_facts.py): index -> qualified names
(project_names.py) -> call resolution (call_resolution.py) -> call edges (call_edges.py) -> graph
context (project_facts.py). Separate because everything after it reads the index, and the class
questions (bases, method lookup, Keras and composite classes) need nothing but the index.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Iterator

from .module_store import PackedModule

# Base classes whose instances a tf.function can return (nest structures and composite tensors).
_RETURNABLE_BASES = frozenset({"ExtensionType", "BatchableExtensionType", "CompositeTensor", "NamedTuple",
                               "Tensor", "Variable", "StructuredTensor", "RaggedTensor", "SparseTensor"})
# Keras base classes, recognised also when a project re-exports Keras under its own name
# (`from keras_cv.src.backend import keras`; `class L(keras.layers.Layer)`).
_KERAS_CLASS_NAMES = frozenset({"Layer", "Model", "Sequential", "Wrapper", "RNN", "AbstractRNNCell", "Metric",
                                "Loss", "Functional"})


def _reexported_keras(base: str) -> bool:
    parts = base.split(".")
    return "keras" in parts[:-1] and parts[-1] in _KERAS_CLASS_NAMES


class ProjectIndex:
    def __init__(self, modules: Iterable[dict[str, Any]]) -> None:
        """Number the records of `modules` (any order: they are sorted by path)."""
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
        self._keras: dict[tuple[int, str], bool] = {}
        self._bases_cache: dict[tuple[int, str], list] = {}
        self._top_names = {name.split(".", 1)[0] for name in self.by_name}
        self._self_attr_cache: dict[tuple[int, str], dict[str, tuple[int, tuple]]] = {}
        # Attribute name -> how many modules read it (`ar`, attribute_uses.py): kept with the project
        # snapshot and updated by a warm run's delta (project_delta.py), never recounted from packed modules.
        self.attr_reads: Counter[str] = Counter()
        for mod in self.mods:
            self.attr_reads.update(mod.get("ar", ()))
        self._attr_dynamic: list | None = None  # memo of attribute_reads._dynamic_classes

    # ---- small accessors ------------------------------------------------------------------------
    def fid(self, path: str, index: int) -> int:
        return self.base[self.by_path[path]] + index

    def module_fid(self, path: str) -> int:
        mi = self.by_path[path]
        return self.base[mi] + len(self.mods[mi]["fns"]) - 1

    def path_of(self, fid: int) -> str:
        return self.mods[self.fn_mod[fid]]["path"]

    def qualname(self, fid: int) -> str:
        """`fns[fid]["q"]`, without decoding a snapshot's packed module (module_store.py)."""
        mi = self.fn_mod[fid]
        mod = self.mods[mi]
        if isinstance(mod, PackedModule):
            return mod.qualnames()[fid - self.base[mi]]
        return mod["fns"][fid - self.base[mi]]["q"]

    def size(self, mi: int) -> int:
        """How many records module `mi` has (its functions and its top level)."""
        return (self.base[mi + 1] if mi + 1 < len(self.base) else len(self.fn_mod)) - self.base[mi]

    def local_index(self, fid: int) -> int:
        return fid - self.base[self.fn_mod[fid]]

    def is_module_level(self, fid: int) -> bool:
        return self.fns[fid]["q"] == "<module>"

    def describe(self, fid: int) -> str:
        rec = self.fns[fid]
        return f"{rec['q']} ({self.path_of(fid)}:{rec['l']})"

    def records_with(self, field: str) -> Iterator[tuple[int, Any]]:
        """(fid, value) of every record whose `field` is set, in function order. Over a snapshot's
        modules this decodes none of them (module_store.py: `MARKED` fields only)."""
        for mi, mod in enumerate(self.mods):
            base = self.base[mi]
            if isinstance(mod, PackedModule):
                for i, value in mod.marked(field):
                    yield base + i, value
            else:
                for i, rec in enumerate(mod["fns"]):
                    value = rec.get(field)
                    if value:
                        yield base + i, value

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
