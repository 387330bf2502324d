"""Stage 4: the rules over one module -> its findings (suppressions applied, severities configured)."""
from __future__ import annotations

from dataclasses import replace

from ..budget import BudgetExceeded, file_seconds, time_budget
from ..config import Config
from ..frameworks import frameworks_of_imports, rule_runs_on
from ..model import Finding
from ..project import Project
from ..rules import all_rules
from ..rules.base import ModuleContext, Rule
from ..source import ParseFailure
from ..summary import ModuleSummary
from ..suppressions import ALL, parse_suppressions
from .modules import PARSE_FAILURE_CODE, TOO_DEEP, parse_failure, too_slow

BAD_SUPPRESSION_CODE = "HYB099"


def make_rules() -> list[Rule]:
    return [rule() for rule in all_rules() if rule.code not in (PARSE_FAILURE_CODE, BAD_SUPPRESSION_CODE)]


def known_rule_codes() -> set[str]:
    return {rule.code for rule in all_rules()}


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
    module_frameworks = frameworks_of_imports(summary.imports.names.values())
    try:
        if ALL not in suppressions.file_codes:
            for rule in rules:
                if not config.is_enabled(rule.code, summary.path):
                    continue
                if not rule_runs_on(rule.framework, module_frameworks, config.frameworks):
                    continue
                if rule.requires_text and not any(t in source.text for t in rule.requires_text):
                    continue
                for finding in rule.check(ctx):
                    if suppressions.suppresses(finding.code, finding.line, finding.end_line):
                        continue
                    findings.append(_with_severity(finding, config))
    finally:
        ctx.release()
    if config.is_enabled(BAD_SUPPRESSION_CODE, summary.path):
        findings.extend(_unknown_suppression_codes(summary.path, suppressions.written, known_codes, config))
    return findings


def _with_severity(finding: Finding, config: Config) -> Finding:
    wanted = config.severity_for(finding.code, finding.severity)
    if wanted is finding.severity:
        return finding
    return replace(finding, severity=wanted)


def _unknown_suppression_codes(path: str, written: list[tuple[int, int, str]], known: set[str],
                               config: Config) -> list[Finding]:
    from ..rules.analysis_failure import UnknownSuppression

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
