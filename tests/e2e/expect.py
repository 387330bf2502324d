"""What the reviews of the project in tests/e2e/project.py must contain, written out by hand (issue 13:
an oracle that runs the analysis under test would follow its bugs). Lines are those of `TRAIN_PR` and
`METRICS`; "new" findings sit on lines the pull request added, "pre" on lines it did not change.
Fingerprints are the values the published markers carry; a change to the fingerprint scheme must
show up here as a failing test, since existing comments on GitHub would stop being recognised.

    train.py 14  @tf.function(experimental_relax_shapes=True)   HYB010 warning, new
    train.py 16      print("step", x)                           HYB001 warning, new
    train.py 17      counter = tf.Variable(0)                   HYB004 error, new
    train.py 35      print("evaluating")                        HYB001 warning, pre-existing (not in the diff)
    metrics.py 6     print("computing accuracy")                HYB001 warning, new (a new file)

`expectation()` below is the older oracle (the analysis of the head, split by difflib's added lines); it
remains only for tests/e2e/test_review_ux.py's own scenarios.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.config import Config, load_pyproject_bytes
from hybridize_bot.analysis.model import Finding, Severity


@dataclass(frozen=True)
class Seen:
    path: str
    line: int
    col: int
    code: str
    name: str
    severity: Severity
    fingerprint: str | None = None


@dataclass(frozen=True)
class Expect:
    new: tuple[Seen, ...] | list[Finding]
    pre: tuple[Seen, ...] | list[Finding]
    conclusion: str

    @property
    def inline(self) -> list:
        """The new findings that get an inline comment: warnings and errors (info: summary only)."""
        return [f for f in self.new if f.severity.value in ("warning", "error")]

    def locations(self, findings: list, repo_url: str, sha: str) -> list[str]:
        """The summary's location links, worst first, written out independently of the renderer."""
        rank = {"error": 0, "warning": 1, "info": 2}
        ordered = sorted(findings, key=lambda f: (rank[f.severity.value], f.path, f.line, f.col, f.code))
        return [f"[{f.path}:{f.line}]({repo_url}/blob/{sha}/{f.path}#L{f.line})" for f in ordered]


W, E = Severity.WARNING, Severity.ERROR
RELAX_SHAPES = Seen("train.py", 14, 14, "HYB010", "deprecated-relax-shapes", W, "ac7e837f17f49afc8d6a")
PRINT_STEP = Seen("train.py", 16, 5, "HYB001", "print-in-graph", W, "d37ac7602cc693be5392")
VARIABLE = Seen("train.py", 17, 15, "HYB004", "variable-created-in-graph", E, "dc49a1dbe6c897db5f21")
PRINT_EVALUATING = Seen("train.py", 35, 5, "HYB001", "print-in-graph", W, "8cdcf77b51c541534b2d")
PRINT_METRICS = Seen("metrics.py", 6, 5, "HYB001", "print-in-graph", W, "747201b992b262fb7a19")

# BASE_FILES -> PR_FILES (every e2e `open_pr`): an error among the new findings, so "failure".
PR = Expect(new=(PRINT_METRICS, RELAX_SHAPES, PRINT_STEP, VARIABLE), pre=(PRINT_EVALUATING,), conclusion="failure")
# The same pull request after a push turned both new prints into tf.print.
PRINTS_FIXED = Expect(new=(RELAX_SHAPES, VARIABLE), pre=(PRINT_EVALUATING,), conclusion="failure")


def with_noisy(count: int) -> Expect:
    """PR plus `noisy.py` = project.many_prints(count): one print per line from line 6 on."""
    noisy = tuple(Seen("noisy.py", 6 + i, 5, "HYB001", "print-in-graph", W) for i in range(count))
    return Expect(new=PR.new + noisy, pre=PR.pre, conclusion="failure")


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
