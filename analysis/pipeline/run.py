"""The entry point: sources -> parse -> module facts -> project facts -> rules -> findings.

`analyze` runs the stages in this process, or, for a large cold run, in worker processes
(parallel.py); both paths read and write the same cache (analysis/cache.py).
"""
from __future__ import annotations

import functools
import gc
from dataclasses import replace
from typing import TYPE_CHECKING, Collection, Mapping

from ..config import Config
from ..model import AnalysisResult
from ..tfversion import TORCH_DISTRIBUTIONS, declared_min_tf_version, declared_min_version
from .checking import check_module, known_rule_codes, make_rules
from .findings import findings_keys, finish
from .load import DeferredSnapshot, LoadedProject, load_project
from .modules import facts_key, report_failure
from .scope import needed_paths, worth_scoping
from .snapshot import new_stamp, save_head, snapshot_key
from .sources import Prepared, listed_sources, prepare
from .unchanged import unchanged_result

if TYPE_CHECKING:
    from ..cache import AnalysisCache
    from .parallel import ParallelRun


def analyze(sources: Mapping[str, bytes], config: Config | None = None, *,
            cache: "AnalysisCache | None" = None, changed: Collection[str] | None = None,
            jobs: int | None = None) -> AnalysisResult:
    """Analyze a repository given as repository-relative posix path -> bytes.

    Pure (no file system) unless a `cache` is given, in which case per-module facts and findings are
    read from and written to it (analysis/cache.py). Non-Python files are used only for project
    metadata (the minimum TensorFlow version).

    With `changed` (paths), only those modules are checked, and only the modules their facts need are
    loaded (scope.py): their importers, transitively, and everything those import. When they need most
    of a large project, all of it is loaded, keeping the project snapshot (scope.worth_scoping), and
    still only the changed modules are checked.

    `jobs`: how many processes the caller lends a cold run (parallel.py `jobs_for`; the App's pool
    lends its idle workers); None: as many as the machine and the project's size call for.
    """
    # The whole repository's trees stay alive until the end of the run, and CPython's cyclic
    # collector would rescan all of them on every generation-2 pass: measured on the 1.3M-line
    # corpus, parsing with everything kept alive took 28 s with the collector on and 6 s with it off
    # (bench/RESULTS.md). ASTs hold no reference cycles, so pausing the collector loses nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        config = with_declared_torch(config or Config(), sources)
        if changed is None:
            return _analyze(sources, config, cache, jobs=jobs)
        checked = set(changed)
        listed = listed_sources(sources, config)
        scoped = _scoped(sources, listed, checked)
        if scoped is None:
            result = _analyze(sources, config, cache, checked, jobs=jobs, listed=listed)
        else:  # a scoped run's module set is particular to one change: no project snapshot
            result = _analyze(scoped, config, cache, checked, snapshots=False, jobs=jobs)
        result.findings = [f for f in result.findings if f.path in checked]  # e.g. a needed module's HYB000
        return result
    finally:
        if was_enabled:
            gc.enable()


analyze_sources = analyze  # the name the bot, the tests and the benchmarks have always used


def with_declared_torch(config: Config, sources: Mapping[str, bytes]) -> Config:
    """`config` with the oldest PyTorch the project supports: `min-torch-version` when set, else what the
    declared dependencies say. On the Config (not a parameter of its own like the TensorFlow minimum) so
    that rules, worker processes and the findings cache key all see it without more plumbing."""
    if config.min_torch_version is not None:
        return config
    declared = declared_min_version(sources, TORCH_DISTRIBUTIONS)
    return replace(config, min_torch_version=declared) if declared is not None else config


def _scoped(sources: Mapping[str, bytes], listed: Prepared, changed: Collection[str]) -> dict[str, bytes] | None:
    """The sources (`listed`: their analyzable files) without the Python modules the changed ones do
    not need (metadata files stay), or None when a whole run is the cheaper way to check them."""
    python, names = listed.python, listed.names
    needed = needed_paths(python, names, changed)
    if not worth_scoping(len(needed & names.keys()), len(names)):
        return None
    return {p: d for p, d in sources.items() if p not in python or p in needed}


def _analyze(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None",
             changed: set[str] | None = None, *, snapshots: bool = True, jobs: int | None = None,
             listed: Prepared | None = None) -> AnalysisResult:
    """Load every module of `sources`; check those in `changed` (None: all). `listed`: `listed_sources`
    of these sources, when the caller has it."""
    min_tf = config.min_tf_version or declared_min_tf_version(sources)
    prepared = prepare(sources, config, cache, snapshots=snapshots, listed=listed)
    if cache is not None:
        unchanged = unchanged_result(prepared, config, min_tf, cache, changed)
        if unchanged is not None:
            return finish(unchanged, cache)
    if prepared.known_share() < 0.75:  # always so without a cache (no snapshot)
        # Not a warm run (a warm one's snapshot knows most modules' bytes): worker processes may pay.
        # Imported here: a warm run does not import them (nor multiprocessing, 10-25 ms).
        from .parallel import WorkerError, jobs_for

        jobs = jobs_for(sum(len(d) for p, d in sources.items() if p.endswith(".py")), jobs)
        if jobs > 1 and (cache is None or _mostly_uncached(prepared, cache)):
            try:
                return _analyze_parallel(prepared, config, min_tf, cache, jobs, changed, snapshots)
            except (WorkerError, OSError) as exc:
                # No processes to be had (or one died): do the same work in this process, and say so (it
                # is several times slower, and a worker that fails every time is a bug to report).
                import logging  # here: only this fallback logs, and `logging` is 3-6 ms of a warm run's imports

                logging.getLogger(__name__).warning(
                    "analysis worker processes failed (%s); analyzing in one process instead", exc)
    loaded = load_project(sources, config, cache, prepared=prepared, snapshots=snapshots)
    project, result = loaded.project, loaded.result
    rules: list | None = None  # built at the first module to check: a warm run may check none
    # The findings' keys need the context signatures, which a deferred snapshot computes later: such a
    # run checks its modules without looking their findings up and stores them with the snapshot.
    deferred = loaded.save_snapshot
    keys = findings_keys(loaded, config, min_tf, cache) if deferred is None else {}
    checked: dict[str, list] = {}
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
        if cache is not None and (key is not None or deferred is not None):
            cache.stats.checked_paths.append(path)
            if key is not None:
                cache.put_findings(key, findings)
            else:
                checked[path] = findings
        result.findings.extend(findings)
    if deferred is not None and cache.defer(deferred.key, functools.partial(  # type: ignore[union-attr]
            _save_later, loaded, deferred, checked, config, min_tf, cache)):
        return finish(result, cache)
    if deferred is not None:  # it could not be announced to readers: write it now
        _save_later(loaded, deferred, checked, config, min_tf, cache)  # type: ignore[arg-type]
    project.release()  # freed on return by reference counting, not later by the cyclic collector
    if _kept is not None:
        _kept.append((prepared, loaded))  # the caller exits soon: not freed (`keep_run_objects`)
    return finish(result, cache)


# The runs' objects that a caller about to exit keeps instead of having them freed (`keep_run_objects`).
_kept: list[object] | None = None


def keep_run_objects() -> None:
    """From now on, keep every run's project and snapshot alive instead of freeing them when the run
    returns: for a process that exits right after its run without freeing anything (`hybridize check`:
    cli/main.py `run_check`, in a process that ends with `os._exit`). Freeing a warm run's snapshot,
    300,000 objects, was about 15 ms of a warm re-run's CPU. Never for a long-lived caller (the App):
    its memory would grow with every run."""
    global _kept
    if _kept is None:
        _kept = []


def _save_later(loaded: LoadedProject, deferred: DeferredSnapshot, checked: dict[str, list], config: Config,
                min_tf: tuple[int, ...] | None, cache: "AnalysisCache") -> None:
    """A deferred run's writes (deferred.py): the snapshot with its signatures, then the checked
    modules' findings under the keys those signatures give."""
    loaded.signatures = deferred.save()
    keys = findings_keys(loaded, config, min_tf, cache)
    for path, findings in checked.items():
        cache.put_findings(keys[path], findings)
    loaded.project.release()


def _write_parallel_later(run: "ParallelRun", cache: "AnalysisCache", names: dict[str, tuple[str, bool]],
                          entries: dict[str, tuple], stamp: str | None) -> None:
    """A late parallel run's writes (parallel.py `finish_writes`): the workers' files and body, then the
    snapshot's head with the interface digests and signatures they computed."""
    try:
        signatures, digests, problem = run.finish_writes()
        if stamp is not None:
            for path, digest in digests.items():
                content, _iface, lines, failure = entries[path]
                entries[path] = (content, digest, lines, failure)
            run.wait_body()  # a head is never on disk before its body
            save_head(cache, names, entries, signatures, stamp)
        cache.problem = cache.problem or problem
    except BaseException:
        run.close(wait=False)
        raise
    run.close()


def _mostly_uncached(prepared: Prepared, cache: "AnalysisCache") -> bool:
    """More than a quarter of the modules have no cached facts: a cold run, worth parallel workers.
    (Asked only when the project snapshot does not know most modules' bytes: `_analyze`.)"""
    missing = 0
    for path, (module, is_package) in prepared.names.items():
        if not cache.has_facts(facts_key(prepared.hashes[path], module, is_package)):
            missing += 1
    return missing * 4 > len(prepared.python)


def _analyze_parallel(prepared: Prepared, config: Config, min_tf: tuple[int, ...] | None,
                      cache: "AnalysisCache | None", jobs: int, changed: set[str] | None = None,
                      snapshots: bool = True) -> AnalysisResult:
    """The same analysis with parsing and checking spread over worker processes (parallel.py), which
    also read and write the cache for their own modules; this process writes the snapshot's head."""
    # A result of its own: if the workers fail, the one-process run starts from `prepared` untouched.
    result = AnalysisResult(notes=list(prepared.result.notes))
    python, names = prepared.python, prepared.names
    from .parallel import ParallelRun

    run = ParallelRun(python, names, config, min_tf, jobs, cache)
    late = cache is not None and cache.defers_snapshot
    try:
        outcomes = run.exchange_facts()
        wanted = {path for path, _lines, failure, _h, _i in outcomes
                  if failure is None and (changed is None or path in changed)}
        stamp = new_stamp() if cache is not None and snapshots else None
        run.start_check(wanted.__contains__, stamp)
        entries: dict[str, tuple] = {}
        for path, lines, failure, content, iface in sorted(outcomes):
            entries[path] = (content, iface, lines, failure)
            if failure is not None:
                report_failure(result, config, path, failure)
                continue
            result.files_analyzed += 1
            result.lines_analyzed += lines
        done = run.collect()
        if not late:
            if stamp is not None:
                run.wait_body()  # a head is never on disk before its body
                save_head(cache, names, entries, done.signatures, stamp)  # type: ignore[arg-type]
            run.close()
    except BaseException:
        run.close(wait=False)  # e.g. the job's time budget ran out: stop the workers now
        raise
    if late:
        # The workers' cache work waits for the deferring cache's flush (after the review is out), like
        # the one-process run's snapshot (`_save_later`); announced to readers first when there is a
        # snapshot, else (a scoped run: no snapshot to wait on) done now.
        writes = functools.partial(_write_parallel_later, run, cache, names, entries, stamp)
        if stamp is None or not cache.defer(snapshot_key(names), writes):  # type: ignore[union-attr]
            writes()
    for path, findings in sorted(done.findings.items()):
        result.findings.extend(findings)
    if cache is not None:
        cache.stats.parsed += len(outcomes) + len(done.parsed_extra)
        cache.stats.parsed_paths.extend(sorted(path for path, *_rest in outcomes))
        cache.stats.parsed_paths.extend(done.parsed_extra)
        cache.stats.checked_paths.extend(sorted(done.checked))
        cache.stats.findings_hits += done.findings_hits
        cache.stats.findings_misses += done.findings_misses
        if cache.problem is None:
            cache.problem = done.problem
    return finish(result, cache)
