"""Builds the aiohttp application and runs it: `python app.py` calls `main()`."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import sys
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import aiohttp
from aiohttp import web
from gidgethub import routing

from hybridize_bot.bot import __version__
from hybridize_bot.bot import appmanifest, logs
from hybridize_bot.bot import routing as bot_routing
from hybridize_bot.bot.github import GitHubApp
from hybridize_bot.bot.context import KeyedLocks, PullLocks
from hybridize_bot.bot.locks import RedisLocks
from hybridize_bot.bot.metrics import BotMetrics
from hybridize_bot.bot.private_data import expire, secure_data_dir
from hybridize_bot.bot.queue import JobQueue, QueueInUse, SQLiteQueue
from hybridize_bot.bot.queue_redis import RedisQueue
from hybridize_bot.bot.settings import ServerBasics, Settings, SettingsError, redact_url
from hybridize_bot.bot.state import Stores, sqlite_stores
from hybridize_bot.bot.state_redis import redis_stores
from hybridize_bot.bot.webhook import (
    MAX_PAYLOAD_BYTES,
    METRICS_KEY,
    QUEUE_KEY,
    ROUTER_KEY,
    SETTINGS_KEY,
    WORKERS_KEY,
    healthz,
    index,
    metrics,
    webhook,
)
from hybridize_bot.bot.worker import WorkerPool

log = logging.getLogger(__name__)

GITHUB_APP_KEY = web.AppKey("github_app", GitHubApp)


def build_app(
    settings: Settings,
    *,
    router: routing.Router | None = None,
    poll_interval_s: float = 1.0,
    shutdown_grace_s: float = 10.0,
) -> web.Application:
    """The web application; queue, GitHub session and workers live as long as it runs.

    `router` defaults to bot.routing.router (all features); tests and benchmarks pass their own.
    """
    # client_max_size: aiohttp stops reading (413) as soon as a body grows past it.
    app = web.Application(client_max_size=MAX_PAYLOAD_BYTES)
    app[SETTINGS_KEY] = settings
    app[ROUTER_KEY] = router if router is not None else bot_routing.router
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app[METRICS_KEY] = BotMetrics()
    app.router.add_get("/", index)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # Before anything is written: BOT_DATA_DIR 0700, its files 0600 (bot/private_data.py).
        previous_umask = secure_data_dir(settings.data_dir)
        queue = await open_queue(settings)
        recovered = await queue.recover()
        if recovered:
            log.warning("re-queued %d job(s) left running by the previous process", recovered)
        session = aiohttp.ClientSession()
        stores = stores_beside(queue, settings)
        github = GitHubApp(settings, session, app[METRICS_KEY], windows=stores.windows, etags=stores.etags,
                           tokens=stores.tokens)
        workers = WorkerPool(
            queue,
            app[ROUTER_KEY],
            settings=settings,
            github=github,
            locks=pull_locks(queue, settings),
            stores=stores,
            metrics=app[METRICS_KEY],
            poll_interval_s=poll_interval_s,
            shutdown_grace_s=shutdown_grace_s,
        )
        app[QUEUE_KEY] = queue
        app[GITHUB_APP_KEY] = github
        app[WORKERS_KEY] = workers
        workers.start(settings.workers)
        if settings.workers:
            # The analysis processes start now, not on the first pull request (which would wait for them).
            workers.runner.start_in_background()
        expiry = asyncio.create_task(_expire_periodically(settings))
        try:
            yield
        finally:
            await workers.stop()
            await session.close()
            await queue.close()
            expiry.cancel()
            os.umask(previous_umask)

    app.cleanup_ctx.append(lifecycle)
    return app


def pull_locks(queue: JobQueue, settings: Settings) -> PullLocks:
    """Per-PR locks where the queue is: in-process for the embedded queue (one process), on Redis
    when several processes share a Redis queue."""
    if isinstance(queue, RedisQueue):
        return RedisLocks(queue.client, queue.prefix, lease_s=settings.job_lease_s)
    return KeyedLocks()


def stores_beside(queue: JobQueue, settings: Settings) -> Stores:
    """The follow-up and command stores on the queue's backend (bot/state.py)."""
    if isinstance(queue, RedisQueue):
        return redis_stores(queue.client, queue.prefix, cache_max_age_s=settings.cache_max_age_s)
    return sqlite_stores(settings.data_dir)
async def _expire_periodically(settings: Settings, every_s: float = 3600.0) -> None:
    """Delete cached blobs and analysis-cache files older than CACHE_MAX_AGE_DAYS, now and hourly."""
    while True:
        try:
            removed = await asyncio.to_thread(expire, settings.data_dir, settings.cache_max_age_s)
            if removed:
                log.info("deleted %d cached file(s) older than %g days", removed, settings.cache_max_age_s / 86400)
        except OSError:
            log.exception("could not expire cached files")
        await asyncio.sleep(every_s)


async def open_queue(settings: Settings) -> JobQueue:
    """The queue QUEUE_URL names: SQLite in BOT_DATA_DIR (default) or a shared Redis."""
    if settings.uses_redis:
        return await RedisQueue.open(
            settings.queue_url,
            max_attempts=settings.job_max_attempts,
            retry_base_delay_s=settings.job_retry_base_delay_s,
            lease_s=settings.job_lease_s,
        )
    return await SQLiteQueue.open(
        settings.queue_path,
        max_attempts=settings.job_max_attempts,
        retry_base_delay_s=settings.job_retry_base_delay_s,
    )


def configure_logging(level: str, fmt: str = "text") -> None:
    logs.configure(level, fmt, sys.stderr)


def main(environ: Mapping[str, str] | None = None, *, app_yml: Path = Path("app.yml")) -> None:
    """Read settings, serve until interrupted. Bad settings: one line on stderr, exit status 2.

    Without any App credentials, first serve the App-manifest setup (bot/appmanifest.py) from
    `app_yml` until the App is registered, then run as that App.
    """
    env = os.environ if environ is None else environ
    try:
        if appmanifest.needs_setup(env):
            basics = ServerBasics.from_env(env)
            configure_logging(basics.log_level, basics.log_format)
            try:
                manifest = app_yml.read_text(encoding="utf-8")
            except OSError as exc:
                raise SettingsError(f"no credentials and no App manifest to register from: {exc}") from None
            try:
                asyncio.run(appmanifest.serve_setup(basics, manifest))
            except OSError as exc:
                print(f"hybridize-bot: cannot start: {exc}", file=sys.stderr)
                raise SystemExit(1) from None
            except KeyboardInterrupt:  # stopped before anyone registered the App
                return
        settings = Settings.from_env(appmanifest.with_stored_credentials(env))
    except SettingsError as exc:
        print(f"hybridize-bot: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    log.info(
        "%s %s: GitHub App %s, API %s, data in %s, queue %s, %d workers, features: %s",
        settings.bot_name, __version__, settings.app_id, settings.github_api_url,
        settings.data_dir, redact_url(settings.queue_url), settings.workers,
        ", ".join(bot_routing.FEATURES),
    )
    try:
        web.run_app(
            build_app(settings),
            host=settings.host,
            port=settings.port,
            print=lambda _: log.info("listening on http://%s:%d", settings.host, settings.port),
            # No access log: at 500 deliveries/s its line per request cost more CPU than verifying and
            # storing the delivery; each delivery is logged by the worker that handles it (with its id)
            # and every refusal by the webhook, and /metrics counts them by outcome.
            access_log=None,
        )
    # port in use, address not available, data dir not writable, Redis unreachable (QueueUnavailable
    # is a ConnectionError, hence an OSError)
    except (OSError, sqlite3.Error, QueueInUse) as exc:
        print(f"hybridize-bot: cannot start: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
