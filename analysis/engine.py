"""Running the rules over a set of sources: parse, summarize, build the project, check, filter."""
from __future__ import annotations

import gc
import marshal
from collections import Counter
from typing import TYPE_CHECKING, Mapping

from .budget import BudgetExceeded, file_seconds, time_budget
from .cache import analyzer_version, content_hash, digest
from .config import Config
from .facts.extract import FACTS_VERSION
from .loading import (
    PARSE_FAILURE_CODE, TOO_DEEP, LoadedProject, Prepared, interface_digest, load_project, module_names,
    parse_failure, prepare, save_snapshot, too_slow,
)
from .model import AnalysisResult, Finding, Note, Severity
from .project import Project
from .rules import all_rules
from .rules.base import ModuleContext, Rule
from .source import ParseFailure
from .summary import ModuleSummary
from .suppressions import ALL, parse_suppressions
from .tfversion import declared_min_tf_version

if TYPE_CHECKING:
    from .cache import AnalysisCache

BAD_SUPPRESSION_CODE = "HYB099"


def analyze_sources(sources: Mapping[str, bytes], config: Config | None = None, *,
                    cache: "AnalysisCache | None" = None) -> AnalysisResult:
    """Analyze a repository given as repository-relative posix path -> bytes.

    Pure (no file system) unless a `cache` is given, in which case per-module facts and findings are
    read from and written to it (analysis/cache.py). Non-Python files are used only for project
    metadata (the minimum TensorFlow version).
    """
    # The whole repository's trees stay alive until the end of the run, and CPython's cyclic
    # collector would rescan all of them on every generation-2 pass: measured on the 1.3M-line
    # corpus, parsing with everything kept alive took 28 s with the collector on and 6 s with it off
    # (bench/RESULTS.md). ASTs hold no reference cycles, so pausing the collector loses nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze(sources, config or Config(), cache)
    finally:
        if was_enabled:
            gc.enable()


def make_rules() -> list[Rule]:
    return [rule() for rule in all_rules() if rule.code not in (PARSE_FAILURE_CODE, BAD_SUPPRESSION_CODE)]


def known_rule_codes() -> set[str]:
    return {rule.code for rule in all_rules()}


def _analyze(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None") -> AnalysisResult:
    from .parallel import jobs_for

    python_bytes = sum(len(d) for p, d in sources.items() if p.endswith(".py"))
    jobs = jobs_for(python_bytes)
    prepared = None
    if jobs > 1 and cache is not None:
        prepared = prepare(sources, config, cache)
    if jobs > 1 and (prepared is None or _mostly_uncached(prepared, cache)):  # type: ignore[arg-type]
        from .parallel import WorkerError

        try:
            return _analyze_parallel(sources, config, cache, jobs)
        except (WorkerError, OSError):
            pass  # no processes to be had (or one died): do the same work in this process
    loaded = load_project(sources, config, cache, prepared=prepared)
    project, result = loaded.project, loaded.result
    min_tf = config.min_tf_version or declared_min_tf_version(sources)
    rules, known_codes = make_rules(), known_rule_codes()
    keys = _findings_keys(loaded, config, min_tf, cache)
    project.facts  # noqa: B018 (whole-repository facts: built here, not inside the first file's budget)
    for path in loaded.paths:
        key = keys.get(path)
        if cache is not None and key is not None:
            cached = cache.get_findings(key)
            if cached is not None:
                result.findings.extend(cached)
                continue
        findings = check_module(project, project.modules[path], config, rules, known_codes, min_tf)
        if cache is not None and key is not None:
            cache.put_findings(key, findings)
        result.findings.extend(findings)
    return _finish(result, cache)


def _mostly_uncached(prepared: Prepared, cache: "AnalysisCache") -> bool:
    """More than a quarter of the modules have no cached facts: a cold run, worth parallel workers."""
    if prepared.known_share() >= 0.75:
        return False  # the project snapshot knows the bytes of most modules (no per-file look-up needed)
    missing = 0
    for path, (module, is_package) in prepared.names.items():
        if not cache.has_facts(digest("facts", FACTS_VERSION, prepared.hashes[path], module, is_package)):
            missing += 1
    return missing * 4 > len(prepared.python)


def _findings_keys(loaded: LoadedProject, config: Config, min_tf: tuple[int, ...] | None,
                   cache: "AnalysisCache | None") -> dict[str, str]:
    """Per module: the findings cache key (content hash, context signature, settings)."""
    if cache is None:
        return {}
    from .facts.signature import module_signatures

    signatures = loaded.signatures
    if signatures is None:
        signatures = module_signatures(loaded.project.facts, loaded.facts_digests)
    settings = digest(repr(config), repr(min_tf), analyzer_version())
    return {path: digest("findings", loaded.hashes[path], signatures.get(path, ""), settings) for path in loaded.paths}


def _finish(result: AnalysisResult, cache: "AnalysisCache | None") -> AnalysisResult:
    result.findings = _number_occurrences(sorted(result.findings, key=Finding.sort_key))
    if cache is not None and cache.problem is not None:
        result.notes.append(Note(".", f"the analysis cache was skipped: {cache.problem}"))
    return result


def _analyze_parallel(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None",
                      jobs: int) -> AnalysisResult:
    """The same analysis with parsing and checking spread over worker processes (analysis/parallel.py)."""
    from .parallel import ParallelRun

    result = AnalysisResult()
    python = {p: d for p, d in sources.items() if p.endswith(".py") and not config.is_excluded(p)}
    names = module_names(python, config, result)
    min_tf = config.min_tf_version or declared_min_tf_version(sources)
    run = ParallelRun(python, names, config, min_tf, jobs)
    try:
        outcomes, blobs = run.exchange_facts()
        # Without a cache the parent needs only the outcomes; the facts stay encoded (the workers have them).
        module_facts: dict[str, dict] = {}
        if cache is not None:
            for blob in blobs:
                module_facts.update(marshal.loads(blob))
        hashes: dict[str, str] = {}
        digests: dict[str, str] = {}
        entries: dict[str, tuple] = {}
        analyzed: list[str] = []
        for path, lines, failure in sorted(outcomes):
            if cache is not None:
                cache.stats.parsed += 1
                cache.stats.parsed_paths.append(path)
                hashes[path] = content_hash(python[path])
                module, is_package = names[path]
                facts = module_facts[path] if failure is None else {"failure": failure}
                cache.put_facts(digest("facts", FACTS_VERSION, hashes[path], module, is_package), facts)
            if failure is not None:
                entries[path] = (hashes.get(path), None, 0, failure)
                reason, line, col = failure
                if config.is_enabled(PARSE_FAILURE_CODE, path):
                    result.findings.append(parse_failure(path, ParseFailure(reason, line, col)))
                continue
            analyzed.append(path)
            if cache is not None:
                digests[path] = interface_digest(module_facts[path])
                entries[path] = (hashes[path], digests[path], lines, None)
            result.files_analyzed += 1
            result.lines_analyzed += lines
        keys: dict[str, str] = {}
        wanted = set(analyzed)
        if cache is not None:
            project = Project([], module_facts=module_facts)
            loaded = LoadedProject(project, result, sorted(module_facts), hashes, digests)
            loaded.signatures = save_snapshot(cache, names, entries, loaded)
            keys = _findings_keys(loaded, config, min_tf, cache)
            for path in sorted(module_facts):
                cached = cache.get_findings(keys[path])
                if cached is not None:
                    result.findings.extend(cached)
                    wanted.discard(path)
        checked, extra = run.check(wanted.__contains__)
    finally:
        run.close()
    for path, findings in checked.items():
        if cache is not None:
            cache.put_findings(keys[path], findings)
        result.findings.extend(findings)
    if cache is not None:
        cache.stats.parsed += len(extra)
        cache.stats.parsed_paths.extend(extra)
    return _finish(result, cache)


def check_module(project: Project, summary: ModuleSummary, config: Config, rules: list[Rule],
                 known_codes: set[str], min_tf: tuple[int, ...] | None) -> list[Finding]:
    """The module's findings; one HYB000 finding instead when the rules recurse too deep or take
    longer than the per-file budget (analysis/budget.py)."""
    try:
        with time_budget(file_seconds(), "file") as budget:
            return _check_module(project, summary, config, rules, known_codes, min_tf)
    except RecursionError:
        reason = TOO_DEEP
    except BudgetExceeded as exc:
        if budget is None or exc.budget is not budget:
            raise  # the job's budget: the whole job fails
        reason = too_slow(budget.seconds)
    if not config.is_enabled(PARSE_FAILURE_CODE, summary.path):
        return []
    return [parse_failure(summary.path, ParseFailure(reason))]


def _check_module(project: Project, summary: ModuleSummary, config: Config, rules: list[Rule],
                  known_codes: set[str], min_tf: tuple[int, ...] | None) -> list[Finding]:
    source = summary.source
    suppressions = parse_suppressions(source.text)
    findings: list[Finding] = []
    ctx = ModuleContext(project, summary, config, min_tf)
    if ALL not in suppressions.file_codes:
        for rule in rules:
            if not config.is_enabled(rule.code, summary.path):
                continue
            if rule.requires_text and not any(t in source.text for t in rule.requires_text):
                continue
            for finding in rule.check(ctx):
                if suppressions.suppresses(finding.code, finding.line, finding.end_line):
                    continue
                findings.append(_with_severity(finding, config))
    if config.is_enabled(BAD_SUPPRESSION_CODE, summary.path):
        findings.extend(_unknown_suppression_codes(summary.path, suppressions.written, known_codes, config))
    return findings


def _with_severity(finding: Finding, config: Config) -> Finding:
    wanted = config.severity_for(finding.code, finding.severity)
    if wanted is finding.severity:
        return finding
    from dataclasses import replace

    return replace(finding, severity=wanted)


def _unknown_suppression_codes(path: str, written: list[tuple[int, int, str]], known: set[str],
                               config: Config) -> list[Finding]:
    from .rules.analysis_failure import UnknownSuppression

    out = []
    for line, col, code in written:
        if not any(k.startswith(code) for k in known):
            out.append(Finding(
                code=BAD_SUPPRESSION_CODE, name=UnknownSuppression.name, path=path, line=line, col=col,
                end_line=line, end_col=col + len(code),
                message=f"suppression names unknown rule code '{code}' (see `hybridize rules`)",
                severity=config.severity_for(BAD_SUPPRESSION_CODE, UnknownSuppression.severity),
                snippet=f"ignore[{code}]",
            ))
    return out


def _number_occurrences(findings: list[Finding]) -> list[Finding]:
    """Give identical findings in one function distinct fingerprints (first, second, ...)."""
    from dataclasses import replace

    seen: Counter[tuple[str, str, str, str]] = Counter()
    out = []
    for f in findings:
        key = (f.code, f.path, f.symbol, f.snippet)
        n = seen[key]
        seen[key] += 1
        out.append(replace(f, occurrence=n) if n else f)
    return out


__all__ = ["LoadedProject", "analyze_sources", "check_module", "load_project", "Severity"]
