"""Value types shared by the analysis, the command line and the bot: findings, fixes, severities."""
from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field


class Severity(str, enum.Enum):
    """How bad a finding is; the bot maps it to a check-run conclusion and annotation level."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class FixSafety(str, enum.Enum):
    """How much trust a fix deserves (ruff's safe/unsafe split, refined for tf.function)."""

    SAFE = "safe"  # semantics-preserving under a condition the engine checks
    GATED = "gated"  # preserving only if the analysis preconditions hold; applied on request
    SUGGESTION = "suggestion"  # shown to a person, never applied automatically
    NONE = "none"  # report only


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the source text between two (line, column) positions.

    Lines are 1-based, columns are 0-based character offsets (as in `ast`), the end is exclusive.
    """

    line: int
    col: int
    end_line: int
    end_col: int
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A proposed change for one finding. `edits` apply to the file the finding is in."""

    description: str
    safety: FixSafety
    edits: tuple[Edit, ...] = ()
    # Why the fix has the safety it has (e.g. "minimum TensorFlow 2.9 supports reduce_retracing").
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported problem.

    `line`/`col`/`end_line`/`end_col` are 1-based lines and 1-based columns, end column exclusive
    (the convention of ruff's JSON and of SARIF). `symbol` is the qualified name of the enclosing
    function or class (`Model.call`, `outer.inner`) or `<module>`. `snippet` is the offending source
    with whitespace collapsed; together with code, path and symbol it makes the fingerprint, which
    carries no line numbers so that it survives edits elsewhere in the file.
    """

    code: str
    name: str
    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    message: str
    severity: Severity
    symbol: str = "<module>"
    snippet: str = ""
    fix: Fix | None = None
    # Occurrence index among findings with the same code/path/symbol/snippet (0 for the first).
    occurrence: int = 0
    # Interprocedural evidence, e.g. ("train_step (train.py:12)", "log (utils.py:3)").
    call_path: tuple[str, ...] = ()
    # The tf.function / traced entry point the finding's function is graph code for, as
    # "qualname (path:line)"; "" when the finding is not about graph code.
    graph_root: str = ""

    @property
    def fix_safety(self) -> FixSafety:
        return self.fix.safety if self.fix is not None else FixSafety.NONE

    @property
    def fingerprint(self) -> str:
        key = "\x1f".join((self.code, self.path, self.symbol, normalize_snippet(self.snippet), str(self.occurrence)))
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)


def normalize_snippet(text: str) -> str:
    """Collapse whitespace so re-indentation or reflowing does not change a fingerprint."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Note:
    """Something the run skipped or could not do that is not a finding (a huge file, a symlink loop)."""

    path: str
    message: str


@dataclass(slots=True)
class AnalysisResult:
    """What one analysis run produced."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files_analyzed: int = 0
    lines_analyzed: int = 0

    def has_findings(self) -> bool:
        return bool(self.findings)
