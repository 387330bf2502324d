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

Each process learns from its own answers; with several processes on one Redis queue, one that has
not yet talked to an installation this window runs one job and learns from its first answer.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Enough for a cold review plus its follow-up (bench/RESULTS.md: about 25 requests).
DEFAULT_RESERVE = 50


@dataclass(frozen=True)
class Window:
    remaining: int
    reset: float  # epoch seconds


class RateBudget:
    def __init__(self, reserve: int = DEFAULT_RESERVE, clock: Callable[[], float] = time.time) -> None:
        self.reserve = reserve
        self._clock = clock
        self._windows: dict[str, Window] = {}

    def observe(self, installation: str, headers: Mapping[str, str]) -> None:
        """Record what an answer says about the core REST limit (GraphQL and search have their own)."""
        if headers.get("x-ratelimit-resource", "core") != "core":
            return
        try:
            window = Window(int(headers["x-ratelimit-remaining"]), float(headers["x-ratelimit-reset"]))
        except (KeyError, ValueError):
            return
        known = self._windows.get(installation)
        # Answers of one window arrive out of order under concurrency: keep the lowest count seen.
        if known is None or window.reset > known.reset or window.remaining < known.remaining:
            self._windows[installation] = window

    def window(self, installation: str) -> Window | None:
        return self._windows.get(installation)

    def not_before(self, installation: str) -> float | None:
        """When a job of `installation` may run, if not now: the reset of a nearly spent window."""
        window = self._windows.get(installation)
        if window is None or window.remaining >= self.reserve or window.reset <= self._clock():
            return None
        return window.reset
