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
