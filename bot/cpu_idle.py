"""How many CPUs are idle now, for lending the App's idle pool slots to one large analysis.

The 1-minute load average, used before, lags by a minute: after one cold review on 2 CPUs it stays
above 0.5 for about a minute, so a second review in that minute never got a lent process even with
both CPUs idle, and a burst of other work right before the call did not show. Sampling the kernel's
per-CPU counters (`/proc/stat`) every half second gives what the CPUs did over the last half second or
so instead (bench/RESULTS.md, "parwrite"). Where there is no `/proc/stat` (macOS), or before two
samples exist, the caller falls back to the load average.

The App's own CPU time over the window counts as idle: what the lent process would compete with is
other programs and other jobs, not the webhook handling and snapshot reads of the very review it is
lent to, which end when its analysis starts (in bench/pr_latency.py the fake GitHub, in the App's
process, compressing the head's archive kept both CPUs busy in the half second before the call).
"""
from __future__ import annotations

import asyncio
import os
import time
from collections import deque
from collections.abc import Callable, Collection

PROC_STAT = "/proc/stat"
PERIOD_S = 0.5
# The shortest span two samples must cover to be read: shorter ones are a few ticks (10 ms each).
MIN_WINDOW_S = 0.3


def cpu_counters(text: str, cpus: Collection[int]) -> tuple[int, int]:
    """(idle, total) clock ticks since boot summed over `cpus`, from the text of /proc/stat: its lines
    `cpuN user nice system idle iowait irq softirq steal guest guest_nice` (idle = idle + iowait; guest
    time is already counted in user, so total is the sum of the first eight)."""
    idle = total = 0
    for line in text.splitlines():
        if not line.startswith("cpu") or not line[3:4].isdigit():  # the all-CPU line is "cpu  ..."
            continue
        name, *fields = line.split()
        if int(name[3:]) not in cpus:
            continue
        values = [int(v) for v in fields[:8]]
        idle += values[3] + values[4]
        total += sum(values)
    return idle, total


def _read_proc_stat() -> str | None:
    try:
        with open(PROC_STAT, encoding="ascii") as f:
            return f.read()
    except OSError:
        return None


def usable_cpus() -> set[int]:
    """The CPUs this process may run on (a container's cpuset), not the host's."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


class CpuSampler:
    """Samples the usable CPUs' counters (`sample`, every `PERIOD_S` while `run` runs); `idle` reads how
    many CPUs' worth of time went idle, or to this process, between the latest sample at least
    `MIN_WINDOW_S` old and now."""

    def __init__(self, read: Callable[[], str | None] = _read_proc_stat,
                 clock: Callable[[], float] = time.monotonic, cpus: Collection[int] | None = None,
                 own_cpu: Callable[[], float] = time.process_time) -> None:
        self._read, self._clock, self._own_cpu = read, clock, own_cpu
        self._cpus = set(cpus) if cpus is not None else usable_cpus()
        # (time, idle ticks, total ticks, this process' CPU seconds)
        self._samples: deque[tuple[float, int, int, float]] = deque(maxlen=8)

    def _now(self) -> tuple[float, int, int, float] | None:
        text = self._read()
        if text is None:
            return None
        idle, total = cpu_counters(text, self._cpus)
        return (self._clock(), idle, total, self._own_cpu()) if total else None

    def sample(self) -> None:
        now = self._now()
        if now is not None:
            self._samples.append(now)

    def idle(self) -> float | None:
        """Idle CPUs (e.g. 1.7 of 2) over the last half second or so; None when there is no earlier
        sample to compare with (the sampler is not running, or no /proc/stat)."""
        now = self._now()
        if now is None:
            return None
        t, idle, total, own = now
        before = next((s for s in reversed(self._samples) if s[0] <= t - MIN_WINDOW_S), None)
        if before is None or total <= before[2]:
            return None
        cpus = len(self._cpus)
        idle_cpus = cpus * (idle - before[1]) / (total - before[2])
        return min(float(cpus), idle_cpus + max(0.0, own - before[3]) / (t - before[0]))

    async def run(self) -> None:
        """Sample every `PERIOD_S` until cancelled."""
        while True:
            self.sample()
            await asyncio.sleep(PERIOD_S)
