"""Stage 2: parse each module, summarize it and extract its facts (or take the facts from the cache)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from ..budget import BudgetExceeded, file_seconds, time_budget
from ..cache import digest
from ..facts.extract import FACTS_VERSION, extract_module
from ..config import Config
from ..model import AnalysisResult, Finding
from ..source import ParseFailure, parse
from ..summary import ModuleSummary, build_summary

if TYPE_CHECKING:
    from ..cache import AnalysisCache

PARSE_FAILURE_CODE = "HYB000"
TOO_DEEP = "the file nests code too deeply to analyze"


def too_slow(seconds: float) -> str:
    return f"analyzing the file took longer than its time budget ({seconds:g} s)"


def facts_key(content: str, module: str, is_package: bool) -> str:
    """The facts cache key of a module (its bytes' hash, its name, the facts version)."""
    return digest("facts", FACTS_VERSION, content, module, is_package)


def interface_digest(facts: dict) -> str:
    """The module's interface for its neighbours' cache keys: its facts without its line count, so
    appending a comment to a file does not invalidate every module that imports it."""
    return digest(tuple((k, v) for k, v in facts.items() if k != "lines"))


def guarded_facts(summary: ModuleSummary) -> dict:
    """The module's facts, or a failure record (reported as HYB000) when extracting them recurses too
    deep or takes longer than the per-file budget: one hostile file must not fail the whole run."""
    try:
        with time_budget(file_seconds(), "file") as budget:
            return extract_module(summary)
    except RecursionError:
        return {"failure": (TOO_DEEP, 1, 1)}
    except BudgetExceeded as exc:
        if budget is None or exc.budget is not budget:
            raise  # the job's budget: the whole job fails
        return {"failure": (too_slow(budget.seconds), 1, 1)}


def parse_failure(path: str, failure: ParseFailure) -> Finding:
    from ..rules.analysis_failure import CouldNotAnalyze

    return Finding(
        code=PARSE_FAILURE_CODE, name=CouldNotAnalyze.name, path=path, line=failure.line, col=failure.col,
        end_line=failure.line, end_col=failure.col + 1, message=f"could not analyze: {failure.reason}",
        severity=CouldNotAnalyze.severity, snippet=failure.reason,
    )


def report_failure(result: AnalysisResult, config: Config, path: str, failure: tuple) -> None:
    """Add the HYB000 finding of a module that could not be analyzed (failure: reason, line, col)."""
    if config.is_enabled(PARSE_FAILURE_CODE, path):
        reason, line, col = failure
        result.findings.append(parse_failure(path, ParseFailure(reason, line, col)))


def tally(result: AnalysisResult, config: Config, entries: dict[str, tuple]) -> tuple[list[str], dict[str, str]]:
    """Count the modules of a run in `result` (HYB000 for those that failed) from their snapshot
    entries (`ModuleLoader.entry`); returns the analyzable paths, sorted, and their interface digests."""
    paths: list[str] = []
    digests: dict[str, str] = {}
    for path, (_hash, iface, lines, failure) in sorted(entries.items()):
        if failure is not None:
            report_failure(result, config, path, failure)
            continue
        paths.append(path)
        digests[path] = iface or ""
        result.files_analyzed += 1
        result.lines_analyzed += lines
    return paths, digests


class ModuleLoader:
    """Gets a module's facts from the cache or by parsing it, and keeps the trees it had to build."""

    def __init__(self, python: Mapping[str, bytes], names: dict[str, tuple[str, bool]],
                 cache: "AnalysisCache | None", hashes: dict[str, str]) -> None:
        self.python = python
        self.names = names
        self.cache = cache
        self.hashes = hashes
        self.summaries: list[ModuleSummary] = []

    def facts(self, path: str) -> dict:
        """The module's facts, or {"failure": (reason, line, col)} when it cannot be parsed."""
        module, is_package = self.names[path]
        key = None
        if self.cache is not None:
            key = facts_key(self.hashes[path], module, is_package)
            found = self.cache.get_facts(key)
            if found is not None:
                if found.get("path") != path and "failure" not in found:
                    found = dict(found, path=path)  # the same bytes under another name (a copied file)
                return found
        parsed = self._parse(path)
        if isinstance(parsed, ParseFailure):
            facts: dict = {"failure": (parsed.reason, parsed.line, parsed.col)}
        else:
            summary = build_summary(parsed, module, is_package)
            facts = guarded_facts(summary)
            if "failure" not in facts:
                self.summaries.append(summary)
        if self.cache is not None and key is not None:
            self.cache.put_facts(key, facts)
        return facts

    def summary(self, path: str) -> ModuleSummary | None:
        """Parse and summarize a module on demand (the Project's loader); None if it cannot be parsed."""
        parsed = self._parse(path)
        if isinstance(parsed, ParseFailure):
            return None
        return build_summary(parsed, *self.names[path])

    def _parse(self, path: str):  # noqa: ANN202
        parsed = parse(path, self.python[path])
        if self.cache is not None:  # counted: tests assert that warm runs parse only what changed
            self.cache.stats.parsed += 1
            self.cache.stats.parsed_paths.append(path)
        return parsed

    def entry(self, path: str, facts: dict) -> tuple:
        """The snapshot's record of the module: (content hash, interface digest, lines, failure)."""
        if "failure" in facts:
            return (self.hashes.get(path), None, 0, facts["failure"])
        return (self.hashes.get(path), interface_digest(facts) if self.cache is not None else "", facts["lines"], None)
