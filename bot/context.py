"""BotContext: what every webhook handler receives besides the event and its GitHub client.

Handlers have the signature `async def handler(event, gh, ctx)`; see bot/routing.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import multiprocessing
import os
from collections.abc import AsyncIterator, Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hybridize_bot.analysis.budget import BudgetExceeded, run_with_budget
from hybridize_bot.bot.analysis_api import all_rules, analyze_sources
from hybridize_bot.bot.cpu_idle import CpuSampler, usable_cpus
from hybridize_bot.bot.private_data import PRIVATE_UMASK, blob_dir
from hybridize_bot.bot.pulls.archive import tree_archive
from hybridize_bot.bot.pulls.pull_snapshot import PullSnapshot
from hybridize_bot.bot.pulls.snapshot import BlobCache
from hybridize_bot.bot.settings import Settings
from hybridize_bot.bot.state import Stores, sqlite_stores

if TYPE_CHECKING:
    from hybridize_bot.bot.github import GitHubApp, GitHubClient

log = logging.getLogger(__name__)
T = TypeVar("T")


class AnalysisTimeout(Exception):
    """run_in_process gave up waiting; the work was killed."""


class PullLocks(Protocol):
    """`async with locks(key):` serialises work on one key (a pull request): `KeyedLocks` in one
    process, `bot.locks.RedisLocks` across the processes sharing a Redis queue."""

    def __call__(self, key: Hashable) -> AbstractAsyncContextManager[None]: ...


class KeyedLocks:
    """One asyncio.Lock per key, e.g. per (repo, pr) so two pushes of one PR never run concurrently.

    Locks are dropped once nobody holds or waits for them, so the dict does not grow forever.
    """

    def __init__(self) -> None:
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def __call__(self, key: Hashable) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


class ProcessRunner:
    """Runs CPU-bound, picklable functions in worker processes with a time limit.

    The limit is enforced inside the worker (analysis/budget.py: a SIGALRM deadline), which stops that
    one call and keeps the pool, so analyses of other pull requests running beside it are unaffected.
    Only a call that ignores its budget (stuck in C code) `grace_s` later gets the old treatment: a
    process pool cannot cancel one running task, so the whole pool is killed and replaced at once.

    At most `max_workers` calls are in the pool at a time; the others wait here, in submission order,
    so that a call's deadline runs from when a worker takes it, not from when it was submitted (time
    spent queued behind other calls must not kill the pool for a call that never ran).

    "forkserver" avoids forking the threaded server process. `start()` (the App calls it at start-up)
    starts the forkserver with the analysis package imported (`PRELOAD`) and every worker process
    warmed up by one small analysis, so the first review does not pay for it; a killed pool is
    replaced and warmed up the same way.
    """

    # Imported once in the forkserver, so each worker process starts with them loaded: the analysis,
    # its rules and the modules whose top-level functions the bot runs in the pool.
    PRELOAD = ("hybridize_bot.analysis", "hybridize_bot.analysis.rules", "hybridize_bot.bot.pulls.job",
               "hybridize_bot.bot.followup.compute")

    def __init__(self, max_workers: int, grace_s: float = 10.0) -> None:
        self._max_workers = max(1, max_workers)
        self._grace_s = grace_s
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(self._max_workers)  # FIFO: waiters are woken in order
        self._warming: set[asyncio.Future[None]] = set()
        self._busy = 0  # slots held by running calls (lent ones included)
        self._cpu = CpuSampler()  # sampled from `start` on, for lending idle slots (`_take_idle_slots`)
        self._sampling: asyncio.Task[None] | None = None

    def _get_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(self.PRELOAD))  # takes effect when the forkserver starts
            # The forkserver keeps the umask it started with (maybe before secure_data_dir): the
            # workers write the analysis cache, so they set the private umask themselves.
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self._max_workers, mp_context=context,
                initializer=os.umask, initargs=(PRIVATE_UMASK,),
            )
        return self._pool

    async def start(self) -> None:
        """Start the worker processes and warm each one up; returns when they are ready.

        Starting a forkserver worker blocks its caller until the forkserver has imported `PRELOAD`
        (seconds), so it runs in a thread: the event loop keeps answering webhooks meanwhile. So does
        loading the rule registry into this process (`all_rules`: every rule module imported), which
        publishing a review reads for each finding's rule name and documentation link: 0.4-1 s, on
        the first review's way to its check run before (bench/RESULTS.md, "Cold reviews without
        waiting for the cache writes")."""
        if self._sampling is None or self._sampling.done():
            self._sampling = asyncio.ensure_future(self._cpu.run())
        pool = self._get_pool()
        warm_up, registry = await asyncio.gather(asyncio.to_thread(_warm_up_pool, pool, self._max_workers),
                                                 asyncio.to_thread(all_rules), return_exceptions=True)
        for failed, what in ((warm_up, "the analysis process pool"), (registry, "the rule registry")):
            if isinstance(failed, Exception):  # a failed warm-up costs the first job its start, nothing more
                log.warning("warming up %s failed", what, exc_info=failed)

    async def ready(self) -> None:
        """Returns once no pool start (`start`, or the replacement of a killed pool) is in flight."""
        while self._warming:
            await asyncio.wait(list(self._warming))

    def worker_pids(self) -> set[int]:
        """The process ids of the current pool's live worker processes."""
        processes = getattr(self._pool, "_processes", None) or {}
        return {p.pid for p in list(processes.values()) if p.is_alive() and p.pid is not None}

    def start_in_background(self) -> None:
        """`start` as a task of the running loop (`ready` waits for it)."""
        try:
            task = asyncio.ensure_future(self.start())
        except RuntimeError:  # no running loop (a synchronous caller): the next call starts the pool
            return
        self._warming.add(task)
        task.add_done_callback(self._warming.discard)

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float, wide: bool = False) -> T:
        """`fn(*args)` in a worker process. `wide=True`: the call also takes the slots that are idle when
        a worker picks it up (as many as there are idle CPUs for), and runs `fn(*args, jobs=n)` with n
        the slots it holds, so that one large cold analysis spreads over the CPUs the pool's idle
        workers would use (the analysis forks that many processes from its worker,
        analysis/pipeline/parallel.py). Calls that arrive
        meanwhile wait for the slots, as they would for a busy pool."""
        async with self._slots:
            lent = await self._take_idle_slots() if wide else 0
            self._busy += 1 + lent
            try:
                call = functools.partial(fn, jobs=1 + lent) if wide else fn
                return await self._submit(call, _name(fn), args, timeout)
            finally:
                self._busy -= 1 + lent
                for _ in range(lent):
                    self._slots.release()

    def idle_slots(self) -> int:
        """Slots nobody holds or waits for: that many calls submitted now each start at once."""
        return 0 if self._slots.locked() else self._max_workers - self._busy

    async def _take_idle_slots(self) -> int:
        """Acquire, without waiting for any, the slots that nobody holds or waits for (the caller already
        holds one), as many as the machine has idle CPUs for besides the caller's own. A process more
        only pays on a CPU nobody else uses: under load (other jobs, other programs) the parallel run's
        workers wait on each other at every exchange, and it took longer than one process
        (bench/RESULTS.md, "Cold pull-request reviews over the pool's workers"). Idle means over the
        last half second or so (bot/cpu_idle.py), not the last minute's load average."""
        idle = idle_cpus(self._cpu)
        limit = min(self._max_workers - 1, idle - 1)
        log.debug("a wide call may take %d more slot(s): %d idle CPU(s)", max(0, limit), idle)
        taken = 0
        while taken < limit and not self._slots.locked():
            await self._slots.acquire()  # returns at once: the semaphore is not locked
            taken += 1
        return taken

    async def _submit(self, fn: Callable[..., T], name: str, args: tuple[Any, ...], timeout: float) -> T:
        pool = self._get_pool()
        # Not on the event loop: submit starts a worker process when none is idle and, with the
        # forkserver, waits until the forkserver has imported PRELOAD (seconds), while the loop
        # must go on answering webhooks and renewing job leases.
        submitted = await asyncio.to_thread(pool.submit, run_with_budget, timeout, fn, *args)
        future = asyncio.wrap_future(submitted)
        try:
            return await asyncio.wait_for(future, timeout + self._grace_s)
        except BudgetExceeded:
            log.warning("%s exceeded %.1f s; stopped in its worker process", name, timeout)
            raise AnalysisTimeout(f"{name} exceeded {timeout:g} s") from None
        except asyncio.TimeoutError:
            log.warning("%s ignored its %.1f s budget; killing its process pool", name, timeout)
            self._kill(pool)
            raise AnalysisTimeout(f"{name} exceeded {timeout:g} s") from None

    def _kill(self, pool: concurrent.futures.ProcessPoolExecutor) -> None:
        replace = self._pool is pool
        if replace:
            self._pool = None
        # _processes is private but stable since 3.2; there is no public way to stop a busy worker.
        processes = list(getattr(pool, "_processes", {}).values())
        for process in processes:
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        if replace:
            self.start_in_background()  # the next job finds warm workers, not a pool to start

    def shutdown(self) -> None:
        for task in list(self._warming):
            task.cancel()
        if self._sampling is not None:
            self._sampling.cancel()
            self._sampling = None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def idle_cpus(sampler: CpuSampler | None = None) -> int:
    """How many CPUs are idle, rounded: what `sampler` saw over the last half second or so
    (bot/cpu_idle.py), else (no sampler running, no /proc/stat) the CPU count less the 1-minute load
    average (0 where the system says neither)."""
    sampled = sampler.idle() if sampler is not None else None
    if sampled is not None:
        return max(0, round(sampled))
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0
    return max(0, round(len(usable_cpus()) - load))


def _warm_up_pool(pool: concurrent.futures.ProcessPoolExecutor, workers: int) -> None:
    """One warm-up call per worker, submitted together: the pool starts a process for each call that
    finds no idle worker, so all `workers` processes start (and each runs one small analysis)."""
    calls = [pool.submit(_warm_up) for _ in range(workers)]
    for call in calls:
        call.result()


_WARM_UP_SOURCE = b"""import tensorflow as tf


@tf.function
def step(x):
    print(x)
    return x
"""


def _warm_up() -> int:
    """Top-level (picklable): one small analysis, so the rules are built and their first-call costs
    paid before a pull request waits on them."""
    return len(analyze_sources({"warm_up.py": _WARM_UP_SOURCE}).findings)


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", repr(fn))


@dataclass
class BotContext:
    """Per-job context. Built by the worker for every job; cheap to construct."""

    settings: Settings
    data_dir: Path
    delivery_id: str
    installation_id: int | None
    app_client: GitHubClient
    github: GitHubApp
    locks: PullLocks
    analysis_timeout_s: float
    runner: ProcessRunner
    # The follow-up and command stores, on the queue's backend (bot/state.py); None: SQLite in data_dir.
    stores: Stores | None = None
    # One PullSnapshot per pull request for the whole job: review, follow-up and commands share reads.
    _snapshots: dict[tuple[str, str, int], PullSnapshot] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.stores is None:
            self.stores = sqlite_stores(self.data_dir)

    @property
    def state(self) -> Stores:
        assert self.stores is not None  # set in __post_init__
        return self.stores

    def pull_snapshot(self, gh: GitHubClient, owner: str, repo: str, number: int) -> PullSnapshot:
        """This job's snapshot of `owner/repo#number` (created on first use)."""
        key = (owner.lower(), repo.lower(), number)
        snap = self._snapshots.get(key)
        if snap is None:
            make_store = self.state.blobs
            blobs = make_store(owner, repo) if make_store is not None else BlobCache(blob_dir(self.data_dir, owner, repo))
            snap = self._snapshots[key] = PullSnapshot(gh, owner, repo, number, blobs,
                                                        archive=tree_archive(gh, owner, repo))
        return snap

    async def client_for(self, installation_id: int) -> GitHubClient:
        """A client acting as `installation_id` (token cached and refreshed by bot.auth)."""
        return await self.github.client_for(installation_id, delivery_id=self.delivery_id)

    async def run_in_process(
        self, fn: Callable[..., T], *args: Any, timeout: float | None = None, wide: bool = False
    ) -> T:
        """Run `fn(*args)` in a worker process; raises AnalysisTimeout after `timeout` seconds
        (default: ANALYSIS_TIMEOUT). `fn` and its arguments must be picklable. `wide=True`: `fn` also
        takes `jobs=`, the processes it may use (`ProcessRunner.run`)."""
        limit = self.analysis_timeout_s if timeout is None else timeout
        return await self.runner.run(fn, *args, timeout=limit, wide=wide)

    def idle_slots(self) -> int:
        """The analysis pool's slots that a call submitted now would find free (`ProcessRunner.idle_slots`)."""
        return self.runner.idle_slots()
