"""Tally the judged sample (per rule, per severity, overall) and render it as text and Markdown."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

from bench.precision.findings import StudyFinding
from bench.precision.verdicts import Verdict


@dataclass
class Tally:
    findings: int = 0
    sampled: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # verdict -> judged sampled findings

    @property
    def judged(self) -> int:
        return sum(self.counts.values())

    @property
    def precision(self) -> float | None:
        """true / judged: a debatable finding does not count as right."""
        return self.counts["true"] / self.judged if self.judged else None

    @property
    def lower_bound(self) -> float | None:
        """The 95% Wilson score lower bound of the precision (small samples are uncertain)."""
        n = self.judged
        if not n:
            return None
        p, z = self.counts["true"] / n, 1.96
        centre = p + z * z / (2 * n)
        margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        return max(0.0, (centre - margin) / (1 + z * z / n))


@dataclass
class Study:
    findings: list[StudyFinding]
    sample: list[StudyFinding]
    verdicts: dict[str, Verdict]
    # The code bases this run analyzed; a verdict of another code base says nothing about this run's recall.
    # None: every verdict's code base counts as analyzed.
    codebases: frozenset[str] | None = None

    def _tally(self, keep) -> Tally:  # noqa: ANN001 - a predicate on StudyFinding
        t = Tally(findings=sum(1 for f in self.findings if keep(f)))
        for f in self.sample:
            if keep(f):
                t.sampled += 1
                if f.key in self.verdicts:
                    t.counts[self.verdicts[f.key].verdict] += 1
        return t

    def by_rule(self) -> dict[str, Tally]:
        return {code: self._tally(lambda f, c=code: f.code == c) for code in sorted({f.code for f in self.findings})}

    def by_severity(self) -> dict[str, Tally]:
        rows = {sev: self._tally(lambda f, s=sev: f.severity == s) for sev in ("error", "warning", "info")}
        rows["error+warning"] = self._tally(lambda f: f.severity in ("error", "warning"))
        rows["all"] = self._tally(lambda f: True)
        return rows

    def by_codebase(self) -> dict[str, Tally]:
        return {cb: self._tally(lambda f, c=cb: f.codebase == c) for cb in sorted({f.codebase for f in self.findings})}

    def severity_of(self, code: str) -> str:
        return "/".join(sorted({f.severity for f in self.findings if f.code == code}))

    def unjudged(self) -> list[StudyFinding]:
        return [f for f in self.sample if f.key not in self.verdicts]

    def regressions(self) -> list[StudyFinding]:
        """Findings judged false, later no longer reported (fixed), and reported again."""
        return [f for f in self.findings if f.key in self.verdicts
                and self.verdicts[f.key].verdict == "false" and self.verdicts[f.key].fixed]

    def recall_losses(self) -> list[Verdict]:
        """Findings judged true that this analyzer no longer reports: a rule change quieted a real hazard
        (a recall regression; the TF study's eight HYB205 rows of issue 11 went unnoticed this way)."""
        reported = {f.key for f in self.findings}
        return sorted((v for v in self.verdicts.values() if v.verdict == "true" and v.key not in reported
                       and (self.codebases is None or v.codebase in self.codebases)),
                      key=lambda v: (v.rule, v.codebase, v.path, v.line))

    def open_false_alarms(self) -> list[StudyFinding]:
        return [f for f in self.findings if f.key in self.verdicts
                and self.verdicts[f.key].verdict == "false" and not self.verdicts[f.key].fixed]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _row(name: str, extra: Iterable[str], t: Tally) -> str:
    cells = [name, *extra, str(t.findings), str(t.sampled), str(t.judged), str(t.counts["true"]),
             str(t.counts["debatable"]), str(t.counts["false"]), _pct(t.precision), _pct(t.lower_bound)]
    return "| " + " | ".join(cells) + " |"


_HEAD = "findings | sampled | judged | true | debatable | false | precision | 95% lower bound"


def _header(*first: str) -> list[str]:
    names = [*first, *_HEAD.split(" | ")]
    return ["| " + " | ".join(names) + " |", "|" + " --- |" * len(names)]


POLICY_PRECISION = 0.9


def policy(severity: str, t: Tally) -> str:
    if severity == "info":
        return ""
    if t.precision is None:
        return "not judged"
    return "keep" if t.precision >= POLICY_PRECISION else "make info"


def markdown_tables(study: Study) -> str:
    out = ["### By severity", "", *_header("severity")]
    out += [_row(sev, (), t) for sev, t in study.by_severity().items()]
    out += ["", "### By rule", "",
            "Policy (issue 10): warning/error only for rules right >= 90% of the time on the sample; the last",
            "column says what the policy asks of each rule that is warning/error now.", "",
            *_header("rule", "severity")]
    out[-2] = out[-2] + " policy |"
    out[-1] = out[-1] + " --- |"
    out += [_row(code, (study.severity_of(code),), t) + f" {policy(study.severity_of(code), t)} |"
            for code, t in study.by_rule().items()]
    out += ["", "### By code base", "", *_header("code base")]
    out += [_row(cb, (), t) for cb, t in study.by_codebase().items()]
    return "\n".join(out)


def verdict_table(study: Study) -> str:
    """Every judged finding of the table, whichever analyzer reported it, and how many are still reported."""
    reported = {f.key for f in study.findings}
    rules = sorted({v.rule for v in study.verdicts.values()})
    lost = {v.key for v in study.recall_losses()}
    out = ["| rule | judged | true | debatable | false | false, no longer reported | true, no longer reported "
           "| still reported |", "|" + " --- |" * 8]
    for rule in [*rules, "all"]:
        rows = [v for v in study.verdicts.values() if rule in ("all", v.rule)]
        count = Counter(v.verdict for v in rows)
        gone = sum(1 for v in rows if v.verdict == "false" and v.key not in reported)
        missing = sum(1 for v in rows if v.key in lost)
        still = sum(1 for v in rows if v.key in reported)
        out.append(f"| {rule} | {len(rows)} | {count['true']} | {count['debatable']} | {count['false']} | {gone} "
                   f"| {missing} | {still} |")
    return "\n".join(out)


def problems(study: Study) -> list[str]:
    lines = []
    for f in study.regressions():
        lines.append(f"REGRESSION (judged false, was fixed, reported again): {f.key} line {f.line}: "
                     f"{study.verdicts[f.key].reason}")
    for f in study.unjudged():
        lines.append(f"unjudged: {f.key} {f.severity} {f.codebase}/{f.path}:{f.line} [{f.symbol}] {f.message}")
    return lines


def recall_warnings(study: Study) -> list[str]:
    """One line per finding judged true that is no longer reported (`--strict` prints them, `--strict-recall`
    fails on them): whether a rule change was right to quiet it is a judgement to make, not a silence."""
    return [f"RECALL LOSS (judged true, no longer reported): {v.key} {v.codebase}/{v.path}:{v.line}: {v.reason}"
            for v in study.recall_losses()]
