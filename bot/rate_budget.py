"""The remaining GitHub rate limit of each installation, as its answers report it (issue 17).

An installation may make 5,000 REST requests an hour (up to 12,500 on large organisations); every
answer says how many are left (`x-ratelimit-remaining`) and when the window resets
(`x-ratelimit-reset`, epoch seconds).
https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#checking-the-status-of-your-rate-limit

The worker asks `not_before` before it runs a job: when the installation has fewer than `reserve`
requests left, the job is put back in the queue until the reset (bot/worker.py), not run into a wall
of 403s and failed. `reserve` is what one job may need (a cold review costs about 25 requests,
bench/RESULTS.md), so a job started above it can finish. The remaining count is also the
`hybridize_github_rate_limit_remaining` gauge (bot/metrics.py).

The windows live where the queue is (bot/state.py): `SqliteWindows` in BOT_DATA_DIR for the embedded
queue, `state_redis.RedisWindows` beside a Redis queue, so every process sees what any process's
answers said: one process's last requests of a window hold back the jobs every other process would run.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .sqlite_state import connect

# Enough for a cold review plus its follow-up (bench/RESULTS.md: about 25 requests).
DEFAULT_RESERVE = 50


@dataclass(frozen=True)
class Window:
    remaining: int
    reset: float  # epoch seconds


def window_of(headers: Mapping[str, str]) -> Window | None:
    """What an answer says about the core REST limit (GraphQL and search have their own)."""
    if headers.get("x-ratelimit-resource", "core") != "core":
        return None
    try:
        return Window(int(headers["x-ratelimit-remaining"]), float(headers["x-ratelimit-reset"]))
    except (KeyError, ValueError):
        return None


class RateWindows(Protocol):
    """Each installation's latest window. `lower` keeps a window that resets later or has fewer
    requests left: answers of one window arrive out of order under concurrency. A late answer of an
    old window may replace a new one; its reset is past, so it holds nothing back."""

    async def lower(self, installation: str, window: Window) -> None: ...

    async def get(self, installation: str) -> Window | None: ...

    async def forget(self, installation: str) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS rate_windows (
    installation TEXT PRIMARY KEY,
    remaining INTEGER NOT NULL,
    reset REAL NOT NULL
);
"""


class SqliteWindows:
    """The windows in BOT_DATA_DIR/requests.sqlite3 (the embedded queue's backend)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "requests.sqlite3"

    def _lower(self, installation: str, window: Window) -> None:
        with connect(self.path, _SCHEMA) as conn:
            conn.execute(
                "INSERT INTO rate_windows VALUES (?, ?, ?) ON CONFLICT(installation) DO UPDATE SET"
                " remaining = excluded.remaining, reset = excluded.reset"
                " WHERE excluded.reset > rate_windows.reset OR excluded.remaining < rate_windows.remaining",
                (installation, window.remaining, window.reset))

    def _get(self, installation: str) -> Window | None:
        with connect(self.path, _SCHEMA) as conn:
            row = conn.execute("SELECT remaining, reset FROM rate_windows WHERE installation = ?",
                               (installation,)).fetchone()
        return Window(int(row[0]), float(row[1])) if row else None

    def _forget(self, installation: str) -> None:
        with connect(self.path, _SCHEMA) as conn:
            conn.execute("DELETE FROM rate_windows WHERE installation = ?", (installation,))

    async def lower(self, installation: str, window: Window) -> None:
        await asyncio.to_thread(self._lower, installation, window)

    async def get(self, installation: str) -> Window | None:
        return await asyncio.to_thread(self._get, installation)

    async def forget(self, installation: str) -> None:
        await asyncio.to_thread(self._forget, installation)


class RateBudget:
    def __init__(self, windows: RateWindows, reserve: int = DEFAULT_RESERVE,
                 clock: Callable[[], float] = time.time) -> None:
        self.windows = windows
        self.reserve = reserve
        self._clock = clock
        self._written: dict[str, Window] = {}  # what this process last wrote, per installation

    async def observe(self, installation: str, headers: Mapping[str, str]) -> None:
        """Share what an answer says. Not every answer is written: far from the reserve, a count a few
        requests stale changes no decision, and a write per request would cost a round trip each."""
        window = window_of(headers)
        if window is None:
            return
        last = self._written.get(installation)
        step = max(1, self.reserve // 5)
        if (last is None or window.reset != last.reset or window.remaining < 2 * self.reserve
                or window.remaining <= last.remaining - step):
            self._written[installation] = window
            await self.windows.lower(installation, window)

    async def window(self, installation: str) -> Window | None:
        return await self.windows.get(installation)

    async def not_before(self, installation: str) -> float | None:
        """When a job of `installation` may run, if not now: the reset of a nearly spent window."""
        window = await self.windows.get(installation)
        if window is None or window.remaining >= self.reserve or window.reset <= self._clock():
            return None
        return window.reset
