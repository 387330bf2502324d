"""The seeded, stratified sample of findings to judge.

Strata are rules; within a rule, code bases take turns (round robin in name order) so that one large
code base cannot fill a rule's quota. Inside a code base, findings are ordered by a seeded hash of their
key, not by a shuffled position: a finding's rank does not depend on which other findings exist, so when
an analyzer change removes findings, the rest of the sample stays put and only the freed places are
filled (verdicts already written stay useful).
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Iterable

from bench.precision.findings import StudyFinding

SEED = 20261206
PER_RULE = 25


def rank(key: str, seed: int = SEED) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def draw_sample(findings: Iterable[StudyFinding], per_rule: int = PER_RULE, seed: int = SEED) -> list[StudyFinding]:
    """Up to `per_rule` findings of every rule (all of them if fewer), ordered by rule then draw order."""
    by_rule: dict[str, dict[str, list[StudyFinding]]] = defaultdict(lambda: defaultdict(list))
    for f in findings:
        by_rule[f.code][f.codebase].append(f)
    sample: list[StudyFinding] = []
    for code in sorted(by_rule):
        queues = [sorted(group, key=lambda f: rank(f.key, seed)) for _, group in sorted(by_rule[code].items())]
        taken = 0
        while taken < per_rule and any(queues):
            for queue in queues:
                if queue and taken < per_rule:
                    sample.append(queue.pop(0))
                    taken += 1
    return sample
