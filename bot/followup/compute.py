"""Which files a follow-up pull request changes, and how (pure: runs in a worker process).

`compute_fix_plan` applies the fix engine (`analysis.fixes.apply_fixes`) to a whole-repository
snapshot and keeps only files the source pull request changed: a follow-up for #12 fixes what #12
touched and nothing else, and never a protected path (`naming.is_protected`). Its analyses check only
those files (`analyze(..., changed=...)`, the scope of `hybridize check --diff`), and the codemods run
once per fix: the engine's applied findings carry their edits, which the commits per kind and the
pull request's before/after lines reuse.
"""
from __future__ import annotations

import difflib
import functools
import hashlib
from dataclasses import dataclass, field, replace
from typing import Any, Collection, Mapping

from ..analysis_api import (
    AnalysisCache, Finding, FixResult, FixSafety, analyze_sources, apply_fixes, suggestion_for, texts_by_code,
)
from ..pulls.review_analysis import ReviewAnalysis, reusable
from .naming import is_protected


@dataclass(frozen=True)
class FixEntry:
    """One applied fix as the pull-request body shows it."""

    code: str
    name: str
    path: str
    line: int
    description: str
    safety: str  # FixSafety value: "safe" or "gated"
    reason: str  # the precondition the engine checked, e.g. "minimum TensorFlow 2.16 has ..."
    before: str
    after: str
    fingerprint: str = ""  # the finding's, so the review's comment and summary row can name the follow-up
    symbol: str = ""  # the function the fix is in (or is about)


@dataclass(frozen=True)
class Withheld:
    code: str
    path: str
    line: int
    why: str


@dataclass(frozen=True)
class FixStep:
    """One commit of a follow-up: the fixes of one rule code (one refactoring kind), applied on top of the
    steps before it. `changed` holds the full new contents of the files this step changes."""

    code: str
    safety: str  # "safe" or "gated"
    changed: Mapping[str, bytes]
    entries: tuple[FixEntry, ...]


@dataclass(frozen=True)
class FixPlan:
    """The follow-up commit's content: `changed` maps path -> new bytes; `before` the old bytes."""

    changed: Mapping[str, bytes] = field(default_factory=dict)
    before: Mapping[str, bytes] = field(default_factory=dict)
    entries: tuple[FixEntry, ...] = ()
    withheld: tuple[Withheld, ...] = ()
    protected_skipped: tuple[str, ...] = ()  # fixed files we refused to write (workflows)
    # One commit per refactoring kind, safe kinds first (issue 15: a maintainer can drop one); empty
    # when the plan was not staged (one commit with everything in `changed`).
    steps: tuple[FixStep, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changed

    @property
    def key(self) -> str:
        """Identity of the change set: equal keys mean the follow-up commit would change the same files
        from the same contents to the same contents (so there is nothing to update)."""
        return fixes_key(self.before, self.changed)

    @property
    def codes(self) -> list[str]:
        return sorted({e.code for e in self.entries})


def fixes_key(before: Mapping[str, bytes], after: Mapping[str, bytes]) -> str:
    """sha256 over (path, sha1(before), sha1(after)) of every changed file, in path order; "" when none."""
    if not after:
        return ""
    digest = hashlib.sha256()
    for path in sorted(after):
        old = hashlib.sha1(before.get(path, b"")).hexdigest()
        new = hashlib.sha1(after[path]).hexdigest()
        digest.update(f"{path}\0{old}\0{new}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def safeties_for(level: str, *, include_gated: bool) -> frozenset[str]:
    """Fix safeties to apply for an `autofix` level ("off" | "safe" | "gated") and a request."""
    if level == "off" and not include_gated:
        return frozenset()
    if level == "gated" or include_gated:
        return frozenset({FixSafety.SAFE.value, FixSafety.GATED.value})
    return frozenset({FixSafety.SAFE.value})


def compute_fix_plan(sources: dict[str, bytes], config: Any, safeties: Collection[str],
                     paths: Collection[str], cache_dir: str | None = None,
                     review: ReviewAnalysis | None = None) -> FixPlan:
    """Top-level and picklable: run with `ctx.run_in_process`. `paths`: files the source PR changed.

    `review`: the job's review analysis (bot/pulls/review_analysis.py): the fix engine's first analysis
    when it was made from these sources, this configuration and these files, so that it neither runs
    again nor waits for the review's cache writer. `cache_dir`: the analysis cache the review job
    filled for the same sources, for the analyses that remain (and the first one otherwise).
    """
    if not safeties:
        return FixPlan()
    wanted = set(paths)
    cache = AnalysisCache(cache_dir) if cache_dir else None
    wanted_safeties = {FixSafety(s) for s in safeties}
    # Only the pull request's files are checked (as `hybridize check --diff` does): the others are
    # loaded for the facts those files need, and `only` keeps them from changing.
    analyze = functools.partial(analyze_sources, cache=cache, changed=wanted)
    result = apply_fixes(sources, safeties=wanted_safeties, config=config, only=wanted, analyze=analyze,
                         before=reusable(review, sources, config, wanted))
    kinds = _kinds(result.applied, wanted)
    if len(kinds) <= 1:
        return _plan(sources, result.changed, result.applied, result.withheld, wanted)
    return _staged(sources, config, wanted_safeties, wanted, kinds, result, cache)


def _staged(sources: Mapping[str, bytes], config: Any, safeties: set[FixSafety], wanted: set[str],
            kinds: list[tuple[str, str]], result: FixResult, cache: AnalysisCache | None) -> FixPlan:
    """Several kinds: one commit per kind, each on the previous kind's output, so that every kind can be
    dropped (`git revert`) without touching the others.

    Each commit's files come from the edits the fix engine already applied and verified
    (`texts_by_code`): no codemod and no analysis runs again. Only a file where a prefix of the kinds'
    edits does not parse is fixed again one kind at a time, with the analysis scoped to such files.
    """
    texts, redo = texts_by_code(sources, result, [code for code, _safety in kinds])
    analyze_redo = functools.partial(analyze_sources, cache=cache, changed=redo)
    withheld = [(f, why) for f, why in result.withheld if f.path not in redo]
    state = dict(sources)
    applied: list[tuple[Finding, FixEntry]] = []
    steps: list[FixStep] = []
    for code, safety in kinds:
        changed = dict(texts.get(code, {}))
        # (finding, the text its fix's edits are positions in)
        mine = [(f, sources.get(f.path, b"")) for f in result.applied if f.code == code and f.path not in redo]
        if redo:
            staged = apply_fixes(state, safeties=safeties, config=config, select=[code], only=redo,
                                 analyze=analyze_redo)
            withheld += [(f, why) for f, why in staged.withheld if f.code == code]
            mine += [(f, state.get(f.path, b"")) for f in staged.applied if f.code == code]
            changed.update(staged.changed)
        changed = {p: d for p, d in sorted(changed.items()) if p in wanted and not is_protected(p)}
        entries = [(f, _entry(f, old, changed[f.path])) for f, old in sorted(mine, key=lambda m: m[0].sort_key())
                   if f.path in changed]
        if not changed:
            continue
        steps.append(FixStep(code, safety, changed, tuple(e for _f, e in entries)))
        applied += entries
        state.update(changed)
    final = {p: d for p, d in state.items() if d != sources.get(p)}
    final.update({p: d for p, d in result.changed.items() if is_protected(p)})  # named as skipped
    plan = _plan(sources, final, (), withheld, wanted)
    entries = tuple(e for _f, e in sorted(applied, key=lambda item: item[0].sort_key()))
    return replace(plan, entries=entries, steps=tuple(steps) if len(steps) > 1 else ())


# Safe kinds first, then gated ones, each in code order: the commits a reviewer is most likely to keep
# come first, and the refactorings that need trust sit on top where reverting them is simplest.
_ORDER = {FixSafety.SAFE.value: 0, FixSafety.GATED.value: 1}


def _kinds(applied: Collection[Finding], wanted: Collection[str]) -> list[tuple[str, str]]:
    """(code, safety) of each rule code with an applied fix; a code with gated and safe fixes counts as gated."""
    kinds: dict[str, str] = {}
    for f in applied:
        if f.path in wanted and _ORDER.get(f.fix_safety.value, 2) >= _ORDER.get(kinds.get(f.code, ""), -1):
            kinds[f.code] = f.fix_safety.value
    return sorted(kinds.items(), key=lambda k: (_ORDER.get(k[1], 2), k[0]))


def _plan(sources: Mapping[str, bytes], fixed: Mapping[str, bytes], applied: Collection[Finding],
          withheld_: Collection[tuple[Finding, str]], wanted: Collection[str]) -> FixPlan:
    changed: dict[str, bytes] = {}
    protected: list[str] = []
    for path, data in sorted(fixed.items()):
        if path not in wanted or data == sources.get(path):
            continue
        if is_protected(path):
            protected.append(path)
            continue
        changed[path] = data
    before = {p: sources.get(p, b"") for p in changed}
    entries = tuple(_entry(f, before[f.path], changed[f.path]) for f in sorted(applied, key=Finding.sort_key)
                    if f.path in changed)
    withheld = tuple(Withheld(f.code, f.path, f.line, str(why))
                     for f, why in sorted(withheld_, key=lambda item: item[0].sort_key())
                     if f.path in wanted)
    return FixPlan(changed, before, entries, withheld, tuple(protected))


def _entry(finding: Finding, old: bytes, new: bytes) -> FixEntry:
    before, after = _before_after(finding, old, new)
    fix = finding.fix
    return FixEntry(finding.code, finding.name, finding.path, finding.line,
                    fix.description if fix else "", finding.fix_safety.value, fix.reason if fix else "",
                    before, after, finding.fingerprint, finding.symbol)


def _before_after(finding: Finding, old: bytes, new: bytes) -> tuple[str, str]:
    """The fix's own lines before and after: from `suggestion_for` when the engine offers it, else the
    hunk of the file's diff nearest to the finding."""
    old_lines = old.decode("utf-8", "replace").splitlines()
    try:
        rep = suggestion_for(finding, old)
    except Exception:  # an optional refinement: the diff hunk below is always available
        rep = None
    if rep is not None and 1 <= rep.first_line <= rep.last_line <= len(old_lines):
        return "\n".join(old_lines[rep.first_line - 1:rep.last_line]), rep.text
    return diff_hunk_near(old_lines, new.decode("utf-8", "replace").splitlines(), finding.line)


def diff_hunk_near(old_lines: list[str], new_lines: list[str], line: int) -> tuple[str, str]:
    """(old text, new text) of the changed block of a line diff closest to 1-based `line`."""
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    blocks = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not blocks:
        return "", ""

    def distance(op: tuple[str, int, int, int, int]) -> int:
        _tag, i1, i2, _j1, _j2 = op
        first, last = i1 + 1, max(i1 + 1, i2)
        return 0 if first <= line <= last else min(abs(line - first), abs(line - last))

    _tag, i1, i2, j1, j2 = min(blocks, key=distance)
    return "\n".join(old_lines[i1:i2]), "\n".join(new_lines[j1:j2])
