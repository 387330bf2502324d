"""Running the rules over a set of sources: parse, summarize, build the project, check, filter."""
from __future__ import annotations

import gc
import posixpath
from collections import Counter
from typing import Mapping

from .config import Config
from .model import AnalysisResult, Finding, Note, Severity
from .project import Project
from .rules import all_rules
from .rules.base import ModuleContext, Rule
from .source import ParseFailure, parse
from .summary import ModuleSummary, build_summary, module_name_for
from .suppressions import ALL, parse_suppressions

PARSE_FAILURE_CODE = "HYB000"
BAD_SUPPRESSION_CODE = "HYB099"


def analyze_sources(sources: Mapping[str, bytes], config: Config | None = None) -> AnalysisResult:
    """Analyze a repository given as repository-relative posix path -> bytes. Pure: no file system.

    Non-Python files are used only for project metadata (the minimum TensorFlow version).
    """
    # The whole repository's trees stay alive until the end of the run, and CPython's cyclic
    # collector would rescan all of them on every generation-2 pass: measured on the 1.3M-line
    # corpus, parsing with everything kept alive took 28 s with the collector on and 6 s with it off
    # (bench/RESULTS.md). ASTs hold no reference cycles, so pausing the collector loses nothing.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _analyze(sources, config or Config())
    finally:
        if was_enabled:
            gc.enable()


def _analyze(sources: Mapping[str, bytes], config: Config) -> AnalysisResult:
    result = AnalysisResult()
    python = {p: d for p, d in sources.items() if p.endswith(".py") and not config.is_excluded(p)}
    package_dirs = frozenset(posixpath.dirname(p) for p in python if posixpath.basename(p) == "__init__.py")

    summaries: list[ModuleSummary] = []
    for path in sorted(python):
        data = python[path]
        if len(data) > config.max_file_bytes:
            result.notes.append(Note(path, f"skipped: {len(data)} bytes is above max-file-size ({config.max_file_bytes})"))
            continue
        parsed = parse(path, data)
        if isinstance(parsed, ParseFailure):
            if config.is_enabled(PARSE_FAILURE_CODE, path):
                result.findings.append(_parse_failure(path, parsed))
            continue
        module, is_package = module_name_for(path, package_dirs)
        summaries.append(build_summary(parsed, module, is_package))
        result.files_analyzed += 1
        result.lines_analyzed += len(parsed.lines)

    project = Project(summaries)
    min_tf = config.min_tf_version or _declared_min_tf(sources)
    rules = [rule() for rule in all_rules() if rule.code not in (PARSE_FAILURE_CODE, BAD_SUPPRESSION_CODE)]
    known_codes = {rule.code for rule in all_rules()}
    for summary in summaries:
        result.findings.extend(check_module(project, summary, config, rules, known_codes, min_tf))
    result.findings = _number_occurrences(sorted(result.findings, key=Finding.sort_key))
    return result


def check_module(project: Project, summary: ModuleSummary, config: Config, rules: list[Rule],
                 known_codes: set[str], min_tf: tuple[int, ...] | None) -> list[Finding]:
    source = summary.source
    suppressions = parse_suppressions(source.text, source.lines)
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


def _parse_failure(path: str, failure: ParseFailure) -> Finding:
    from .rules.analysis_failure import CouldNotAnalyze

    return Finding(
        code=PARSE_FAILURE_CODE, name=CouldNotAnalyze.name, path=path, line=failure.line, col=failure.col,
        end_line=failure.line, end_col=failure.col + 1, message=f"could not analyze: {failure.reason}",
        severity=CouldNotAnalyze.severity, snippet=failure.reason,
    )


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


def _declared_min_tf(sources: Mapping[str, bytes]) -> tuple[int, ...] | None:
    try:
        from .tfversion import declared_min_tf_version
    except ImportError:  # lands with the fix engine (issue 4)
        return None
    return declared_min_tf_version(sources)


__all__ = ["analyze_sources", "check_module", "Severity"]
