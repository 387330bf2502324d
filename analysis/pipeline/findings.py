"""Stage 5: the run's findings: their cache keys, their order and their occurrence numbers."""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from ..cache import analyzer_version, digest
from ..config import Config
from ..model import AnalysisResult, Finding, Note

if TYPE_CHECKING:
    from ..cache import AnalysisCache
    from .load import LoadedProject


def findings_keys(loaded: "LoadedProject", config: Config, min_tf: tuple[int, ...] | None,
                  cache: "AnalysisCache | None") -> dict[str, str]:
    """Per module: the findings cache key (content hash, context signature, settings)."""
    if cache is None:
        return {}
    from ..facts.signature import module_signatures

    signatures = loaded.signatures
    if signatures is None:
        signatures = module_signatures(loaded.project.facts)
    settings = settings_digest(config, min_tf)
    return {path: findings_key(path, loaded.hashes[path], signatures.get(path, ""), settings) for path in loaded.paths}


def settings_digest(config: Config, min_tf: tuple[int, ...] | None) -> str:
    return digest(repr(config), repr(min_tf), analyzer_version())


def findings_key(path: str, content: str, signature: str, settings: str) -> str:
    """A module's findings cache key: its path (its findings name it: two copies of a file whose
    signatures are alike, such as empty package `__init__` files, must not share an entry), its
    bytes, its context signature, the run's settings."""
    return digest("findings", path, content, signature, settings)


def finish(result: AnalysisResult, cache: "AnalysisCache | None") -> AnalysisResult:
    result.findings = number_occurrences(sorted(result.findings, key=Finding.sort_key))
    if cache is not None and cache.problem is not None:
        result.notes.append(Note(".", f"the analysis cache was skipped: {cache.problem}"))
    return result


def number_occurrences(findings: list[Finding]) -> list[Finding]:
    """Give identical findings in one function distinct fingerprints (first, second, ...)."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    out = []
    for f in findings:
        key = (f.code, f.path, f.symbol, f.snippet)
        n = seen[key]
        seen[key] += 1
        out.append(replace(f, occurrence=n) if n else f)
    return out
