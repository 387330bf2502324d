"""Stage 3: module facts -> the Project and its whole-repository facts.

With a cache (analysis/cache.py) a module whose bytes are unchanged is never parsed to get its facts,
and when no module's facts changed at all, the whole-repository facts are taken from the project
snapshot (snapshot.py) instead of being recomputed.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from ..config import Config
from ..model import AnalysisResult
from ..project import Project
from ..rules._retracing_evidence import FactsProvider
from .modules import ModuleLoader, tally
from .snapshot import patch_snapshot, same_interfaces, save_snapshot, snapshot_key, update_snapshot
from .sources import Prepared, prepare

if TYPE_CHECKING:
    from ..cache import AnalysisCache


@dataclass
class LoadedProject:
    """A project ready for rules or facts: the Project, and per module what the run knows about it."""

    project: Project
    result: AnalysisResult
    paths: list[str]  # analyzable Python modules (parsed or cached), sorted
    hashes: dict[str, str]  # path -> content hash (only with a cache)
    signatures: dict[str, str] | None = None  # from a reused snapshot (only with a cache)
    # A new snapshot that a deferring cache (deferred.py) writes later: `signatures` is then None.
    save_snapshot: "DeferredSnapshot | None" = None


@dataclass(frozen=True)
class DeferredSnapshot:
    key: str  # the snapshot's head key (`snapshot_key`): readers wait on it meanwhile
    save: Callable[[], dict[str, str]]  # writes it; returns the modules' context signatures


def load_project(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None" = None, *,
                 prepared: Prepared | None = None, snapshots: bool = True, reconfigure: bool = False) -> LoadedProject:
    """Parse (or fetch from the cache) every Python module and build the Project over them.

    `snapshots=False` neither reads nor writes a project snapshot (a run scoped to changed files: its
    module set is particular to one change, so its snapshot would only fill the cache).
    `reconfigure=True` hands the facts HYB008's evidence, for their `reconfigure` outcome: it reads the
    trees of the modules that call hybrid functions in loops, so only `hybridize facts` asks for it (no
    rule reads that outcome, and a check run scoped to a change should not parse unchanged callers)."""
    if prepared is None:
        prepared = prepare(sources, config, cache, snapshots=snapshots)
    result, python, names, snapshot = prepared.result, prepared.python, prepared.names, prepared.snapshot
    modules = ModuleLoader(python, names, cache, prepared.hashes)

    module_facts: dict[str, dict] = {}
    entries: dict[str, tuple] = {}
    for path in names:
        old = snapshot.entries.get(path) if snapshot is not None else None
        if old is not None and old[0] == modules.hashes[path]:
            entries[path] = old  # unchanged bytes: the snapshot knows this module
            continue
        facts = module_facts[path] = modules.facts(path)
        entries[path] = modules.entry(path, facts)
    reuse = snapshot is not None and same_interfaces(snapshot, entries)
    patched: set[int] | None = None
    if not reuse and snapshot is not None:
        # Modules whose lines moved and nothing else: patch the snapshot instead of recomputing it.
        patched = patch_snapshot(snapshot, entries, module_facts, names, cache)  # type: ignore[arg-type]
        reuse = patched is not None
        if not reuse:
            # Otherwise recompute only what the changed modules reach (facts/project_delta.py).
            patched = update_snapshot(snapshot, entries, module_facts)
            reuse = patched is not None
            if reuse:
                cache.stats.snapshot_deltas += 1  # type: ignore[union-attr]
    body = snapshot.body() if reuse else None  # type: ignore[union-attr]
    reuse = body is not None
    fresh = dict(module_facts)  # whole facts, read or extracted this run (the snapshot's lack raw calls)
    if reuse:
        # Every module's interface is what the snapshot saw: its facts are this project's facts.
        for mod in body.repo.pf.mods:  # type: ignore[union-attr, attr-defined]
            module_facts.setdefault(mod["path"], mod)
    else:
        for path, entry in entries.items():  # modules skipped above because the snapshot knew them
            if path not in module_facts and entry[3] is None:
                facts = module_facts[path] = modules.facts(path)
                entries[path] = modules.entry(path, facts)
    module_facts = {p: f for p, f in module_facts.items() if "failure" not in f}

    paths, _digests = tally(result, config, entries)

    project = Project(modules.summaries, module_facts=module_facts, loader=modules.summary)
    if reconfigure:
        project.provide_retracing_evidence(FactsProvider(project, config, None))
    loaded = LoadedProject(project, result, paths, modules.hashes)
    if reuse:
        repo = body.repo  # type: ignore[union-attr]
        project.adopt_repo_facts(repo)  # type: ignore[arg-type]
        if patched is not None:
            # Line numbers moved inside the signatures' parts. The snapshot on disk stays as it was: the
            # next run patches it again from the same base (cheaper than rewriting the whole snapshot).
            from ..facts.interface import Interfaces
            from ..facts.signature import module_signatures

            signatures = dict(snapshot.signatures)  # type: ignore[union-attr]
            interfaces = Interfaces(repo.pf.mods, known=body.interfaces, fresh=fresh)  # type: ignore[union-attr]
            signatures.update(module_signatures(repo, patched, interfaces))
            loaded.signatures = signatures
            if not cache.stats.snapshot_deltas:  # type: ignore[union-attr]
                cache.stats.snapshot_patches += 1  # type: ignore[union-attr]
        else:
            loaded.signatures = snapshot.signatures  # type: ignore[union-attr]
            cache.stats.snapshot_hits += 1  # type: ignore[union-attr]
    elif cache is not None and snapshots:
        save = functools.partial(save_snapshot, cache, names, entries, project.facts)
        if cache.defers_snapshot:
            # Written after the run's result is out (deferred.py); so are the signatures it computes.
            loaded.save_snapshot = DeferredSnapshot(snapshot_key(names), save)
        else:
            loaded.signatures = save()
    return loaded
