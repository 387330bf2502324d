"""The entry point: sources -> parse -> module facts -> project facts -> rules -> findings.

`analyze` runs the stages in this process, or, for a large cold run, in worker processes
(parallel.py); both paths read and write the same cache (analysis/cache.py).
"""
from __future__ import annotations

import gc
import marshal
from typing import TYPE_CHECKING, Collection, Mapping

from ..cache import content_hash
from ..config import Config
from ..model import AnalysisResult
from ..project import Project
from ..tfversion import declared_min_tf_version
from .checking import check_module, known_rule_codes, make_rules
from .findings import findings_keys, finish
from .load import LoadedProject, load_project
from .modules import facts_key, interface_digest, report_failure
from .parallel import ParallelRun, WorkerError, jobs_for
from .scope import needed_paths
from .snapshot import save_snapshot
from .sources import Prepared, module_names, prepare, python_sources
from .unchanged import unchanged_result

if TYPE_CHECKING:
    from ..cache import AnalysisCache


def analyze(sources: Mapping[str, bytes], config: Config | None = None, *,
            cache: "AnalysisCache | None" = None, changed: Collection[str] | None = None) -> AnalysisResult:
    """Analyze a repository given as repository-relative posix path -> bytes.

    Pure (no file system) unless a `cache` is given, in which case per-module facts and findings are
    read from and written to it (analysis/cache.py). Non-Python files are used only for project
    metadata (the minimum TensorFlow version).

    With `changed` (paths), only those modules are checked, and only the modules their facts need are
    loaded (scope.py): their importers, transitively, and everything those import.
    """
    # The whole repository's trees stay alive until the end of the run, and CPython's cyclic
    # collector would rescan all of them on every generation-2 pass: measured on the 1.3M-line
    # corpus, parsing with everything kept alive took 28 s with the collector on and 6 s with it off
    # (bench/RESULTS.md). ASTs hold no reference cycles, so pausing the collector loses nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        config = config or Config()
        if changed is None:
            return _analyze(sources, config, cache)
        result = _analyze(_scoped(sources, config, changed), config, cache, set(changed))
        result.findings = [f for f in result.findings if f.path in changed]  # e.g. a needed module's HYB000
        return result
    finally:
        if was_enabled:
            gc.enable()


analyze_sources = analyze  # the name the bot, the tests and the benchmarks have always used


def _scoped(sources: Mapping[str, bytes], config: Config, changed: Collection[str]) -> dict[str, bytes]:
    """The sources without the Python modules the changed ones do not need (metadata files stay)."""
    python = python_sources(sources, config)
    needed = needed_paths(python, module_names(python, config, AnalysisResult()), changed)
    return {p: d for p, d in sources.items() if p not in python or p in needed}


def _analyze(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None",
             changed: set[str] | None = None) -> AnalysisResult:
    python_bytes = sum(len(d) for p, d in sources.items() if p.endswith(".py"))
    jobs = jobs_for(python_bytes)
    prepared = None
    snapshots = changed is None  # a scoped run's module set is particular to one change: no snapshot
    min_tf = config.min_tf_version or declared_min_tf_version(sources)
    if cache is not None:
        prepared = prepare(sources, config, cache, snapshots=snapshots)
        unchanged = unchanged_result(prepared, config, min_tf, cache)
        if unchanged is not None:
            return finish(unchanged, cache)
    if jobs > 1 and (prepared is None or _mostly_uncached(prepared, cache)):  # type: ignore[arg-type]
        try:
            return _analyze_parallel(sources, config, cache, jobs, changed)
        except (WorkerError, OSError):
            pass  # no processes to be had (or one died): do the same work in this process
    loaded = load_project(sources, config, cache, prepared=prepared, snapshots=snapshots)
    project, result = loaded.project, loaded.result
    rules: list | None = None  # built at the first module to check: a warm run may check none
    keys = findings_keys(loaded, config, min_tf, cache)
    project.facts  # noqa: B018 (whole-repository facts: built here, not inside the first file's budget)
    for path in loaded.paths:
        if changed is not None and path not in changed:
            continue
        key = keys.get(path)
        if cache is not None and key is not None:
            cached = cache.get_findings(key)
            if cached is not None:
                result.findings.extend(cached)
                continue
        if rules is None:
            rules, known_codes = make_rules(), known_rule_codes()
        findings = check_module(project, project.modules[path], config, rules, known_codes, min_tf)
        if cache is not None and key is not None:
            cache.stats.checked_paths.append(path)
            cache.put_findings(key, findings)
        result.findings.extend(findings)
    return finish(result, cache)


def _mostly_uncached(prepared: Prepared, cache: "AnalysisCache") -> bool:
    """More than a quarter of the modules have no cached facts: a cold run, worth parallel workers."""
    if prepared.known_share() >= 0.75:
        return False  # the project snapshot knows the bytes of most modules (no per-file look-up needed)
    missing = 0
    for path, (module, is_package) in prepared.names.items():
        if not cache.has_facts(facts_key(prepared.hashes[path], module, is_package)):
            missing += 1
    return missing * 4 > len(prepared.python)


def _analyze_parallel(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None",
                      jobs: int, changed: set[str] | None = None) -> AnalysisResult:
    """The same analysis with parsing and checking spread over worker processes (parallel.py)."""
    result = AnalysisResult()
    python = python_sources(sources, config)
    names = module_names(python, config, result)
    min_tf = config.min_tf_version or declared_min_tf_version(sources)
    run = ParallelRun(python, names, config, min_tf, jobs)
    try:
        outcomes, blobs = run.exchange_facts()
        failed = {path for path, _lines, failure in outcomes if failure is not None}
        wanted = {path for path, _lines, _failure in outcomes
                  if path not in failed and (changed is None or path in changed)}
        hashes: dict[str, str] = {}
        if cache is not None:
            hashes = {path: content_hash(python[path]) for path, _lines, _failure in outcomes}
        # A first run (no module's facts in the cache) can serve no findings from the cache either: the
        # workers check their modules at once, while this process writes the facts, the snapshot and the
        # findings, instead of leaving them idle through that serial work (bench/RESULTS.md, issue 11).
        check_now = cache is None or not any(cache.has_facts(facts_key(h, *names[p])) for p, h in hashes.items())
        if check_now:
            run.start_check(wanted.__contains__)
        # Without a cache the parent needs only the outcomes; the facts stay encoded (the workers have them).
        module_facts: dict[str, dict] = {}
        if cache is not None:
            for blob in blobs:
                module_facts.update(marshal.loads(blob))
        digests: dict[str, str] = {}
        entries: dict[str, tuple] = {}
        for path, lines, failure in sorted(outcomes):
            if cache is not None:
                cache.stats.parsed += 1
                cache.stats.parsed_paths.append(path)
                facts = module_facts[path] if failure is None else {"failure": failure}
                cache.put_facts(facts_key(hashes[path], *names[path]), facts)
            if failure is not None:
                entries[path] = (hashes.get(path), None, 0, failure)
                report_failure(result, config, path, failure)
                continue
            if cache is not None:
                digests[path] = interface_digest(module_facts[path])
                entries[path] = (hashes[path], digests[path], lines, None)
            result.files_analyzed += 1
            result.lines_analyzed += lines
        keys: dict[str, str] = {}
        if cache is not None:
            project = Project([], module_facts=module_facts)
            loaded = LoadedProject(project, result, sorted(module_facts), hashes)
            if changed is None:
                loaded.signatures = save_snapshot(cache, names, entries, project.facts)
            keys = findings_keys(loaded, config, min_tf, cache)
            if not check_now:
                for path in sorted(wanted):
                    cached = cache.get_findings(keys[path])
                    if cached is not None:
                        result.findings.extend(cached)
                        wanted.discard(path)
        if not check_now:
            run.start_check(wanted.__contains__)
        checked, extra = run.collect()
    finally:
        run.close()
    for path, findings in sorted(checked.items()):
        if cache is not None:
            cache.stats.checked_paths.append(path)
            cache.put_findings(keys[path], findings)
        result.findings.extend(findings)
    if cache is not None:
        cache.stats.parsed += len(extra)
        cache.stats.parsed_paths.extend(extra)
    return finish(result, cache)
