"""The lease a job holds on its pull request, checked before each write to GitHub (issue 13, point 8).

The per-PR lock across processes (bot/locks.py) is a lease: under a long pause (a loaded machine, a
stalled event loop) it can run out while its job is still going, another process takes it, and both
jobs then read "no summary comment yet" and each create one. A lease alone cannot prevent that, so
every write is fenced: right before a GitHub client (bot/github.py) sends anything but a GET, it
renews the lease of the lock its task holds, which fails when the lease ran out, and the write is not
sent (`LeaseLost`, a transient failure: the queue retries the job, which reads afresh under the lock).
Renewing rather than only checking gives the write a whole lease to land in.

The lease travels in a context variable set by the lock for the code inside `async with locks(...)`
(and the tasks it starts), so the client needs no new argument; outside any lock (one process with
in-process locks, the app's own requests) there is nothing to check.
"""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Protocol


class LeaseLost(Exception):
    """The per-PR lease ran out before a write: another worker may hold the pull request now."""


class Lease(Protocol):
    async def renew(self) -> None:
        """Extend the lease to its full length; raise `LeaseLost` when it is no longer ours."""


_current: contextvars.ContextVar[Lease | None] = contextvars.ContextVar("hybridize_lease", default=None)


@contextlib.contextmanager
def holding(lease: Lease) -> Iterator[None]:
    """Mark `lease` as the one the current task (and tasks it starts) writes under."""
    token = _current.set(lease)
    try:
        yield
    finally:
        _current.reset(token)


async def before_write() -> None:
    """Renew the current lease, if any; raises `LeaseLost` when it ran out."""
    lease = _current.get()
    if lease is not None:
        await lease.renew()
