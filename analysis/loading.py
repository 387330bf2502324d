"""Turning sources into a Project: parse, summarize and extract facts, or fetch them from the cache.

With a cache (analysis/cache.py) a module whose bytes are unchanged is never parsed to get its facts,
and when no module's facts changed at all, the whole-repository facts are taken from the project
snapshot instead of being recomputed.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from .budget import BudgetExceeded, file_seconds, time_budget
from .cache import analyzer_version, content_hash, digest
from .config import Config
from .facts.extract import FACTS_VERSION, extract_module
from .model import AnalysisResult, Finding, Note
from .project import Project
from .source import ParseFailure, parse
from .summary import ModuleSummary, build_summary, module_name_for

if TYPE_CHECKING:
    from .cache import AnalysisCache

PARSE_FAILURE_CODE = "HYB000"


@dataclass
class LoadedProject:
    """A project ready for rules or facts: the Project, and per module what the run knows about it."""

    project: Project
    result: AnalysisResult
    paths: list[str]  # analyzable Python modules (parsed or cached), sorted
    hashes: dict[str, str]  # path -> content hash (only with a cache)
    facts_digests: dict[str, str]
    signatures: dict[str, str] | None = None  # from a reused snapshot (only with a cache)


@dataclass
class _Snapshot:
    """What the cache keeps of one project's whole-repository facts (analysis/cache.py, projects/)."""

    entries: dict[str, tuple]  # path -> (content hash, interface digest or None, lines, failure or None)
    repo: object  # RepoFacts, without its link to the Project
    signatures: dict[str, str]


def interface_digest(facts: dict) -> str:
    """The module's interface for its neighbours' cache keys: its facts without its line count, so
    appending a comment to a file does not invalidate every module that imports it."""
    return digest(tuple((k, v) for k, v in facts.items() if k != "lines"))


def snapshot_key(names: dict[str, tuple[str, bool]]) -> str:
    return digest("project", FACTS_VERSION, analyzer_version(), tuple(sorted(names.items())))


def module_names(python: Mapping[str, bytes], config: Config, result: AnalysisResult) -> dict[str, tuple[str, bool]]:
    """path -> (dotted module name, is a package) for every file small enough to analyze."""
    package_dirs = frozenset(posixpath.dirname(p) for p in python if posixpath.basename(p) == "__init__.py")
    names: dict[str, tuple[str, bool]] = {}
    for path in sorted(python):
        if len(python[path]) > config.max_file_bytes:
            result.notes.append(Note(path, f"skipped: {len(python[path])} bytes is above max-file-size "
                                           f"({config.max_file_bytes})"))
            continue
        names[path] = module_name_for(path, package_dirs)
    return names


class _Modules:
    """Gets a module's facts from the cache or by parsing it, and keeps the trees it had to build."""

    def __init__(self, python: Mapping[str, bytes], names: dict[str, tuple[str, bool]],
                 cache: "AnalysisCache | None", hashes: dict[str, str]) -> None:
        self.python = python
        self.names = names
        self.cache = cache
        self.hashes = hashes
        self.summaries: list[ModuleSummary] = []

    def facts(self, path: str) -> dict:
        """The module's facts, or {"failure": (reason, line, col)} when it cannot be parsed."""
        module, is_package = self.names[path]
        key = None
        if self.cache is not None:
            key = digest("facts", FACTS_VERSION, self.hashes[path], module, is_package)
            found = self.cache.get_facts(key)
            if found is not None:
                if found.get("path") != path and "failure" not in found:
                    found = dict(found, path=path)  # the same bytes under another name (a copied file)
                return found
        parsed = self._parse(path)
        if isinstance(parsed, ParseFailure):
            facts: dict = {"failure": (parsed.reason, parsed.line, parsed.col)}
        else:
            summary = build_summary(parsed, module, is_package)
            facts = guarded_facts(summary)
            if "failure" not in facts:
                self.summaries.append(summary)
        if self.cache is not None and key is not None:
            self.cache.put_facts(key, facts)
        return facts

    def summary(self, path: str) -> ModuleSummary | None:
        """Parse and summarize a module on demand (the Project's loader); None if it cannot be parsed."""
        parsed = self._parse(path)
        if isinstance(parsed, ParseFailure):
            return None
        return build_summary(parsed, *self.names[path])

    def _parse(self, path: str):  # noqa: ANN202
        parsed = parse(path, self.python[path])
        if self.cache is not None:  # counted: tests assert that warm runs parse only what changed
            self.cache.stats.parsed += 1
            self.cache.stats.parsed_paths.append(path)
        return parsed

    def entry(self, path: str, facts: dict) -> tuple:
        if "failure" in facts:
            return (self.hashes.get(path), None, 0, facts["failure"])
        return (self.hashes.get(path), interface_digest(facts) if self.cache is not None else "", facts["lines"], None)


def _same_interfaces(snapshot: _Snapshot, entries: dict[str, tuple]) -> bool:
    """Every module's interface digest and parse outcome is what the snapshot saw."""
    for path, (_h, iface, _lines, failure) in entries.items():
        old = snapshot.entries.get(path)
        if old is None or old[1] != iface or old[3] != failure:
            return False
    return True


def _patch_snapshot(snapshot: _Snapshot, entries: dict[str, tuple], module_facts: dict[str, dict],
                    names: dict[str, tuple[str, bool]], cache: "AnalysisCache") -> set[int] | None:
    """Make the snapshot's whole-repository facts this run's when every module whose interface changed
    only had lines moved (analysis/facts/incremental.py); returns the indexes of the modules whose
    signatures must be recomputed. None (snapshot untouched or to be dropped) when that is not so."""
    from .facts.incremental import LineMismatch, line_map, patch_lines
    from .facts.signature import importers_of

    moved: dict[str, tuple[dict, dict[int, int]]] = {}
    for path, (_h, iface, _lines, failure) in entries.items():
        old = snapshot.entries.get(path)
        if old is not None and old[1] == iface and old[3] == failure:
            continue
        if old is None or old[3] is not None or failure is not None or path not in module_facts:
            return None
        module, is_package = names[path]
        before = cache.get_facts(digest("facts", FACTS_VERSION, old[0], module, is_package))
        if before is None or "failure" in before:
            return None
        lines = line_map(before, module_facts[path])
        if lines is None:
            return None
        moved[path] = (module_facts[path], lines)
    try:
        touched = patch_lines(snapshot.repo, moved)  # type: ignore[arg-type]
    except LineMismatch:
        return None
    pf = snapshot.repo.pf  # type: ignore[attr-defined]
    return touched | importers_of(pf, {pf.by_path[path] for path in moved})


@dataclass
class Prepared:
    """What a run learns before loading any module: the files, their names and, with a cache, their
    content hashes and the project snapshot. The engine looks at it to choose between a warm run in this
    process and a cold run in worker processes, then hands it to `load_project` (nothing is redone)."""

    result: AnalysisResult
    python: dict[str, bytes]  # analyzable Python files (exclusions applied)
    names: dict[str, tuple[str, bool]]  # path -> (module name, is a package), files small enough only
    hashes: dict[str, str]  # path -> content hash (only with a cache)
    snapshot: _Snapshot | None

    def known_share(self) -> float:
        """The share of modules whose bytes the snapshot already knows (0 without a snapshot)."""
        if self.snapshot is None or not self.names:
            return 0.0
        entries = self.snapshot.entries
        known = sum(1 for path, h in self.hashes.items() if (entries.get(path) or (None,))[0] == h)
        return known / len(self.names)


def prepare(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None") -> Prepared:
    result = AnalysisResult()
    python = {p: d for p, d in sources.items() if p.endswith(".py") and not config.is_excluded(p)}
    names = module_names(python, config, result)
    hashes = {path: content_hash(python[path]) for path in names} if cache is not None else {}
    snapshot: _Snapshot | None = None
    if cache is not None:
        found = cache.get_snapshot(snapshot_key(names))
        snapshot = found if isinstance(found, _Snapshot) else None
    return Prepared(result, python, names, hashes, snapshot)


def load_project(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None" = None, *,
                 prepared: Prepared | None = None) -> LoadedProject:
    """Parse (or fetch from the cache) every Python module and build the Project over them."""
    if prepared is None:
        prepared = prepare(sources, config, cache)
    result, python, names, snapshot = prepared.result, prepared.python, prepared.names, prepared.snapshot
    modules = _Modules(python, names, cache, prepared.hashes)

    module_facts: dict[str, dict] = {}
    entries: dict[str, tuple] = {}
    for path in names:
        old = snapshot.entries.get(path) if snapshot is not None else None
        if old is not None and old[0] == modules.hashes[path]:
            entries[path] = old  # unchanged bytes: the snapshot knows this module
            continue
        facts = module_facts[path] = modules.facts(path)
        entries[path] = modules.entry(path, facts)
    reuse = snapshot is not None and _same_interfaces(snapshot, entries)
    patched: set[int] | None = None
    if not reuse and snapshot is not None:
        # Modules whose lines moved and nothing else: patch the snapshot instead of recomputing it.
        patched = _patch_snapshot(snapshot, entries, module_facts, names, cache)  # type: ignore[arg-type]
        reuse = patched is not None
    if reuse:
        # Every module's interface is what the snapshot saw: its facts are this project's facts.
        for mod in snapshot.repo.pf.mods:  # type: ignore[union-attr, attr-defined]
            module_facts.setdefault(mod["path"], mod)
    else:
        for path, entry in entries.items():  # modules skipped above because the snapshot knew them
            if path not in module_facts and entry[3] is None:
                facts = module_facts[path] = modules.facts(path)
                entries[path] = modules.entry(path, facts)
    module_facts = {p: f for p, f in module_facts.items() if "failure" not in f}

    paths: list[str] = []
    digests: dict[str, str] = {}
    for path, (_hash, iface, lines, failure) in sorted(entries.items()):
        if failure is not None:
            reason, line, col = failure
            if config.is_enabled(PARSE_FAILURE_CODE, path):
                result.findings.append(parse_failure(path, ParseFailure(reason, line, col)))
            continue
        paths.append(path)
        if cache is not None:
            digests[path] = iface or ""
        result.files_analyzed += 1
        result.lines_analyzed += lines

    project = Project(modules.summaries, module_facts=module_facts, loader=modules.summary)
    loaded = LoadedProject(project, result, paths, modules.hashes, digests)
    if reuse:
        repo = snapshot.repo  # type: ignore[union-attr]
        repo._fid_of = project.fid_of  # type: ignore[attr-defined]
        project._facts = repo  # type: ignore[assignment]
        if patched is not None:
            # Line numbers moved inside the signatures' parts. The snapshot on disk stays as it was: the
            # next run patches it again from the same base (cheaper than rewriting the whole snapshot).
            from .facts.signature import module_signatures

            signatures = dict(snapshot.signatures)  # type: ignore[union-attr]
            signatures.update(module_signatures(repo, digests, patched))
            loaded.signatures = signatures
            cache.stats.snapshot_patches += 1  # type: ignore[union-attr]
        else:
            loaded.signatures = snapshot.signatures  # type: ignore[union-attr]
            cache.stats.snapshot_hits += 1  # type: ignore[union-attr]
    elif cache is not None:
        loaded.signatures = save_snapshot(cache, names, entries, loaded)
    return loaded


def save_snapshot(cache: "AnalysisCache", names: dict[str, tuple[str, bool]], entries: dict[str, tuple],
                  loaded: LoadedProject) -> dict[str, str]:
    """Store the whole-repository facts and the modules' signatures; returns the signatures."""
    from .facts.signature import module_signatures

    repo = loaded.project.facts
    signatures = module_signatures(repo, loaded.facts_digests)
    link = repo._fid_of
    repo._fid_of = None  # the Project (trees) stays out of the snapshot
    try:
        cache.put_snapshot(snapshot_key(names), _Snapshot(entries, repo, signatures))
    finally:
        repo._fid_of = link
    return signatures


def guarded_facts(summary: ModuleSummary) -> dict:
    """The module's facts, or a failure record (reported as HYB000) when extracting them recurses too
    deep or takes longer than the per-file budget: one hostile file must not fail the whole run."""
    try:
        with time_budget(file_seconds(), "file") as budget:
            return extract_module(summary)
    except RecursionError:
        return {"failure": (TOO_DEEP, 1, 1)}
    except BudgetExceeded as exc:
        if budget is None or exc.budget is not budget:
            raise  # the job's budget: the whole job fails
        return {"failure": (too_slow(budget.seconds), 1, 1)}


TOO_DEEP = "the file nests code too deeply to analyze"


def too_slow(seconds: float) -> str:
    return f"analyzing the file took longer than its time budget ({seconds:g} s)"


def parse_failure(path: str, failure: ParseFailure) -> Finding:
    from .rules.analysis_failure import CouldNotAnalyze

    return Finding(
        code=PARSE_FAILURE_CODE, name=CouldNotAnalyze.name, path=path, line=failure.line, col=failure.col,
        end_line=failure.line, end_col=failure.col + 1, message=f"could not analyze: {failure.reason}",
        severity=CouldNotAnalyze.severity, snippet=failure.reason,
    )
