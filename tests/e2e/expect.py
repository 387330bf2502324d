"""An independent oracle for what a review should contain, so tests follow the analysis as rules are
added: the analysis of the head commit, split by added lines that difflib (not the bot's patch parser)
computes between the merge base and the head."""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.config import Config, load_pyproject_bytes
from hybridize_bot.analysis.model import Finding


@dataclass
class Expect:
    new: list[Finding]
    pre: list[Finding]
    conclusion: str

    @property
    def inline(self) -> list[Finding]:
        """The new findings that get an inline comment: warnings and errors (info: summary only)."""
        return [f for f in self.new if f.severity.value in ("warning", "error")]

    def locations(self, findings: list[Finding], repo_url: str, sha: str) -> list[str]:
        """The summary's location links, worst first, written out independently of the renderer."""
        rank = {"error": 0, "warning": 1, "info": 2}
        ordered = sorted(findings, key=lambda f: (rank[f.severity.value], f.path, f.line, f.col, f.code))
        return [f"[{f.path}:{f.line}]({repo_url}/blob/{sha}/{f.path}#L{f.line})" for f in ordered]


def files_at(fake, sha: str) -> dict[str, bytes]:
    return {p: fake.store.blobs[blob] for p, (_mode, blob) in fake.store.files_at(sha).items()}


def expectation(fake, pr, config: Config | None = None) -> Expect:
    base = files_at(fake, fake.store.merge_base(pr.base_sha, pr.head_sha))
    head = files_at(fake, pr.head_sha)
    if config is None:
        config = load_pyproject_bytes(files_at(fake, pr.base_sha).get("pyproject.toml"))
    findings = analyze_sources(head, config).findings
    added: dict[str, set[int]] = {}
    for path, data in head.items():
        if base.get(path) == data:
            continue
        old = (base.get(path) or b"").decode(errors="replace").splitlines()
        matcher = difflib.SequenceMatcher(None, old, data.decode(errors="replace").splitlines(), autojunk=False)
        added[path] = {j + 1 for tag, _a, _b, j1, j2 in matcher.get_opcodes() if tag in ("insert", "replace")
                       for j in range(j1, j2)}
    new = [f for f in findings if f.path in added and added[f.path] & set(range(f.line, max(f.line, f.end_line) + 1))]
    pre = [f for f in findings if f.path in added and f not in new]
    worst = max((f.severity.rank for f in new), default=0)
    conclusion = {3: "failure", 2: "neutral"}.get(worst, "success")
    return Expect(new, pre, conclusion)
