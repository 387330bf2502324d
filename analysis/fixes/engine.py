"""Applying fixes to in-memory files, and verifying every one before it is kept.

A fix is kept only if, after it is applied:
1. the file still decodes and parses;
2. re-analysis no longer reports the targeted finding (same code and fix description, one fewer), and
   reports no more findings of any code in that file than before (a moved finding is not a new one:
   counting by code tolerates symbols and messages that change with the edit);
3. running the same fixer again at the finding's new position changes nothing.
Otherwise it is withheld with the reason ("fix withheld: <reason>").

Edits of different findings in one file that overlap: the first finding in (path, line, column, code)
order wins and the later one is withheld, so the outcome does not depend on rule order. All kept fixes of
a file are first verified together (one re-analysis for the whole run); a file that fails that is
redone one fix at a time, each verified against the fixes kept before it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Collection, Iterable, Mapping, Sequence

from ..config import Config
from ..pipeline import analyze_sources
from ..model import AnalysisResult, Edit, Finding, FixSafety
from ..source import ParseFailure, parse
from .document import CannotFix, Document, Documents, shift_position, spans_overlap
from .registry import FIXERS

Analyzer = Callable[[Mapping[str, bytes], Config], AnalysisResult]


@dataclass
class FixResult:
    changed: dict[str, bytes] = field(default_factory=dict)  # path -> new bytes, only files that changed
    # Each applied finding carries its fix's edits (`fix.edits`, positions in the file as it was given),
    # so a caller showing or staging the fixes does not run the codemod again.
    applied: list[Finding] = field(default_factory=list)
    withheld: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, reason)
    # Findings with a gated fix that was not asked for (for "N more fixes with --unsafe-fixes").
    gated_available: int = 0


@dataclass
class _Planned:
    finding: Finding
    edits: tuple[Edit, ...]

    def applied(self) -> Finding:
        """The finding as `FixResult.applied` lists it: its fix carries the edits that were applied."""
        fix = self.finding.fix
        return replace(self.finding, fix=replace(fix, edits=self.edits)) if fix is not None else self.finding


def withheld_text(reason: str) -> str:
    return f"fix withheld: {reason}"


def apply_fixes(sources: Mapping[str, bytes], safeties: set[FixSafety], config: Config | None = None,
                select: Iterable[str] | None = None, *, only: Collection[str] | None = None,
                analyze: Analyzer = analyze_sources, before: AnalysisResult | None = None) -> FixResult:
    """Apply the fixes of the requested safeties to `sources` (repository-relative path -> bytes).

    `select` (codes or prefixes) limits which findings are fixed; the verifying analysis still runs every
    configured rule, so a fix cannot hide that it introduces another rule's finding. `only` limits the
    files that may change (the others are analyzed for context). Nothing is written anywhere.

    `before`: `analyze(sources, config)` when the caller has it already (the App's review of the same
    head, bot/pulls/review_analysis.py); the caller vouches that it is exactly that.
    """
    config = config or Config()
    prefixes = tuple(c.strip().upper() for s in (select or ()) for c in str(s).split(",") if c.strip())
    if before is None:
        before = analyze(sources, config)
    result = FixResult()
    wanted: dict[str, list[Finding]] = {}
    for finding in before.findings:
        if finding.fix is None or (prefixes and not finding.code.startswith(prefixes)):
            continue
        if only is not None and finding.path not in only:
            continue
        if finding.fix.safety not in safeties:
            if finding.fix.safety is FixSafety.GATED and finding.code in FIXERS:
                result.gated_available += 1
            continue
        if finding.code not in FIXERS:
            result.withheld.append(_withhold(finding, f"no codemod implements the fix for {finding.code}"))
            continue
        wanted.setdefault(finding.path, []).append(finding)

    planned: dict[str, tuple[Document, list[_Planned]]] = {}
    for path in sorted(wanted):
        try:
            doc = Document.from_bytes(path, sources[path])
        except CannotFix as exc:
            result.withheld += [_withhold(f, str(exc)) for f in wanted[path]]
            continue
        plans, withheld = _plan(doc, sorted(wanted[path], key=lambda f: (*f.sort_key(), f.end_line, f.end_col)))
        result.withheld += withheld
        if plans:
            planned[path] = (doc, plans)

    # Round 1: every file with all of its planned fixes, one re-analysis.
    candidate = dict(sources)
    for path, (doc, plans) in planned.items():
        candidate[path] = doc.apply(e for p in plans for e in p.edits)
    after = analyze(candidate, config) if planned else before
    retry: list[str] = []
    for path, (doc, plans) in planned.items():
        problem = _verify(doc, candidate[path], plans, before, after)
        if problem is None:
            result.changed[path] = candidate[path]
            result.applied += [p.applied() for p in plans]
        else:
            retry.append(path)

    # Round 2: files that failed together, one fix at a time.
    state = {**sources, **result.changed}
    for path in retry:
        doc, plans = planned[path]
        kept: list[_Planned] = []
        for plan in plans:
            trial = kept + [plan]
            data = doc.apply(e for p in trial for e in p.edits)
            trial_after = analyze({**state, path: data}, config)
            problem = _verify(doc, data, trial, before, trial_after)
            if problem is None:
                kept = trial
            else:
                result.withheld.append(_withhold(plan.finding, problem))
        if kept:
            data = doc.apply(e for p in kept for e in p.edits)
            state[path] = data
            result.changed[path] = data
            result.applied += [p.applied() for p in kept]
    result.applied.sort(key=Finding.sort_key)
    result.withheld.sort(key=lambda item: item[0].sort_key())
    return result


def texts_by_code(sources: Mapping[str, bytes], result: FixResult,
                  order: Sequence[str]) -> tuple[dict[str, dict[str, bytes]], frozenset[str]]:
    """The edited text per kind of fix, for one commit per rule code applied in `order`:
    ({code: {path: the file after the fixes of every code up to this one}} for the files each code's
    fixes change, the changed files left out), without running a codemod again.

    A file whose fixes are all of one code gets its text from `result.changed` as is (verified whole).
    A file several codes touch gets each prefix of its fixes' edits (`fix.edits`, positions in
    `sources`, never overlapping: the engine withholds a fix whose edits overlap another's); its last
    step is `result.changed`'s verified text. A prefix that does not parse leaves the file out: the
    caller fixes it again one kind at a time.
    """
    rank = {code: i for i, code in enumerate(order)}
    fixed: dict[str, list[Finding]] = {}
    for finding in result.applied:
        fixed.setdefault(finding.path, []).append(finding)
    texts: dict[str, dict[str, bytes]] = {}
    left_out: set[str] = set()
    for path, data in result.changed.items():
        findings = fixed.get(path, [])
        codes = sorted({f.code for f in findings}, key=lambda c: (rank.get(c, len(rank)), c))
        steps = {codes[-1]: data} if codes else {}
        if len(codes) > 1:
            doc = Document.from_bytes(path, sources[path])
            for i, code in enumerate(codes[:-1]):
                done = set(codes[:i + 1])
                step = doc.apply(e for f in findings if f.code in done and f.fix is not None for e in f.fix.edits)
                if isinstance(parse(path, step), ParseFailure):
                    left_out.add(path)
                    break
                steps[code] = step
        if path not in left_out:
            for code, step in steps.items():
                texts.setdefault(code, {})[path] = step
    return texts, frozenset(left_out)


def _withhold(finding: Finding, reason: str) -> tuple[Finding, str]:
    fix = finding.fix
    updated = replace(finding, fix=replace(fix, reason=withheld_text(reason))) if fix is not None else finding
    return updated, reason


def _plan(doc: Document, findings: list[Finding]) -> tuple[list[_Planned], list[tuple[Finding, str]]]:
    """Compute each finding's edits; drop those that fail or overlap an earlier finding's edits."""
    plans: list[_Planned] = []
    withheld: list[tuple[Finding, str]] = []
    taken: list[tuple[tuple[int, int], Finding]] = []
    for finding in findings:
        try:
            edits = FIXERS[finding.code](finding, doc)
        except CannotFix as exc:
            withheld.append(_withhold(finding, str(exc)))
            continue
        if not edits:
            withheld.append(_withhold(finding, "the fixer found nothing to change at the reported position"))
            continue
        spans = [doc.span(e) for e in edits]
        clash = next((other for span in spans for s, other in taken if spans_overlap(span, s)), None)
        if clash is not None:
            withheld.append(_withhold(
                finding, f"its edit overlaps the fix for {clash.code} at line {clash.line}, which goes first"))
            continue
        taken += [(s, finding) for s in spans]
        plans.append(_Planned(finding, tuple(edits)))
    return plans, withheld


def _verify(doc: Document, data: bytes, plans: list[_Planned], before: AnalysisResult,
            after: AnalysisResult) -> str | None:
    """None when the fixed file passes every check, else the reason it does not."""
    parsed = parse(doc.path, data)
    if isinstance(parsed, ParseFailure):
        return f"the fixed file does not parse ({parsed.reason} at line {parsed.line})"
    old = [f for f in before.findings if f.path == doc.path]
    new = [f for f in after.findings if f.path == doc.path]
    targeted = Counter(_target_key(p.finding) for p in plans)
    old_targets = Counter(_target_key(f) for f in old)
    new_targets = Counter(_target_key(f) for f in new)
    for key, count in targeted.items():
        if new_targets[key] > old_targets[key] - count:
            return f"re-analysis still reports {key[0]} ({key[1]})"
    old_codes, new_codes = Counter(f.code for f in old), Counter(f.code for f in new)
    for code, count in new_codes.items():
        if count > old_codes[code]:
            example = next(f for f in new if f.code == code)
            return f"the fixed file has a new {code} finding: {example.message}"
    try:
        fixed = Document.from_bytes(doc.path, data)
    except CannotFix as exc:
        return str(exc)
    all_edits = [e for p in plans for e in p.edits]
    for plan in plans:
        line, col = shift_position(doc, all_edits, *doc.finding_start(plan.finding))
        moved = replace(plan.finding, line=line, col=_utf8_col(fixed, line, col) + 1, end_line=line,
                        end_col=_utf8_col(fixed, line, col) + 1)
        try:
            again = FIXERS[plan.finding.code](moved, fixed)
        except CannotFix:
            again = ()
        if again:
            return "applying the fix a second time would change the file again"
    return None


def _target_key(finding: Finding) -> tuple[str, str]:
    return finding.code, finding.fix.description if finding.fix is not None else ""


def _utf8_col(doc: Document, line: int, col: int) -> int:
    if not 1 <= line <= doc.line_count:
        return col
    return len(doc.line_text(line)[:col].encode("utf-8"))


def with_edits(findings: Iterable[Finding], sources: Mapping[str, bytes]) -> list[Finding]:
    """The findings with `fix.edits` filled in where a fixer can compute them (for --diff, SARIF fixes,
    --show-fixes). Findings whose fix cannot be computed keep an empty `edits` and say why in `reason`."""
    docs = Documents(sources)
    out = []
    for finding in findings:
        fix = finding.fix
        if fix is None or fix.safety is FixSafety.NONE or fix.edits or finding.code not in FIXERS \
                or finding.path not in sources:
            out.append(finding)
            continue
        try:
            edits = FIXERS[finding.code](finding, docs.get(finding.path))
        except CannotFix as exc:
            out.append(_withhold(finding, str(exc))[0])
            continue
        out.append(replace(finding, fix=replace(fix, edits=tuple(edits))) if edits else finding)
    return out
