"""Stores to attributes that nothing can observe: no module of the project reads the name, and no code that
may hold the object reads its attributes by computed names (P1-tfmava; the facts: attribute_uses.py).

HYB002 leaves such a store in graph code out: its value is seen by no one, so that it is set only while
tracing changes nothing (Mava's `self.total_losses`, stored by every trace of MAPPO's `_forward_pass` and
never read). A module's signature (signature.py) holds the stores this decides for its graph functions,
and a warm run's delta (project_delta.py) re-signs the modules storing a name whose reads came or went.

Conservative where the object may be read without its attribute's name: a method of a class whose
hierarchy has a base outside the project (Keras, `tf.Module` and other library code read attributes by
their own names), whose module reads attributes by computed names anywhere, or a class of whose hierarchy
(bases and subclasses) a method does, keeps every store reported.
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .project_index import ProjectIndex

# Bases that read no attribute of their subclasses by name. A base written as a subscript or a call
# (`Generic[T]`, `namedtuple(...)`) has no qualified name in the facts and counts as neutral too.
_NEUTRAL_BASES = frozenset({"builtins.object", "abc.ABC", "typing.Generic", "typing.Protocol"})
_DEPTH = 20


def update_reads(counts: Counter[str], before: Iterable[str], after: Iterable[str]) -> set[str]:
    """Replace one module's attribute reads `before` by `after` in the project's `counts`; returns the
    names now read by no module that were read before, or the reverse."""
    before, after = set(before), set(after)
    flipped = set()
    for name in before - after:
        counts[name] -= 1
        if counts[name] <= 0:
            del counts[name]
            flipped.add(name)
    for name in after - before:
        if counts[name] == 0:
            flipped.add(name)
        counts[name] += 1
    return flipped


def storing_modules(pf: "ProjectIndex", names: set[str]) -> set[int]:
    """The modules with a function that stores one of `names` on its receiver (without decoding the
    others: `aw` is kept beside a packed module)."""
    if not names:
        return set()
    return {pf.fn_mod[fid] for fid, stored in pf.records_with("aw") if names.intersection(stored)}


def unobserved_stores(pf: "ProjectIndex", fid: int) -> tuple[str, ...]:
    """The attributes the method `fid` stores on its receiver that nothing can observe (module docstring),
    sorted; () for a function that is no method or whose class may be read by computed names."""
    stored = pf.fns[fid].get("aw")
    if not stored:
        return ()
    unread = tuple(name for name in stored if not name.startswith("__") and pf.attr_reads.get(name, 0) == 0)
    if not unread:
        return ()
    key = pf.class_of(fid)
    if key is None or not _closed_hierarchy(pf, key):
        return ()
    return unread


def _closed_hierarchy(pf: "ProjectIndex", key: tuple[int, str]) -> bool:
    """The class and its ancestors are project classes (or neutral bases), and neither its module nor a
    class of its hierarchy reads attributes by computed names."""
    ancestors = _ancestors(pf, key)
    if ancestors is None:
        return False
    for mi, related in _dynamic_classes(pf):
        if mi == key[0]:
            return False  # the class's own module: any function there may be handed the object
        if related is not None and (related in ancestors or key in (_ancestors(pf, related) or ())):
            return False
    return True


def _ancestors(pf: "ProjectIndex", key: tuple[int, str]) -> set[tuple[int, str]] | None:
    """The class and its project ancestors; None when one of them has a base outside the project."""
    seen = {key}
    stack = [(key, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > _DEPTH:
            return None
        cls = pf._class(*current)
        if cls is None:
            return None
        for base in pf.class_bases(current):
            if isinstance(base, str):
                if base not in _NEUTRAL_BASES:
                    return None
            elif base not in seen:
                seen.add(base)
                stack.append((base, depth + 1))
        if any(qual is None and written and written not in _local_classes(pf, current[0])
               for qual, written in zip(cls["bases"], cls["bnames"])):
            return None  # a base written by a name the module does not import or define
    return seen


def _local_classes(pf: "ProjectIndex", mi: int) -> dict:
    return pf.mods[mi]["classes"]


def _dynamic_classes(pf: "ProjectIndex") -> list[tuple[int, tuple[int, str] | None]]:
    """(module, class or None) of every function that reads attributes by computed names (memoized until
    the facts change: `ProjectIndex._attr_dynamic`)."""
    found = pf._attr_dynamic
    if found is None:
        found = pf._attr_dynamic = [(pf.fn_mod[fid], pf.class_of(fid)) for fid, _dyn in pf.records_with("dyn")]
    return found
