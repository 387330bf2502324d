"""Which files a follow-up pull request changes, and how (pure: runs in a worker process).

`compute_fix_plan` applies the fix engine (`analysis.fixes.apply_fixes`) to a whole-repository
snapshot and keeps only files the source pull request changed: a follow-up for #12 fixes what #12
touched and nothing else, and never a protected path (`naming.is_protected`).
"""
from __future__ import annotations

import difflib
import functools
import hashlib
from dataclasses import dataclass, field, replace
from typing import Any, Collection, Mapping

from ..analysis_api import AnalysisCache, Finding, FixSafety, analyze_sources, apply_fixes, suggestion_for
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
                     paths: Collection[str], cache_dir: str | None = None) -> FixPlan:
    """Top-level and picklable: run with `ctx.run_in_process`. `paths`: files the source PR changed.

    `cache_dir`: the analysis cache the review job filled for the same sources, so the fix engine's
    first analysis is read from it rather than computed again.
    """
    if not safeties:
        return FixPlan()
    wanted = set(paths)
    cache = AnalysisCache(cache_dir) if cache_dir else None
    # Scoped like the review (the same `changed`, so its first analysis is the review's, from the
    # cache): only the files the fixes may change are checked; what their facts need is loaded.
    analyze = functools.partial(analyze_sources, cache=cache, changed=wanted)
    wanted_safeties = {FixSafety(s) for s in safeties}
    # `only`: the other files are analyzed for context but never changed.
    result = apply_fixes(sources, safeties=wanted_safeties, config=config, only=wanted, analyze=analyze)
    kinds = _kinds(result.applied, wanted)
    if len(kinds) <= 1:
        return _plan(sources, result.changed, result.applied, result.withheld, wanted)
    # Several kinds: apply them again one kind at a time, each on the previous kind's output, so that
    # every kind is one commit that can be dropped (`git revert`) without touching the others.
    state = dict(sources)
    applied: list[Finding] = []
    stepped = {code for code, _safety in kinds}
    withheld = [(f, why) for f, why in result.withheld if f.code not in stepped]
    steps: list[tuple[str, str, dict[str, bytes], list[Finding]]] = []
    for code, safety in kinds:
        staged = apply_fixes(state, safeties=wanted_safeties, config=config, select=[code], only=wanted,
                             analyze=analyze)
        withheld += [(f, why) for f, why in staged.withheld if f.code == code]
        mine = [f for f in staged.applied if f.code == code]
        if not mine:
            continue
        step_changed = {p: d for p, d in staged.changed.items() if p in wanted and not is_protected(p)}
        if not step_changed:
            continue
        steps.append((code, safety, step_changed, mine))
        applied += mine
        state.update(staged.changed)
    final = {p: d for p, d in state.items() if d != sources.get(p)}
    plan = _plan(sources, final, applied, withheld, wanted)
    if len(steps) <= 1:
        return plan
    return replace(plan, steps=tuple(
        FixStep(code, safety, changed, tuple(_entry(f, _before_step(sources, steps, i, f.path), changed[f.path])
                                             for f in sorted(mine, key=Finding.sort_key) if f.path in changed))
        for i, (code, safety, changed, mine) in enumerate(steps)))


def _before_step(sources: Mapping[str, bytes], steps: list[tuple[str, str, dict[str, bytes], list[Finding]]],
                index: int, path: str) -> bytes:
    """A file's contents before step `index` (after the steps before it)."""
    data = sources.get(path, b"")
    for _code, _safety, changed, _mine in steps[:index]:
        data = changed.get(path, data)
    return data


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
