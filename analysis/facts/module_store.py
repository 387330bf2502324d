"""Module facts kept in a project snapshot, decoded one module at a time when first read (warm runs).

A warm run that appended a function to one module reads the records of that module, of the modules
its functions reach and of the few modules the signatures and rules of the re-checked modules look
at; unpickling every module's records (9,358 function records for tf-models: about half of reading
the snapshot body) was most of what it paid for the snapshot. So the snapshot keeps each module's
(stripped) facts as one `marshal` string, and `PackedModule` decodes it on the first read of a field
that is not kept beside it. The fields kept beside it are those that passes over every module read
(`EAGER`: the path and name, the imports and the unresolved `tf.function(f)` sites), with, for
`MARKED` record fields, which records have them set, so that the graph roots (`hy`) and graph-mode
entry points (`gm`) are found without decoding every module (`ProjectIndex.records_with`), and the
records' qualified names (`ProjectIndex.qualname`: the signatures name the callers of a re-checked
module's functions by them).

A `PackedModule` reads as the module's facts dict (a `Mapping`), so every reader sees the same values
whether its module was decoded or not; `RecordView` is the project's function records (`pf.fns`)
over such modules.
"""
from __future__ import annotations

import marshal
from collections.abc import Mapping
from typing import Any, Iterator

# Module fields that passes over every module read (project_index.py, project_facts.py, signature.py,
# interface.py, analysis/project.py): answered without decoding the module.
EAGER = ("path", "module", "imports", "hsites")
# Record fields whose set records a pass over every function looks for (`records_with`).
# `aw`/`dyn`: the project-wide attribute reads (attribute_uses.py) find the stores a change of reads affects
# and the classes read by computed names without decoding every module.
MARKED = ("hy", "gm", "aw", "dyn")


class PackedModule(Mapping):
    """One module's facts: the `EAGER` fields and the `MARKED` records at hand, the rest decoded on use."""

    __slots__ = ("_eager", "_keys", "_marks", "_names", "_blob", "_full")

    def __init__(self, eager: dict[str, Any], keys: tuple[str, ...], marks: dict[str, tuple], names: tuple[str, ...],
                 blob: bytes | None, full: dict[str, Any] | None = None) -> None:
        self._eager, self._keys, self._marks, self._names = eager, keys, marks, names
        self._blob, self._full = blob, full

    @classmethod
    def pack(cls, mod: dict[str, Any]) -> "PackedModule":
        """`mod` (a module's facts, records stripped for the snapshot) packed; kept whole if marshal
        cannot write it."""
        marks = {field: tuple((i, rec[field]) for i, rec in enumerate(mod["fns"]) if rec.get(field))
                 for field in MARKED}
        eager, keys, names = {key: mod[key] for key in EAGER}, tuple(mod), tuple(rec["q"] for rec in mod["fns"])
        try:
            blob = marshal.dumps(mod)
        except ValueError:
            return cls(eager, keys, marks, names, None, mod)
        return cls(eager, keys, marks, names, blob)

    def __reduce__(self) -> tuple:
        if self._full is not None:  # decoded (or not marshal-able): packed from what it holds now
            again = PackedModule.pack(self._full)
            return (PackedModule, (again._eager, again._keys, again._marks, again._names, again._blob, again._full))
        return (PackedModule, (self._eager, self._keys, self._marks, self._names, self._blob))

    @property
    def decoded(self) -> bool:
        return self._full is not None

    def marked(self, field: str) -> tuple[tuple[int, Any], ...]:
        """(index in the module, value) of the records whose `field` is set, in record order."""
        if self._full is not None:
            return tuple((i, rec[field]) for i, rec in enumerate(self._full["fns"]) if rec.get(field))
        return self._marks[field]

    def qualnames(self) -> tuple[str, ...]:
        """The qualified name of each record (`q`), in order: what signatures name functions by."""
        return self._names

    def full(self) -> dict[str, Any]:
        if self._full is None:
            self._full = marshal.loads(self._blob)  # type: ignore[arg-type]
        return self._full

    def __getitem__(self, key: str) -> Any:
        if self._full is None and key in self._eager:
            return self._eager[key]
        return self.full()[key]

    # Which fields the module has (e.g. `"failure" in facts`) is known without decoding it.
    def __iter__(self) -> Iterator[str]:
        return iter(self._keys) if self._full is None else iter(self._full)

    def __len__(self) -> int:
        return len(self._keys) if self._full is None else len(self._full)

    def __contains__(self, key: object) -> bool:
        return key in self._keys if self._full is None else key in self._full

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._eager and self._full is None else self.full().get(key, default)

    def keys(self):  # noqa: ANN201 (the dict's own views: compared with other dicts' keys)
        return self.full().keys()

    def items(self):  # noqa: ANN201
        return self.full().items()

    def values(self):  # noqa: ANN201
        return self.full().values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedModule):
            other = other.full()
        return self.full() == other

    __hash__ = None  # type: ignore[assignment] (a dict's stand-in)


class RecordView:
    """`pf.fns` over the project's modules (some of them `PackedModule`s): record `fid` is record
    `fid - base[mi]` of its module `mi`, read where the module keeps it, so a record is decoded only
    with its module. Holds the project's lists, not the project (no reference cycle to leave to the
    collector): whoever renumbers the functions makes a new view (project_delta.py)."""

    __slots__ = ("_mods", "_fn_mod", "_base")

    def __init__(self, mods: list, fn_mod: list[int], base: list[int]) -> None:
        self._mods, self._fn_mod, self._base = mods, fn_mod, base

    def __getitem__(self, fid: int) -> dict[str, Any]:
        if fid < 0:
            fid += len(self._fn_mod)
        mi = self._fn_mod[fid]
        return self._mods[mi]["fns"][fid - self._base[mi]]

    def __setitem__(self, fid: int, rec: dict[str, Any]) -> None:
        mi = self._fn_mod[fid]
        self._mods[mi]["fns"][fid - self._base[mi]] = rec

    def __len__(self) -> int:
        return len(self._fn_mod)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for mod in self._mods:
            yield from mod["fns"]
