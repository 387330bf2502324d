"""A shortcut for a run in which no module's bytes changed since the project snapshot was taken: every
module's findings come from the cache, keyed by the snapshot's signatures, and neither module facts nor
the whole-repository facts (the snapshot's body, 20 times its head) are read."""
from __future__ import annotations

from typing import TYPE_CHECKING, Collection

from ..config import Config
from ..model import AnalysisResult
from .findings import findings_key, settings_digest
from .modules import tally
from .sources import Prepared

if TYPE_CHECKING:
    from ..cache import AnalysisCache


def unchanged_result(prepared: Prepared, config: Config, min_tf: tuple[int, ...] | None,
                     cache: "AnalysisCache", checked: Collection[str] | None = None) -> AnalysisResult | None:
    """The run's result (findings not yet sorted: `finish`), or None when a module changed or one of
    the findings of the modules to check (`checked`; None: all) is not in the cache (the caller then
    runs the pipeline)."""
    snapshot = prepared.snapshot
    if snapshot is None or snapshot.entries.keys() != prepared.hashes.keys():
        return None
    if any(snapshot.entries[path][0] != digest for path, digest in prepared.hashes.items()):
        return None
    result = AnalysisResult(notes=list(prepared.result.notes))
    paths, _digests = tally(result, config, snapshot.entries)
    settings = settings_digest(config, min_tf)
    counted = (cache.stats.findings_hits, cache.stats.findings_misses)
    for path in paths:
        if checked is not None and path not in checked:
            continue
        found = cache.get_findings(findings_key(path, prepared.hashes[path], snapshot.signatures.get(path, ""), settings))
        if found is None:
            # The pipeline reads these again: count them once.
            cache.stats.findings_hits, cache.stats.findings_misses = counted
            return None
        result.findings.extend(found)
    cache.stats.snapshot_hits += 1
    return result
