"""KeyedLocks and ProcessRunner (run_in_process) of the BotContext."""

from __future__ import annotations

import asyncio
import os
import time

import pytest

from hybridize_bot.bot.context import AnalysisTimeout, KeyedLocks, ProcessRunner


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


async def test_keyed_locks_serialize_one_key_only() -> None:
    locks = KeyedLocks()
    log: list[str] = []

    async def job(key: str, name: str) -> None:
        async with locks(key):
            log.append(f"{name} start")
            await asyncio.sleep(0.05)
            log.append(f"{name} end")

    await asyncio.gather(job("pr-1", "a"), job("pr-1", "b"), job("pr-2", "c"))
    assert log.index("a end") < log.index("b start")  # same key: one after the other
    assert log.index("c start") < log.index("a end")  # other key: concurrently
    assert len(locks) == 0  # nothing left behind


async def test_run_in_process_runs_elsewhere_and_times_out_without_killing_the_pool() -> None:
    runner = ProcessRunner(1)
    try:
        pid, value = await runner.run(_pid_and_square, 12, timeout=60)
        assert value == 144 and pid != os.getpid()
        started = time.monotonic()
        with pytest.raises(AnalysisTimeout):
            await runner.run(_sleep, 30, timeout=0.5)
        assert time.monotonic() - started < 5
        # The budget stopped the call inside its worker: the same process serves the next call.
        same_pid, value = await runner.run(_pid_and_square, 3, timeout=60)
        assert value == 9 and same_pid == pid
    finally:
        runner.shutdown()


async def test_a_slow_call_does_not_fail_the_call_running_beside_it() -> None:
    runner = ProcessRunner(2)
    try:
        slow = asyncio.ensure_future(runner.run(_sleep, 30, timeout=0.5))
        other = asyncio.ensure_future(runner.run(_sleep, 1.0, timeout=60))
        with pytest.raises(AnalysisTimeout):
            await slow
        assert await other == "slept"  # a killed pool would raise BrokenProcessPool here
    finally:
        runner.shutdown()


def _ignore_budget(seconds: float) -> str:
    """Swallows the budget's exception, as code stuck outside Python would never see it."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            time.sleep(deadline - time.monotonic())
        except BaseException:  # noqa: BLE001
            pass
    return "done"


async def test_a_call_that_ignores_its_budget_gets_its_pool_replaced() -> None:
    runner = ProcessRunner(1, grace_s=0.5)
    try:
        pid, _ = await runner.run(_pid_and_square, 2, timeout=60)
        started = time.monotonic()
        with pytest.raises(AnalysisTimeout):
            await runner.run(_ignore_budget, 30, timeout=0.5)
        assert time.monotonic() - started < 5
        new_pid, value = await runner.run(_pid_and_square, 3, timeout=60)
        assert value == 9 and new_pid != pid
    finally:
        runner.shutdown()


async def test_a_killed_pool_is_replaced_at_once_by_started_workers() -> None:
    runner = ProcessRunner(1, grace_s=0.5)
    try:
        await runner.start()
        (first,) = runner.worker_pids()
        with pytest.raises(AnalysisTimeout):
            await runner.run(_ignore_budget, 30, timeout=0.5)
        await runner.ready()  # the replacement was started without waiting for a call
        (replacement,) = runner.worker_pids()
        assert replacement != first
        pid, _ = await runner.run(_pid_and_square, 3, timeout=60)
        assert pid == replacement
    finally:
        runner.shutdown()


async def test_start_starts_every_worker_before_the_first_call() -> None:
    runner = ProcessRunner(2)
    try:
        assert runner.worker_pids() == set()
        await runner.start()
        started = runner.worker_pids()
        assert len(started) == 2
        pid, _ = await runner.run(_pid_and_square, 3, timeout=60)
        assert pid in started
    finally:
        runner.shutdown()


def _started_at(seconds: float) -> float:
    started = time.monotonic()
    time.sleep(seconds)
    return started


async def test_time_waiting_for_a_worker_does_not_count_against_a_call() -> None:
    # One worker, two calls of 1 s each with a 1.5 s budget and 0.3 s grace: the second waits about 1 s
    # for the worker, so counted from submission it would pass its last-resort deadline (1.8 s) before it
    # finished (2 s) and the pool would be killed for a call that ran well within its budget.
    runner = ProcessRunner(1, grace_s=0.3)
    try:
        await runner.run(_pid_and_square, 1, timeout=60)  # the worker process is running
        first = asyncio.ensure_future(runner.run(_sleep, 1.0, timeout=1.5))
        second = asyncio.ensure_future(runner.run(_sleep, 1.0, timeout=1.5))
        assert await first == "slept"
        assert await second == "slept"
    finally:
        runner.shutdown()


async def test_calls_waiting_for_a_worker_start_in_submission_order() -> None:
    runner = ProcessRunner(1)
    try:
        calls = [asyncio.ensure_future(runner.run(_started_at, 0.2, timeout=60)) for _ in range(4)]
        started = [await call for call in calls]
        assert started == sorted(started)
    finally:
        runner.shutdown()


def _jobs_given(tag: str, *, jobs: int) -> tuple[str, int]:
    return tag, jobs


async def test_a_wide_call_takes_the_idle_slots_and_says_how_many_it_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A review's analysis (`wide=True`) gets `jobs=` the pool's slots it could take without waiting:
    all of them on an idle pool of an idle machine, only its own while another call runs or while the
    machine has no idle CPU for another process; calls submitted while it holds them wait for it."""
    from hybridize_bot.bot import context

    runner = ProcessRunner(2)
    try:
        monkeypatch.setattr(context, "idle_cpus", lambda *_: 1)  # a loaded machine: one CPU, the call's own
        assert await runner.run(_jobs_given, "loaded machine", timeout=60, wide=True) == ("loaded machine", 1)
        monkeypatch.setattr(context, "idle_cpus", lambda *_: 2)
        assert await runner.run(_jobs_given, "idle pool", timeout=60, wide=True) == ("idle pool", 2)
        busy = asyncio.ensure_future(runner.run(_sleep, 1.0, timeout=60))
        await asyncio.sleep(0)  # let it take its slot (no time passes)
        assert await runner.run(_jobs_given, "busy pool", timeout=60, wide=True) == ("busy pool", 1)
        assert await busy == "slept"
        done: list[str] = []
        holder = asyncio.ensure_future(runner.run(_sleep_with_jobs, 1.0, timeout=60, wide=True))
        await asyncio.sleep(0)  # it holds both slots now
        later = asyncio.ensure_future(runner.run(_pid_and_square, 4, timeout=60))
        holder.add_done_callback(lambda _f: done.append("wide"))
        later.add_done_callback(lambda _f: done.append("later"))
        assert await holder == ("slept", 2)
        assert (await later)[1] == 16
        assert done == ["wide", "later"]  # the later call waited for a slot, not beside the wide one
    finally:
        runner.shutdown()


def _sleep_with_jobs(seconds: float, *, jobs: int) -> tuple[str, int]:
    return _sleep(seconds), jobs


def test_idle_cpus_counts_the_cpus_this_process_may_use(monkeypatch: pytest.MonkeyPatch) -> None:
    # A container pinned to 2 of the host's 64 CPUs, at load 1.2: one idle CPU, not 63.
    from hybridize_bot.bot import context

    monkeypatch.setattr(context.os, "getloadavg", lambda: (1.2, 1.0, 1.0))
    monkeypatch.setattr(context.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(context.os, "cpu_count", lambda: 64)
    assert context.idle_cpus() == 1


async def test_start_loads_the_rule_registry_into_this_process() -> None:
    """Publishing reads each finding's rule (name, documentation link): the registry's first load imports
    every rule module, which the App does at start, not on the first review's way to its check run."""
    from hybridize_bot.analysis.rules import all_rules

    all_rules.cache_clear()
    runner = ProcessRunner(1)
    try:
        await runner.start()
        assert all_rules.cache_info().currsize == 1
    finally:
        runner.shutdown()


async def test_idle_slots_counts_what_running_calls_do_not_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    from hybridize_bot.bot import context

    runner = ProcessRunner(2)
    try:
        assert runner.idle_slots() == 2
        one = asyncio.ensure_future(runner.run(_sleep, 0.5, timeout=60))
        await asyncio.sleep(0)  # it takes its slot
        assert runner.idle_slots() == 1
        assert await one == "slept"
        assert runner.idle_slots() == 2
        monkeypatch.setattr(context, "idle_cpus", lambda *_: 2)
        wide = asyncio.ensure_future(runner.run(_sleep_with_jobs, 0.5, timeout=60, wide=True))
        await asyncio.sleep(0)  # it holds both slots
        assert runner.idle_slots() == 0
        assert await wide == ("slept", 2)
        assert runner.idle_slots() == 2
    finally:
        runner.shutdown()
