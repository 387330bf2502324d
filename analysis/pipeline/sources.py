"""Stage 1: the sources a run analyzes: Python files not excluded, small enough, with module names."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from ..cache import content_hash
from ..config import Config
from ..model import AnalysisResult, Note
from ..summary import module_name_for
from .snapshot import Snapshot, find_snapshot

if TYPE_CHECKING:
    from ..cache import AnalysisCache


def module_names(python: Mapping[str, bytes], config: Config, result: AnalysisResult) -> dict[str, tuple[str, bool]]:
    """path -> (dotted module name, is a package) for every file small enough to analyze."""
    package_dirs = frozenset(posixpath.dirname(p) for p in python if posixpath.basename(p) == "__init__.py")
    names: dict[str, tuple[str, bool]] = {}
    for path in sorted(python):
        if len(python[path]) > config.max_file_bytes:
            result.notes.append(Note(path, f"skipped: {len(python[path])} bytes is above max-file-size "
                                           f"({config.max_file_bytes})"))
            continue
        names[path] = module_name_for(path, package_dirs)
    return names


def python_sources(sources: Mapping[str, bytes], config: Config) -> dict[str, bytes]:
    return {p: d for p, d in sources.items() if p.endswith(".py") and not config.is_excluded(p)}


@dataclass
class Prepared:
    """What a run learns before loading any module: the files, their names and, with a cache, their
    content hashes and the project snapshot. The run looks at it to choose between a warm run in this
    process and a cold run in worker processes, then hands it to `load_project` (nothing is redone)."""

    result: AnalysisResult
    python: dict[str, bytes]  # analyzable Python files (exclusions applied)
    names: dict[str, tuple[str, bool]]  # path -> (module name, is a package), files small enough only
    hashes: dict[str, str]  # path -> content hash (only with a cache)
    snapshot: Snapshot | None

    def known_share(self) -> float:
        """The share of modules whose bytes the snapshot already knows (0 without a snapshot)."""
        if self.snapshot is None or not self.names:
            return 0.0
        entries = self.snapshot.entries
        known = sum(1 for path, h in self.hashes.items() if (entries.get(path) or (None,))[0] == h)
        return known / len(self.names)


def listed_sources(sources: Mapping[str, bytes], config: Config) -> Prepared:
    """The files of `sources` a run analyzes and their module names, before any cache is consulted."""
    result = AnalysisResult()
    python = python_sources(sources, config)
    return Prepared(result, python, module_names(python, config, result), {}, None)


def prepare(sources: Mapping[str, bytes], config: Config, cache: "AnalysisCache | None", *,
            snapshots: bool = True, listed: Prepared | None = None) -> Prepared:
    """`listed` (`listed_sources` of these same sources and config), when the caller has it already:
    the files and names are then not derived again."""
    found = listed if listed is not None else listed_sources(sources, config)
    if cache is None:
        return found
    hashes = {path: content_hash(found.python[path]) for path in found.names}
    snapshot = find_snapshot(cache, found.names) if snapshots else None
    return Prepared(found.result, found.python, found.names, hashes, snapshot)
