"""On-disk cache of per-module facts and per-module findings, so a re-analysis parses only what changed.

Two content-addressed stores under one directory:

* ``facts/``: the module's extracted facts (`analysis.facts.extract`, plain data, `marshal`), keyed by
  (file content hash, module name, is-package, facts version). A module whose bytes did not change is
  never parsed to get its facts.
* ``projects/``: a snapshot of the whole-repository facts of one project (keyed by its module layout),
  with each module's content hash and interface digest. When every module's interface digest is
  unchanged (an edit that changed no facts), the snapshot is reused instead of recomputing the facts.
  When the modules that changed only had lines moved (a line inserted or removed), the snapshot is
  reused after rewriting those modules' lines in it (`analysis.facts.incremental`); it is not
  rewritten on disk, so later runs patch the same snapshot again. The snapshot's body keeps each
  module's facts packed (`analysis.facts.module_store`): a warm run decodes only the modules it reads.
* ``findings/``: the module's findings (`pickle`), keyed by (content hash, the module's context
  signature, configuration hash, analyzer version). The signature digests everything the module's
  findings can depend on from outside it: the graph context of its functions (with their call paths),
  their interprocedural facts, and, of the modules it calls, is called by, or imports, the facts of the
  names it uses (`analysis.facts.interface`: a function added that nobody uses re-checks only its own
  module). An untouched module whose context did not change is not even parsed.

Location: ``--cache-dir``, else ``$HYBRIDIZE_CACHE_DIR``, else ``$XDG_CACHE_HOME/hybridize``, else
``~/.cache/hybridize``. A cache that cannot be read or written is skipped (the analysis never fails
because of it); the first problem is kept in `AnalysisCache.problem` so the caller can say so.
"""
from __future__ import annotations

import hashlib
import itertools
import marshal
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # not on Windows: nothing is written later there (`claim_pending` says so)
    fcntl = None  # type: ignore[assignment]

ENV_VAR = "HYBRIDIZE_CACHE_DIR"
_LAYOUT = "v1"
_TEMP_NUMBERS = itertools.count()  # with the process id: a temporary file name no other writer uses
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)
_SMALL_READ = 1 << 16  # one read() of this size takes a whole findings or facts file, nearly always


@dataclass
class CacheStats:
    """What one analysis run did; tests assert on these counters."""

    parsed: int = 0  # files parsed (cold parses and on-demand parses of cached modules)
    facts_hits: int = 0
    facts_misses: int = 0
    findings_hits: int = 0
    findings_misses: int = 0
    snapshot_hits: int = 0  # whole-repository facts reused (no module's interface changed)
    snapshot_patches: int = 0  # reused after rewriting the lines of modules whose lines only moved
    snapshot_deltas: int = 0  # reused after recomputing what changed modules reach (facts/project_delta.py)
    parsed_paths: list[str] = field(default_factory=list)
    checked_paths: list[str] = field(default_factory=list)  # modules whose rules ran (findings not cached)


def default_cache_dir() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "hybridize"
    return Path.home() / ".cache" / "hybridize"


def content_hash(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


def digest(*parts: Any) -> str:
    """A stable hash of plain data (str/int/bytes/tuple/list/dict/None)."""
    # marshal version 2 has no back-references, so equal values always give equal bytes (version 3+
    # output depends on object identity, e.g. a freshly built dict vs. one loaded from disk).
    return hashlib.sha1(marshal.dumps(parts, 2), usedforsecurity=False).hexdigest()


_ANALYZER_VERSION: str | None = None


def analyzer_version() -> str:
    """Changes whenever a file of the analysis package changes (rules included), so stale findings die."""
    global _ANALYZER_VERSION
    if _ANALYZER_VERSION is None:
        entries: list[tuple[str, int, int]] = []
        _python_files(os.path.dirname(os.path.realpath(__file__)), "", entries)
        _ANALYZER_VERSION = digest(tuple(sorted(entries)))
    return _ANALYZER_VERSION


def _python_files(directory: str, prefix: str, out: list[tuple[str, int, int]]) -> None:
    """(relative path, size, mtime in ns) of every .py file under `directory`, into `out`: with `scandir`
    and string paths, not `Path.rglob` (4 -> 1 ms of every warm run, which asks once)."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir():
                if entry.name == "__pycache__":
                    continue
                _python_files(entry.path, prefix + entry.name + "/", out)
            elif entry.name.endswith(".py"):
                st = entry.stat()
                out.append((prefix + entry.name, st.st_size, st.st_mtime_ns))
        except OSError:
            continue


class AnalysisCache:
    """The two stores; every method swallows I/O errors (a cache miss is always a correct answer)."""

    # Whether a run leaves its snapshot and cache work until after its result is out (`DeferringCache.defer`):
    # pipeline/deferred.py's `DeferringCache` does, for the App's reviews.
    defers_snapshot = False

    def __init__(self, directory: Path | str) -> None:
        self.root = Path(directory) / _LAYOUT
        self._root = str(self.root)
        self.stats = CacheStats()
        self.problem: str | None = None

    def reset_stats(self) -> None:
        self.stats = CacheStats()

    # ---- stores ---------------------------------------------------------------------------------
    def _file(self, store: str, key: str) -> Path:
        return self.root / store / key[:2] / key

    def _read(self, store: str, key: str) -> bytes | None:
        # A plain string path and a bare descriptor: a warm run reads one findings file per module
        # (1,250 for tf-models, most under 1 KB), and a Path object or a buffered file object per
        # read cost more than the read itself (open().read(): 7.4 ms for those 1,250; this: 3.8 ms).
        try:
            fd = os.open(os.path.join(self._root, store, key[:2], key), _READ_FLAGS)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._note(f"cannot read the cache: {exc}")
            return None
        try:
            data = os.read(fd, _SMALL_READ)
            if len(data) < _SMALL_READ:
                return data
            # A large file (a project snapshot): read whole into one buffer, as a file object does.
            os.lseek(fd, 0, os.SEEK_SET)
            with open(fd, "rb", closefd=False) as handle:
                return handle.read()
        except OSError as exc:
            self._note(f"cannot read the cache: {exc}")
            return None
        finally:
            os.close(fd)

    def _write(self, store: str, key: str, data: bytes) -> None:
        # String paths, a temporary name unique to this process (no random names tried as `mkstemp`
        # does), and the directory made only when it is missing: a first run writes two files per module.
        directory = os.path.join(self._root, store, key[:2])
        path = os.path.join(directory, key)
        tmp = os.path.join(directory, f".tmp-{key}-{os.getpid()}-{next(_TEMP_NUMBERS)}")
        try:
            try:
                fd = os.open(tmp, _TEMP_FLAGS, 0o600)
            except FileNotFoundError:
                os.makedirs(directory, exist_ok=True)
                fd = os.open(tmp, _TEMP_FLAGS, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)  # atomic: concurrent runs never see half a file
        except OSError as exc:
            self._note(f"cannot write the cache: {exc}")

    def _note(self, message: str) -> None:
        if self.problem is None:
            self.problem = message

    # ---- facts ----------------------------------------------------------------------------------
    def get_facts(self, key: str) -> dict[str, Any] | None:
        data = self._read("facts", key)
        if data is None:
            self.stats.facts_misses += 1
            return None
        try:
            value = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            self.stats.facts_misses += 1
            return None  # a torn or foreign file: recompute and overwrite
        self.stats.facts_hits += 1
        return value

    def has_facts(self, key: str) -> bool:
        try:
            return self._file("facts", key).is_file()
        except OSError:
            return False

    def put_facts(self, key: str, facts: dict[str, Any]) -> None:
        try:
            data = marshal.dumps(facts)
        except ValueError:
            return
        self._write("facts", key, data)

    # ---- project snapshots --------------------------------------------------------------------------
    def get_snapshot(self, key: str) -> Any:
        self.await_writer(key)
        data = self._read("projects", key)
        if data is None:
            return None
        try:
            return pickle.loads(data)  # noqa: S301 (our own files, in the user's own cache directory)
        except Exception:  # noqa: BLE001 (any unpickling problem is a miss)
            return None

    def put_snapshot(self, key: str, snapshot: Any) -> None:
        self._write("projects", key, pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))

    # ---- writes in progress elsewhere ---------------------------------------------------------------
    # A run may leave its snapshot and cache writes to a later step (analysis/pipeline/deferred.py: the
    # App publishes its review first). That step holds an exclusive `flock` on `<key>.pending` beside
    # the snapshot it will write, from before the run's result is handed out until its last write; a
    # reader of that snapshot waits for it instead of finding no snapshot and redoing the cold run.
    # `flock` locks belong to the open file: the lock outlives a fork and dies with its last holder, so
    # a writer that crashes releases it (the reader then finds no snapshot: a cold run, still correct).
    def pending_path(self, key: str) -> str:
        return os.path.join(self._root, "projects", key[:2], key + ".pending")

    def claim_pending(self, key: str) -> int | None:
        """Announce a later write of snapshot `key`: an open descriptor holding the exclusive lock
        (None when the cache cannot be written or another run announced it: the caller writes at once)."""
        if fcntl is None:
            return None
        path = self.pending_path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            self._note(f"cannot write the cache: {exc}")
            return None
        try:
            # Not waiting: another run announced the same snapshot (two reviews of one project at once),
            # and this one then writes at once, as a run without deferral would.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd

    def await_writer(self, key: str) -> bool:
        """Wait until no step announced (`claim_pending`) is still to write snapshot `key`; True when
        it waited. A writer still held back (`hold_pending`: the review that made it has not completed
        its check run) is not waited for: this reader may be what that review waits for (another job's
        analysis holding the pool's slots), so it goes on without the snapshot, as it would have before
        the writer existed. Bounded by the caller's time budget (the App's SIGALRM interrupts it)."""
        if fcntl is None:
            return False
        try:
            fd = os.open(self.pending_path(key), os.O_RDONLY)
        except OSError:  # none announced (the common case: one failed open)
            return False
        try:
            hold = os.read(fd, 4096).decode("utf-8", "surrogateescape")
            if hold and os.path.exists(hold):
                return False
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError:
            return False
        finally:
            os.close(fd)
        return True

    def hold_pending(self, fd: int, hold: str) -> None:
        """Say in the announcement held by `fd` (`claim_pending`) that its writer waits until the file
        `hold` is gone (`analysis/pipeline/deferred.py` `release_writes` removes it)."""
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, hold.encode("utf-8", "surrogateescape"), 0)
        except OSError:
            pass

    # ---- findings -------------------------------------------------------------------------------
    def get_findings(self, key: str) -> list | None:
        data = self._read("findings", key)
        if data is None:
            self.stats.findings_misses += 1
            return None
        try:
            value = pickle.loads(data)  # noqa: S301 (our own files, in the user's own cache directory)
        except Exception:  # noqa: BLE001 (any unpickling problem is a miss)
            self.stats.findings_misses += 1
            return None
        self.stats.findings_hits += 1
        return value

    def put_findings(self, key: str, findings: list) -> None:
        self._write("findings", key, pickle.dumps(findings, protocol=pickle.HIGHEST_PROTOCOL))


def open_cache(cache_dir: str | None = None, no_cache: bool = False) -> AnalysisCache | None:
    """The cache the command-line options ask for (None with --no-cache)."""
    if no_cache:
        return None
    return AnalysisCache(Path(cache_dir) if cache_dir else default_cache_dir())
