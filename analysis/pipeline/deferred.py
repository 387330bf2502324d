"""A cache whose writes wait until the run's result is out: the App publishes a review first.

A cold run spends about a quarter of its time on what only later runs need: the project snapshot (every
module's context signature, the whole-repository facts pickled) and one cache file per module
(bench/RESULTS.md, "Cold pull-request reviews over the pool's workers"). The App's review needs none
of it before its check run is completed. With a `DeferringCache` the run computes only its findings;
its writes are kept in memory (`_write`) and its snapshot is a step to run later (`defer`), and
`flush_in_background` runs them in a thread while the caller goes on, once the caller lets it
(`after`: the App holds it until the review's check run is completed).

What makes this safe:

* the step announces itself before the result is handed out (`AnalysisCache.claim_pending`: a lock
  beside the snapshot it will write), so a run that reads that snapshot meanwhile (the follow-up's
  fix plan, the next push) waits for it instead of redoing the cold run;
* every file is still written whole and atomically and the snapshot's head after its body, so a
  writer killed half way (its process ended) leaves nothing wrong: its locks die with it, and the next
  run finds no snapshot and is simply cold;
* findings are the same whether taken from the cache or computed (the cache is keyed by all they
  depend on), so a run that skips its findings look-ups (their keys need the signatures) finds the
  same findings.
"""
from __future__ import annotations

import gc
import logging
import os
import threading
from typing import Any, Callable

from ..cache import AnalysisCache

logger = logging.getLogger(__name__)

# Held by the writer that is writing (`_one_writer_at_a_time`), under the cache's root.
WRITER_LOCK = "writer.lock"


class DeferringCache(AnalysisCache):
    """An `AnalysisCache` that keeps this process's writes until `flush` (reads see them meanwhile).

    Processes forked from this one during the run (the parallel path's workers) write at once, as with
    a plain cache: their memory is not this process's."""

    defers_snapshot = True

    def __init__(self, directory: Any, after: str | None = None) -> None:
        """`after`: the file (`hold_writes`) whose release the writer will wait for; announced to readers,
        who do not wait for a writer still held back (`AnalysisCache.await_writer`)."""
        super().__init__(directory)
        self._after = after
        self._owner = os.getpid()
        self._held: dict[tuple[str, str], bytes] = {}
        self._steps: list[Callable[[], None]] = []
        self._claims: list[tuple[str, int]] = []  # (pending file, descriptor holding its lock)
        self._flushing = False

    # ---- what the run does --------------------------------------------------------------------------
    def _write(self, store: str, key: str, data: bytes) -> None:
        if self._flushing or os.getpid() != self._owner:
            super()._write(store, key, data)
            return
        self._held[(store, key)] = data
        self._steps.append(lambda: super(DeferringCache, self)._write(store, key, data))

    def _read(self, store: str, key: str) -> bytes | None:
        held = self._held.get((store, key))
        return held if held is not None else super()._read(store, key)

    def defer(self, key: str, step: Callable[[], None]) -> bool:
        """Run `step` (which writes snapshot `key`) at `flush`, announcing it to readers now; False (run
        it yourself, now) when it cannot be announced."""
        fd = self.claim_pending(key)
        if fd is None:
            return False
        if self._after is not None:
            self.hold_pending(fd, self._after)
        self._claims.append((self.pending_path(key), fd))
        self._steps.append(step)
        return True

    # ---- afterwards -------------------------------------------------------------------------------
    def flush(self) -> None:
        """Run the kept writes and deferred steps in order, then release the announcements."""
        self._flushing = True
        # The steps build and drop as many objects as the run did: the run's reason to pause the cyclic
        # collector (run.py `analyze`) holds for them too.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            for step in self._steps:
                step()
        finally:
            self._steps, self._held = [], {}
            self._flushing = False
            self._release()
            if was_enabled:
                gc.enable()

    def flush_in_background(self) -> threading.Thread | None:
        """`flush` in a thread of this process, so that the caller's result goes out now; returns the
        thread. Without a deferred step (a warm run: a few findings files), flushes here and returns None.

        With `after` (the constructor's: a file whose `flock` someone holds, `hold_writes`) the writer
        starts once it is released, e.g. once the App completed the check run the run's findings are
        for: the writer then takes no CPU from it (missing file, or its holder gone: the writer starts
        at once). Meanwhile the thread waits in `flock`, without the GIL, so the process' next call runs
        as if it were not there.

        A thread, not a forked process: a fork shares the run's memory copy-on-write, and the writer
        (pickling the facts touches every page) and the worker's next calls then copied it page by
        page: the follow-up's fix plan took 2.3-2.7 s of CPU beside a forked writer against 1.5-1.7 s
        on main (bench/RESULTS.md, "Cold reviews without waiting for the cache writes")."""
        if not self._claims:
            self.flush()
            return None
        # The run's objects (a whole project, hundreds of thousands of them, allocated while the run
        # paused the collector) stay alive for the writer. Left in the collector's young generations,
        # the first collections after the run would scan them all, inside whatever this process does
        # next: a review's suggestions took 2.1 s instead of 0.5 (bench/RESULTS.md, "parwrite").
        # Frozen, the collector skips them; the writer unfreezes once it has let them go.
        gc.freeze()
        thread = threading.Thread(target=self._write_later, args=(self._after,), name="analysis cache writer",
                                  daemon=True)
        thread.start()
        return thread

    def _write_later(self, after: str | None) -> None:
        """The writer thread. Daemonic: a process that ends first loses the writes, which only makes the
        next run cold (its `flock`s end with it, so nobody waits for them)."""
        try:
            if after is not None:
                _wait_for(after)
            lock = _one_writer_at_a_time(self._root)
            try:
                self.flush()
            finally:
                os.close(lock)
        except BaseException:  # noqa: BLE001 (lost writes only make the next run cold)
            logger.exception("writing the analysis cache failed")
            self._steps, self._held = [], {}
            self._release()
        finally:
            # The run's objects went with the steps (freed by reference counting, run.py `_save_later`);
            # what is still frozen goes back under the collector, so no garbage cycle stays for ever.
            gc.unfreeze()

    def _release(self) -> None:
        for path, fd in self._claims:
            try:
                os.unlink(path)  # before unlocking: a reader opening it later finds nothing to wait for
            except OSError:
                pass
            os.close(fd)  # releases the lock: readers waiting on it go on and find the snapshot
        self._claims = []


def hold_writes(directory: str) -> tuple[str, int] | None:
    """A new file under `directory` and a descriptor holding its exclusive `flock`: pass the path to
    `flush_in_background(after=...)`, and `release_writes` it when the writer may start (None when the
    file cannot be made: the writer then does not wait)."""
    import uuid

    path = os.path.join(directory, f"hold-{uuid.uuid4().hex}")
    try:
        import fcntl

        os.makedirs(directory, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
    except (OSError, ImportError):
        logger.warning("cannot hold the analysis cache writes back; they start at once", exc_info=True)
        return None
    return path, fd


def release_writes(held: tuple[str, int] | None) -> None:
    """Let the writer waiting on `held` (`hold_writes`) start."""
    if held is None:
        return
    path, fd = held
    try:
        os.unlink(path)
    except OSError:
        pass
    os.close(fd)


def _wait_for(path: str) -> None:
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # released already
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
    finally:
        os.close(fd)


def _one_writer_at_a_time(root: str) -> int:
    """Wait until no other writer of this cache is writing; returns the descriptor holding the writers'
    lock (close it to release). Each writer keeps its run's project alive, and two at once would only
    share the CPU that the reviews need."""
    import fcntl

    os.makedirs(root, exist_ok=True)
    fd = os.open(os.path.join(root, WRITER_LOCK), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # its own open file: two writers of one process exclude each other too
    return fd
