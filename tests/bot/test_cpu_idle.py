"""Idle CPUs from /proc/stat's per-CPU counters (bot/cpu_idle.py): the numbers below are written out by
hand from the format documented in proc(5)."""
from __future__ import annotations

import asyncio
import os

import pytest

from hybridize_bot.bot import context
from hybridize_bot.bot.cpu_idle import CpuSampler, cpu_counters

# user nice system idle iowait irq softirq steal guest guest_nice
BEFORE = """cpu  300 0 100 1600 0 0 0 0 0 0
cpu0 100 0 50 800 0 0 0 0 0 0
cpu1 200 0 50 800 0 0 0 0 0 0
cpu2 0 0 0 1000 0 0 0 0 0 0
intr 12345 0 0
ctxt 999
"""
# 50 ticks later on each CPU: cpu0 all idle (45 idle + 5 iowait), cpu1 busy 40 of 50, cpu2 (not ours) idle.
AFTER = """cpu  350 0 100 1700 0 0 0 0 0 0
cpu0 100 0 50 845 5 0 0 0 0 0
cpu1 230 0 60 810 0 0 0 0 7 0
cpu2 0 0 0 1050 0 0 0 0 0 0
intr 12400 0 0
"""


def test_counters_sum_idle_and_iowait_over_the_given_cpus_only() -> None:
    assert cpu_counters(BEFORE, {0, 1}) == (1600, 2000)
    assert cpu_counters(AFTER, {0, 1}) == (1660, 2100)  # guest (7) is inside user already: not added
    assert cpu_counters(AFTER, {2}) == (1050, 1050)
    assert cpu_counters("intr 1 2\n", {0}) == (0, 0)


class _Feed:
    def __init__(self, texts: list[str], times: list[float]) -> None:
        self.texts, self.times = texts, times

    def read(self) -> str:
        return self.texts.pop(0)

    def clock(self) -> float:
        return self.times.pop(0)


def _no_own_cpu() -> float:
    return 0.0


def test_idle_is_the_idle_share_of_the_window_times_the_cpus() -> None:
    feed = _Feed([BEFORE, AFTER], [10.0, 10.5])
    sampler = CpuSampler(feed.read, feed.clock, cpus={0, 1}, own_cpu=_no_own_cpu)
    sampler.sample()
    # cpu0 50 of 50 ticks idle, cpu1 10 of 50: 60 of 100 ticks over two CPUs = 1.2 CPUs idle.
    assert sampler.idle() == pytest.approx(1.2)


def test_this_process_own_cpu_counts_as_idle() -> None:
    """The App's own work in the window (0.2 s of CPU in 0.5 s: 0.4 CPU) is not competition for the
    process it lends: 1.2 + 0.4 = 1.6 CPUs; never more than the CPUs there are."""
    feed = _Feed([BEFORE, AFTER], [10.0, 10.5])
    own = iter([3.0, 3.2])
    sampler = CpuSampler(feed.read, feed.clock, cpus={0, 1}, own_cpu=lambda: next(own))
    sampler.sample()
    assert sampler.idle() == pytest.approx(1.6)
    feed = _Feed([BEFORE, AFTER], [10.0, 10.5])
    own = iter([3.0, 3.9])  # 1.8 CPUs of its own (threads), besides 1.2 idle: capped at 2
    sampler = CpuSampler(feed.read, feed.clock, cpus={0, 1}, own_cpu=lambda: next(own))
    sampler.sample()
    assert sampler.idle() == pytest.approx(2.0)


def test_no_answer_without_an_old_enough_sample() -> None:
    feed = _Feed([BEFORE, AFTER, AFTER], [10.0, 10.1, 10.2])
    sampler = CpuSampler(feed.read, feed.clock, cpus={0, 1}, own_cpu=_no_own_cpu)
    assert sampler.idle() is None  # nothing sampled yet (reads BEFORE, compares with nothing)
    sampler.sample()  # at 10.1
    assert sampler.idle() is None  # 0.1 s is a few ticks: too short to say
    no_proc = CpuSampler(lambda: None, feed.clock, cpus={0})
    no_proc.sample()
    assert no_proc.idle() is None


def test_idle_cpus_prefers_the_sampler_and_falls_back_to_the_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context.os, "getloadavg", lambda: (1.8, 1.0, 1.0))  # a minute of one busy CPU and more
    monkeypatch.setattr(context.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    feed = _Feed([BEFORE, AFTER], [10.0, 10.5])
    sampler = CpuSampler(feed.read, feed.clock, cpus={0, 1}, own_cpu=_no_own_cpu)
    sampler.sample()
    assert context.idle_cpus(sampler) == 1  # 1.2 idle now
    assert context.idle_cpus(CpuSampler(lambda: None, cpus={0, 1})) == 0  # no samples: 2 - 1.8, rounded
    assert context.idle_cpus() == 0


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs Linux's /proc/stat")
async def test_the_sampler_reads_this_machine() -> None:
    """On the real /proc/stat, with the sampler task running: an answer between 0 and the CPU count."""
    sampler = CpuSampler()
    task = asyncio.ensure_future(sampler.run())
    try:
        await asyncio.sleep(0.9)
        idle = sampler.idle()
        assert idle is not None and 0.0 <= idle <= len(os.sched_getaffinity(0)) + 1e-9
    finally:
        task.cancel()
