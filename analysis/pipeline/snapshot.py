"""The whole-repository facts of a previous run (analysis/cache.py, projects/): reused when no module's
interface changed, patched when the changed modules only had lines moved (analysis/facts/incremental.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..cache import analyzer_version, digest
from ..facts.extract import FACTS_VERSION
from .modules import facts_key

if TYPE_CHECKING:
    from ..cache import AnalysisCache
    from ..facts.api import RepoFacts
    from ..facts.interface import Interfaces

# Changes with the layout of `Snapshot` and `SnapshotBody` (2: the body keeps the modules' interface cuts;
# 3: each module's facts packed, decoded on first use: analysis/facts/module_store.py; 4: no `callers`,
# rebuilt from the edges: project_facts.py).
SNAPSHOT_VERSION = 4


@dataclass
class Snapshot:
    """What the cache keeps of one project's whole-repository facts, in two files: this head (what a
    run that changed nothing needs: each module's entry and signature) and its body (the facts
    themselves, 20 times larger), read only when a run needs them (`body`)."""

    entries: dict[str, tuple]  # path -> (content hash, interface digest or None, lines, failure or None)
    signatures: dict[str, str]
    stamp: str  # the body written with this head (a body with another stamp is a stale one)
    _cache: "AnalysisCache | None" = field(default=None, repr=False, compare=False)
    _body: "SnapshotBody | None" = field(default=None, repr=False, compare=False)
    _unusable: bool = field(default=False, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return {"entries": self.entries, "signatures": self.signatures, "stamp": self.stamp}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _cache=None, _body=None, _unusable=False)

    def body(self) -> "SnapshotBody | None":
        """The whole-repository facts (a private copy, loaded on first use); None when they cannot be
        read or a run left them half updated (`drop`)."""
        if self._body is None and not self._unusable and self._cache is not None:
            found = self._cache.get_snapshot(body_key(self.stamp))
            if isinstance(found, SnapshotBody) and found.stamp == self.stamp:
                self._body = found
            else:
                self._unusable = True
        return None if self._unusable else self._body

    def drop(self) -> None:
        """The body was changed part way and is unusable (the file on disk is untouched)."""
        self._body, self._unusable = None, True


@dataclass
class SnapshotBody:
    stamp: str
    repo: object  # RepoFacts, without its link to the Project
    # The names the project's modules mention (analysis/facts/project_delta.py): a warm run brings the
    # facts up to date after functions were added under other names, without recomputing them all.
    names: frozenset[str]
    # path -> the module's facts cut by top-level name (analysis/facts/interface.py): the records kept
    # in `repo` lack the raw calls that cutting reads, so a warm run's signatures take these.
    interfaces: dict


def snapshot_key(names: dict[str, tuple[str, bool]]) -> str:
    return digest("project", SNAPSHOT_VERSION, FACTS_VERSION, analyzer_version(), tuple(sorted(names.items())))


def body_key(stamp: str) -> str:
    return digest("project body", stamp)


def find_snapshot(cache: "AnalysisCache", names: dict[str, tuple[str, bool]]) -> Snapshot | None:
    found = cache.get_snapshot(snapshot_key(names))
    if not isinstance(found, Snapshot):
        return None
    found._cache = cache
    return found


def same_interfaces(snapshot: Snapshot, entries: dict[str, tuple]) -> bool:
    """Every module's interface digest and parse outcome is what the snapshot saw."""
    for path, (_h, iface, _lines, failure) in entries.items():
        old = snapshot.entries.get(path)
        if old is None or old[1] != iface or old[3] != failure:
            return False
    return True


def changed_modules(snapshot: Snapshot, entries: dict[str, tuple], module_facts: dict[str, dict]) -> list[str] | None:
    """The modules whose interface changed since the snapshot; None when one of them is new, failed to
    parse (then or now) or has no facts in this run (the snapshot cannot be updated)."""
    changed = []
    for path, (_h, iface, _lines, failure) in entries.items():
        old = snapshot.entries.get(path)
        if old is not None and old[1] == iface and old[3] == failure:
            continue
        if old is None or old[3] is not None or failure is not None or path not in module_facts:
            return None
        changed.append(path)
    return changed


def patch_snapshot(snapshot: Snapshot, entries: dict[str, tuple], module_facts: dict[str, dict],
                   names: dict[str, tuple[str, bool]], cache: "AnalysisCache") -> set[int] | None:
    """Make the snapshot's whole-repository facts this run's when every module whose interface changed
    only had lines moved (analysis/facts/incremental.py); returns the indexes of the modules whose
    signatures must be recomputed. None (snapshot untouched or to be dropped) when that is not so."""
    from ..facts.incremental import LineMismatch, line_map, patch_lines
    from ..facts.signature import importers_of

    body = snapshot.body()
    if body is None:
        return None
    changed = changed_modules(snapshot, entries, module_facts)
    if changed is None:
        return None
    moved: dict[str, tuple[dict, dict[int, int]]] = {}
    pf = body.repo.pf  # type: ignore[attr-defined]
    for path in changed:
        mi = pf.by_path.get(path)
        if mi is None or pf.size(mi) != len(module_facts[path]["fns"]):
            return None  # a function added or removed: not a move (`line_map`), and no facts file to read
        before = cache.get_facts(facts_key(snapshot.entries[path][0], *names[path]))
        if before is None or "failure" in before:
            return None
        lines = line_map(before, module_facts[path])
        if lines is None:
            return None
        moved[path] = (module_facts[path], lines)
    try:
        touched = patch_lines(body.repo, moved)  # type: ignore[arg-type]
    except LineMismatch:
        snapshot.drop()  # half patched: `update_snapshot` must not start from it
        return None
    return touched | importers_of(pf, {pf.by_path[path] for path in moved})


def update_snapshot(snapshot: Snapshot, entries: dict[str, tuple],
                    module_facts: dict[str, dict]) -> set[int] | None:
    """Bring the snapshot's whole-repository facts up to date with the modules whose interface changed
    (analysis/facts/project_delta.py); returns the indexes of the modules whose signatures must be
    recomputed, or None (the snapshot is then unusable) when the edit needs everything recomputed."""
    from ..facts.project_delta import apply_delta

    body = snapshot.body()
    changed = changed_modules(snapshot, entries, module_facts)
    if body is None or changed is None:
        return None
    touched = apply_delta(body.repo, {path: module_facts[path] for path in changed}, body.names)  # type: ignore[arg-type]
    if touched is None:
        snapshot.drop()
    return touched


def save_snapshot(cache: "AnalysisCache", names: dict[str, tuple[str, bool]], entries: dict[str, tuple],
                  repo: "RepoFacts") -> dict[str, str]:
    """Store the whole-repository facts and the modules' signatures; returns the signatures."""
    from ..facts.interface import Interfaces
    from ..facts.signature import module_signatures

    interfaces = Interfaces(repo.pf.mods)
    signatures = module_signatures(repo, interfaces=interfaces)
    stamp = new_stamp()
    # The body first: a head is never on disk before its body (a crash leaves an unused body).
    save_body(cache, stamp, repo, interfaces)
    save_head(cache, names, entries, signatures, stamp)
    return signatures


def new_stamp() -> str:
    import uuid  # here: `uuid` imports `platform` (2-4 ms), and a warm run writes no snapshot

    return uuid.uuid4().hex


def save_body(cache: "AnalysisCache", stamp: str, repo: "RepoFacts", interfaces: "Interfaces") -> None:
    """Store the whole-repository facts under `stamp` (before the head that names it: `save_head`).
    `interfaces` must cut the modules from their whole facts (repo's own, before any snapshot copy)."""
    from ..facts.project_delta import referenced_names

    # The cuts walked every module's whole facts already and kept what `referenced_names` collects.
    mentioned = interfaces.mentions()
    if mentioned is None:  # a cut taken from a snapshot (not so on the paths that save one)
        mentioned = referenced_names(repo.pf.mods)
    cuts = interfaces.every()
    link = repo._fid_of
    repo._fid_of = None  # the Project (trees) stays out of the snapshot
    try:
        cache.put_snapshot(body_key(stamp), SnapshotBody(stamp, repo, mentioned, cuts))
    finally:
        repo._fid_of = link


def save_head(cache: "AnalysisCache", names: dict[str, tuple[str, bool]], entries: dict[str, tuple],
              signatures: dict[str, str], stamp: str) -> None:
    """Store the snapshot's head: each module's entry and signature, and the stamp of its body."""
    cache.put_snapshot(snapshot_key(names), Snapshot(entries, signatures, stamp))
