"""What a rule is: a small class with its metadata, its documentation and its own examples.

Modelled on Fixit and ruff: the examples embedded in a rule are run by the test suite
(tests/test_rule_examples.py) and rendered into docs/rules/, so documentation and tests cannot drift.
"""
from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, ClassVar, Hashable, Iterable, Mapping, TypeVar

from ..facts.paths import is_test_path
from ..model import Finding, Fix, FixSafety, Severity, normalize_snippet

if TYPE_CHECKING:
    from ..body import FunctionBody
    from ..config import Config
    from ..project import GraphFunction, Project
    from ..summary import FunctionInfo, ModuleSummary

T = TypeVar("T")

# Where the project lives; rule pages, SARIF's informationUri, review comments and the bot's `GET /`
# all link here. The default is pyproject's [project.urls] Homepage (tests/test_packaging.py checks they
# agree); a fork or a mirror sets HYBRIDIZE_PROJECT_URL so its comments link to its own pages.
DEFAULT_PROJECT_URL = "https://github.com/hybridize-bot/hybridize-bot"
PROJECT_URL = os.environ.get("HYBRIDIZE_PROJECT_URL", "").strip().rstrip("/") or DEFAULT_PROJECT_URL
DOCS_BASE_URL = f"{PROJECT_URL}/blob/main/docs/rules"


@dataclass(frozen=True)
class Example:
    """Source code a rule must (invalid) or must not (valid) report.

    `source` is one module's code, or a mapping of path -> code for interprocedural examples, in
    which case `path` names the file where findings are expected. `lines`, when given, are exactly
    the lines of that file the rule must report (invalid examples only).
    """

    source: str | Mapping[str, str]
    lines: tuple[int, ...] | None = None
    path: str = "example.py"
    note: str = ""
    config: Mapping[str, object] = field(default_factory=dict)  # [tool.hybridize] keys for the run

    def files(self) -> dict[str, bytes]:
        if isinstance(self.source, str):
            return {self.path: _dedent(self.source).lstrip("\n").encode()}
        return {p: _dedent(s).lstrip("\n").encode() for p, s in self.source.items()}

    def display(self) -> str:
        if isinstance(self.source, str):
            return _dedent(self.source).strip("\n")
        parts = []
        for p, s in self.source.items():
            parts.append(f"# {p}\n" + _dedent(s).strip("\n"))
        return "\n\n".join(parts)


def Valid(source: str | Mapping[str, str], **kw: object) -> Example:  # noqa: N802 (Fixit's spelling)
    return Example(source, **kw)  # type: ignore[arg-type]


def Invalid(source: str | Mapping[str, str], **kw: object) -> Example:  # noqa: N802
    return Example(source, **kw)  # type: ignore[arg-type]


class ModuleContext:
    """Everything a rule may look at for one module, and the way to report a finding."""

    def __init__(self, project: "Project", summary: "ModuleSummary", config: "Config",
                 min_tf_version: tuple[int, ...] | None = None) -> None:
        self.project = project
        self.summary = summary
        self.config = config
        self.path = summary.path
        self.source = summary.source
        self.min_tf_version = min_tf_version
        self._graph: list[GraphFunction] | None = None
        self._shared: dict[Hashable, object] = {}

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A fact of this module several rules need, computed by the first rule that asks and reused by
        the others (a rule must not re-walk what another already walked). `key` names the fact and what
        it depends on, e.g. `("local-kinds", id(body), seeds)` (rules/_local_tensors.py)."""
        try:
            return self._shared[key]  # type: ignore[return-value]
        except KeyError:
            found = self._shared[key] = compute()
            return found

    def release(self) -> None:
        """Drop the shared facts once the module is checked: some hold this context's methods (a value
        classifier keeps `qualify`), a cycle through the context, its project and every tree of the
        run that only the cyclic collector would free (analysis/project.py `Project.release`)."""
        self._shared = {}
        self._graph = None

    def graph_functions(self) -> list["GraphFunction"]:
        """Functions of this module whose body runs under tracing (roots and their callees).

        Library code that only tests trace (`tf.function(lib.minimize)` in a test file) is left out
        unless the configuration opts in (`test-roots = true`): the test chose to trace it, the library
        did not, and the issue-10 precision study found 87 of 110 call-path findings were such noise."""
        if self._graph is None:
            graph = self.project.graph_functions_in(self.summary)
            if not self.config.test_roots and not is_test_path(self.path):
                pf = self.project.facts.pf
                graph = [gf for gf in graph if not pf.test_rooted(gf.fid)]
            self._graph = graph
        return self._graph

    def body(self, fn: "FunctionInfo") -> "FunctionBody":
        return self.project.body(fn)

    def qualify(self, expr: ast.AST) -> str | None:
        return self.summary.imports.qualify(expr)

    def enclosing_symbol(self, line: int) -> str:
        best = None
        for fn in self.summary.functions:
            node = fn.node
            end = getattr(node, "end_lineno", node.lineno) or node.lineno
            if node.lineno <= line <= end and (best is None or node.lineno >= best.node.lineno):
                best = fn
        if best is not None:
            return best.qualname
        for cls in self.summary.classes.values():
            end = cls.node.end_lineno or cls.node.lineno
            if cls.node.lineno <= line <= end:
                return cls.qualname
        return "<module>"

    def report(self, rule: "Rule | type[Rule]", node: ast.AST, message: str, *,
               fn: "FunctionInfo | GraphFunction | None" = None, fix: Fix | None = None,
               severity: Severity | None = None, snippet: str | None = None) -> Finding:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", None) or line
        # ast columns are UTF-8 byte offsets; findings use characters (what editors and SARIF count).
        col = self.source.char_col(line, getattr(node, "col_offset", 0)) + 1
        end_byte = getattr(node, "end_col_offset", None)
        end_col = (self.source.char_col(end_line, end_byte) if end_byte is not None else col - 1) + 1
        call_path: tuple[str, ...] = ()
        graph_root = ""
        info = fn
        if fn is not None and hasattr(fn, "describe_path"):  # a GraphFunction (`path` would build it)
            described = fn.describe_path()  # type: ignore[union-attr]
            call_path = described if not fn.is_root else ()  # type: ignore[union-attr]
            graph_root = described[0] if described else ""
            info = fn.info  # type: ignore[union-attr]
        symbol = info.qualname if info is not None else self.enclosing_symbol(line)  # type: ignore[union-attr]
        text = snippet if snippet is not None else self.source.segment(node)
        return Finding(
            code=rule.code, name=rule.name, path=self.path, line=line, col=col, end_line=end_line,
            end_col=end_col, message=message, severity=severity or rule.severity, symbol=symbol,
            snippet=normalize_snippet(text)[:200], fix=fix, call_path=call_path, graph_root=graph_root,
        )


def via_text(gf: "GraphFunction") -> str:
    """' (called from train_step in train.py:12)' for callees; '' for the hybrid function itself."""
    if gf.is_root:
        return ""
    chain = " -> ".join(gf.qualname_path())
    root = gf.root
    return f" (reached from tf.function `{root.qualname}` in {root.module.path}:{root.line} via {chain})"


class Rule:
    """Base class. Subclasses set the metadata and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    fix_safety: ClassVar[FixSafety] = FixSafety.NONE
    summary: ClassVar[str]  # one line: why it matters (shown in review comments)
    what: ClassVar[str]
    why: ClassVar[str]
    example: ClassVar[str]
    use_instead: ClassVar[str]
    fix_doc: ClassVar[str] = "No automatic fix."
    references: ClassVar[tuple[str, ...]] = ()
    valid: ClassVar[tuple[Example, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()
    # Rules that need no source text test (e.g. run on every module) leave this empty; others list
    # substrings at least one of which must appear in the module text for the rule to run at all.
    requires_text: ClassVar[tuple[str, ...]] = ()
    # The framework whose tracing the rule is about (analysis/frameworks.py): it runs only on modules
    # that import that framework or none of them.
    framework: ClassVar[str] = "tensorflow"

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def doc_url(cls) -> str:
        return f"{DOCS_BASE_URL}/{cls.code}.md"

    @classmethod
    def doc(cls) -> str:
        """The rule's documentation page in markdown (ruff's section layout)."""
        ex = _dedent(cls.example).strip("\n")
        use = _dedent(cls.use_instead).strip("\n")
        refs = "\n".join(f"- {r}" for r in cls.references) or "- (none)"
        return (
            f"# {cls.code}: {cls.name}\n\n"
            f"Default severity: **{cls.severity.value}** · Fix: **{cls.fix_safety.value}**\n\n"
            f"## What it does\n{_para(cls.what)}\n\n"
            f"## Why is this bad?\n{_para(cls.why)}\n\n"
            f"## Example\n```python\n{ex}\n```\n\n"
            f"## Use instead\n```python\n{use}\n```\n\n"
            f"## Fix safety\n{_para(cls.fix_doc)}\n\n"
            f"## References\n{refs}\n"
        )


def _para(text: str) -> str:
    return _dedent(text).strip()


def _dedent(text: str) -> str:
    # `textwrap` imported on first use: only documentation and examples dedent, never a check run
    # (1-2 ms of a warm re-run's imports).
    import textwrap

    return textwrap.dedent(text)
