"""Qualified project names (`pkg.mod.Class.method`) -> the function or class they name.

Second link of the `ProjectFacts` chain (project_index.py): follows re-exports through package
`__init__`s, imports and star imports of project modules, up to `MAX_HOPS` hops. Separate because
call resolution (call_resolution.py) asks it about module-level names and the index asks it about
base classes, and neither needs the other's machinery.
"""
from __future__ import annotations

from typing import Any, Iterable

from ..imports import normalize
from .project_index import ProjectIndex

MAX_HOPS = 6
MISSING = object()


class ProjectNames(ProjectIndex):
    def __init__(self, modules: Iterable[dict[str, Any]]) -> None:
        super().__init__(modules)
        self._lookup_cache: dict[str, tuple | None] = {}

    # ---- qualified names -------------------------------------------------------------------------
    def lookup(self, qual: str, hops: int = 0) -> tuple | None:
        """("fn", fid) | ("class", mi, class qualname) | None for a qualified project name (memoized)."""
        if hops == 0:
            found = self._lookup_cache.get(qual, MISSING)
            if found is MISSING:
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
        if target and hops < MAX_HOPS and target != f"{mod['module']}.{head}":
            return self.lookup(".".join([target] + rest[1:]), hops + 1)
        for star in mod["stars"]:
            if star in self.by_name and hops < MAX_HOPS and star != mod["module"]:
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

    def _is_project_qual(self, qual: str) -> bool:
        parts = qual.split(".")
        return any(".".join(parts[:i]) in self.by_name for i in range(1, len(parts) + 1))
