"""Speculative name hints: Hybridize's keyword analysis as one table (ASE 2025, arXiv 2504.05424).

When static analysis cannot decide whether a parameter takes a tensor, Hybridize assumes it does for a
function named like `.*(train|test).*_step|call|__call__|run_model|.*inference` (for `call`/`__call__` the
class must inherit from a class named `Model`) and reports the assumption as SPECULATIVE_ANALYSIS. We do
the same from this table. A fact resting on it is marked speculative: `hybridize facts` shows it, and a
refactoring that needs it is a suggestion, never a gated fix.

Where we differ from Hybridize (said in HYB021's docs): only the first parameter after `self` is assumed
to be a tensor (Hybridize decides "has a tensor parameter" for the function as a whole); for Keras
methods a Layer subclass counts too, and Keras's own `call`/`train_step` convention applies even when the
call sites seen pass non-tensors (Keras calls these with tensors during fit/predict).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .project_facts import ProjectFacts


@dataclass(frozen=True, slots=True)
class NameHint:
    """Functions whose full name matches `pattern` are assumed to take a tensor as first parameter."""

    pattern: re.Pattern[str]
    code: str  # the reason code of the speculative fact (parameter_lattices.REASONS)
    model_class: bool  # the enclosing class must be a Keras class or inherit from a class named `Model`
    overrides_sites: bool  # applies when call sites say "not a tensor" too, not only when nothing decides


NAME_HINTS: tuple[NameHint, ...] = (
    # Keras calls these with tensors during fit/evaluate/predict, whatever the call sites we see pass.
    NameHint(re.compile(r"call|train_step|test_step|predict_step"), "keras-speculative",
             model_class=True, overrides_sites=True),
    NameHint(re.compile(r"__call__"), "name-speculative", model_class=True, overrides_sites=False),
    NameHint(re.compile(r".*(train|test).*_step|run_model|.*inference"), "name-speculative",
             model_class=False, overrides_sites=False),
)

# The reason codes of speculative facts (a fact with one of them is shown and gated as speculative).
SPECULATIVE_CODES = frozenset(h.code for h in NAME_HINTS)


def _model_class(pf: "ProjectFacts", fid: int) -> bool:
    key = pf.class_of(fid)
    if key is None:
        return False
    if pf.is_keras(key):
        return True
    # Hybridize's condition: a direct base class named `Model`, wherever it comes from.
    return any((base if isinstance(base, str) else base[1]).rsplit(".", 1)[-1] == "Model"
               for base in pf.class_bases(key))


def name_hint(pf: "ProjectFacts", fid: int) -> NameHint | None:
    """The hint that applies to a method or function (None: its name speculates nothing)."""
    rec = pf.fns[fid]
    if rec["par"] is not None:
        return None  # a nested function is a helper, not the step or model entry point the names mean
    for hint in NAME_HINTS:
        if hint.pattern.fullmatch(rec["n"]) and (not hint.model_class or _model_class(pf, fid)):
            return hint
    return None
