"""Background workers: claim a job, get a GitHub client for its installation, dispatch the event.

N workers run as asyncio tasks inside the server process, started and stopped with the aiohttp app.
A handler that raises fails the job, which the queue retries with backoff and finally keeps as
`failed`. A job interrupted by shutdown stays `running` and is re-queued at the next start-up.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback

import gidgethub
import orjson
from dataclasses import dataclass, field
from typing import Any

from gidgethub import routing, sansio

from hybridize_bot.bot.context import BotContext, KeyedLocks, ProcessRunner, PullLocks
from hybridize_bot.bot.errors import is_permanent
from hybridize_bot.bot.github import GitHubApp
from hybridize_bot.bot.logs import bind_job, job_fields
from hybridize_bot.bot.metrics import BotMetrics
from hybridize_bot.bot.queue import Job, JobQueue
from hybridize_bot.bot.settings import Settings
from hybridize_bot.bot.state import Stores, sqlite_stores

log = logging.getLogger(__name__)


def installation_id_of(data: Any) -> int | None:
    """The installation a webhook payload belongs to (`installation.id`), if any."""
    if isinstance(data, dict):
        installation = data.get("installation")
        if isinstance(installation, dict) and isinstance(installation.get("id"), int):
            return int(installation["id"])
    return None


def retry_not_before(exc: BaseException, now: float) -> float | None:
    """When GitHub said a failed job may be retried: the rate-limit reset or `retry-after`.

    The GitHub client already waits out short limits itself; this covers the long ones it refused
    to sleep through, so the queue does not retry (and burn attempts) before the limit lifts.
    """
    if isinstance(exc, gidgethub.RateLimitExceeded) and exc.rate_limit is not None:
        return float(exc.rate_limit.reset_datetime.timestamp())
    if isinstance(exc, gidgethub.HTTPException):
        try:
            return now + float(exc.headers.get("retry-after", ""))
        except ValueError:
            return None
    return None


@dataclass
class WorkerStats:
    processed: int = 0
    failed: int = 0
    busy: int = 0
    last_error: str | None = None
    started_at: float = field(default_factory=time.time)


class WorkerPool:
    def __init__(
        self,
        queue: JobQueue,
        router: routing.Router,
        *,
        settings: Settings,
        github: GitHubApp,
        locks: PullLocks | None = None,
        stores: Stores | None = None,
        metrics: BotMetrics | None = None,
        runner: ProcessRunner | None = None,
        poll_interval_s: float = 1.0,
        shutdown_grace_s: float = 10.0,
    ) -> None:
        self._queue = queue
        self._router = router
        self._settings = settings
        self._github = github
        self.locks = locks or KeyedLocks()
        self.stores = stores or sqlite_stores(settings.data_dir)
        self.metrics = metrics
        self.runner = runner or ProcessRunner(settings.workers)
        self._poll_interval_s = poll_interval_s
        self._shutdown_grace_s = shutdown_grace_s
        self._tasks: list[asyncio.Task[None]] = []
        self._idle: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.stats = WorkerStats()

    def start(self, count: int) -> None:
        self._stopping = False
        for index in range(count):
            task = asyncio.create_task(self._work(), name=f"worker-{index}")
            task.add_done_callback(self._on_worker_exit)
            self._tasks.append(task)
        log.info("started %d workers", count)

    async def stop(self) -> None:
        """Let running jobs finish for up to shutdown_grace_s, then cancel them."""
        self._stopping = True
        for task in list(self._idle):
            task.cancel()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=self._shutdown_grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        self.runner.shutdown()

    def status(self) -> dict[str, Any]:
        alive = sum(not task.done() for task in self._tasks)
        return {
            "configured": len(self._tasks),
            "alive": alive,
            "busy": self.stats.busy,
            "processed": self.stats.processed,
            "failed": self.stats.failed,
        }

    @property
    def healthy(self) -> bool:
        return self._stopping or all(not task.done() for task in self._tasks)

    async def _work(self) -> None:
        current = asyncio.current_task()
        assert current is not None
        while not self._stopping:
            ticket = self._queue.ticket()
            try:
                job = await self._queue.claim()
            except Exception:  # the database may be briefly locked or the disk full
                log.exception("could not claim a job")
                job = None
            if job is None:
                self._idle.add(current)
                try:
                    await self._queue.wait(ticket, self._poll_interval_s)
                finally:
                    self._idle.discard(current)
                continue
            self.stats.busy += 1
            try:
                await self.process(job)
            finally:
                self.stats.busy -= 1

    async def process(self, job: Job) -> None:
        try:
            data = orjson.loads(job.payload)  # once per job: a 25 MB payload is not parsed twice
        except orjson.JSONDecodeError:
            data = None  # _dispatch fails on it, and the failure is logged with the delivery id
        with bind_job(job_fields(job.event, data, job.delivery_id)):
            if await self._deferred(job, data):
                return
            await self._process(job, data)

    async def _process(self, job: Job, data: Any) -> None:
        started = time.monotonic()
        try:
            if not isinstance(data, dict):
                raise ValueError(f"delivery {job.delivery_id}: stored payload is not a JSON object")
            await self._dispatch(job, data)
        except Exception as exc:
            self.stats.failed += 1
            self.stats.last_error = f"{type(exc).__name__}: {exc}"
            state = await self._queue.fail(
                job, traceback.format_exc(), not_before=retry_not_before(exc, time.time()),
                permanent=is_permanent(exc),
            )
            log.exception(
                "delivery %s (%s) failed on attempt %d; now %s",
                job.delivery_id, job.event, job.attempts, state,
            )
            self._observe(job, started, "retry" if state == "queued" else "dead_letter")
            return
        await self._queue.complete(job)
        self.stats.processed += 1
        log.info(
            "delivery %s (%s) done in %.0f ms",
            job.delivery_id, job.event, (time.monotonic() - started) * 1000,
        )
        self._observe(job, started, "done")

    async def _deferred(self, job: Job, data: Any) -> bool:
        """Put the job back until its installation's rate-limit window resets, when too little of it
        is left for one job (bot/rate_budget.py): delayed, not failed, no attempt counted."""
        installation_id = installation_id_of(data)
        if installation_id is None:
            return False
        until = await self._github.budget.not_before(str(installation_id))
        if until is None:
            return False
        window = await self._github.budget.window(str(installation_id))
        reason = (f"installation {installation_id} has {window.remaining if window else '?'} GitHub requests left; "
                  f"deferred until the rate-limit window resets at {until:.0f}")
        await self._queue.defer(job, until, reason)
        log.warning("delivery %s (%s): %s", job.delivery_id, job.event, reason)
        if self.metrics is not None:
            self.metrics.jobs_deferred.labels("rate_limit").inc()
        return True

    def _observe(self, job: Job, started: float, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.job_duration.labels(job.event, outcome).observe(time.monotonic() - started)

    async def _dispatch(self, job: Job, data: dict[str, Any]) -> None:
        event = sansio.Event(data, event=job.event, delivery_id=job.delivery_id)
        installation_id = installation_id_of(data)
        app_client = self._github.app_client(delivery_id=job.delivery_id)
        if installation_id is None:
            gh = app_client  # e.g. events about the App itself; handlers may still use client_for
        else:
            gh = await self._github.client_for(installation_id, delivery_id=job.delivery_id)
        ctx = BotContext(
            settings=self._settings,
            data_dir=self._settings.data_dir,
            delivery_id=job.delivery_id,
            installation_id=installation_id,
            app_client=app_client,
            github=self._github,
            locks=self.locks,
            analysis_timeout_s=self._settings.analysis_timeout_s,
            runner=self.runner,
            stores=self.stores,
        )
        await self._router.dispatch(event, gh, ctx)

    def _on_worker_exit(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("worker %s died", task.get_name(), exc_info=task.exception())
