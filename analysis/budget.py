"""Time budgets that interrupt pure-Python analysis: one per file, one per job (issue 17, point 5).

A budget is a deadline enforced by SIGALRM (`signal.setitimer`), so it interrupts the analysis in the
process that runs it and nothing else: the bot's process pool survives a file or a job that runs too
long, where killing the worker took down every other analysis sharing the pool. Budgets nest (a file's
inside a job's): the timer is always set to the nearest deadline, and the exception names the outermost
budget that has run out, so a job whose time is up is not mistaken for one slow file.

Signals reach only the main thread; elsewhere (an analysis run in a thread) a budget is not enforced
and `time_budget` only records it. The bot runs analyses in worker processes, whose tasks run on the main
thread, and the CLI runs on the main thread.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

T = TypeVar("T")

# Seconds one file may take in one phase (facts, then rules) before it fails with one HYB000 finding.
# HYBRIDIZE_FILE_SECONDS overrides it (0 or less: no limit).
DEFAULT_FILE_SECONDS = 20.0


def file_seconds() -> float | None:
    value = os.environ.get("HYBRIDIZE_FILE_SECONDS")
    seconds = float(value) if value else DEFAULT_FILE_SECONDS
    return seconds if seconds > 0 else None


class Budget:
    """One deadline (time.monotonic()) and what it is for ('file', 'job')."""

    __slots__ = ("deadline", "seconds", "what")

    def __init__(self, seconds: float, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self.deadline = time.monotonic() + seconds


class BudgetExceeded(Exception):
    """The analysis ran past `budget` (the outermost budget whose deadline has passed)."""

    def __init__(self, budget: Budget) -> None:
        super().__init__(f"{budget.what} exceeded its time budget of {budget.seconds:g} s")
        self.budget = budget

    def __reduce__(self) -> tuple:  # crosses process pools: rebuild from the budget, not the message
        return (BudgetExceeded, (self.budget,))


_active: list[Budget] = []  # outermost first; only the main thread touches it


def _on_alarm(signum: int, frame: object) -> None:
    now = time.monotonic()
    for budget in _active:
        if budget.deadline <= now:
            raise BudgetExceeded(budget)
    _arm()  # woken early (a budget was left in the meantime): wait for the nearest deadline


def _arm() -> None:
    if _active:
        nearest = min(b.deadline for b in _active)
        signal.setitimer(signal.ITIMER_REAL, max(nearest - time.monotonic(), 0.001))
    else:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _enforceable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_budget(seconds: float | None, what: str) -> Iterator[Budget | None]:
    """Raise BudgetExceeded inside the block once `seconds` have passed (None: no budget)."""
    if seconds is None or not _enforceable():
        yield None
        return
    budget = Budget(seconds, what)
    previous = signal.getsignal(signal.SIGALRM) if not _active else None
    if not _active:
        signal.signal(signal.SIGALRM, _on_alarm)
    _active.append(budget)
    _arm()
    try:
        yield budget
    finally:
        _active.remove(budget)
        _arm()
        if not _active:
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)


def run_with_budget(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` under a job budget (picklable, for process pools): the worker stops it, so the pool
    survives."""
    with time_budget(seconds, "job"):
        return fn(*args)
