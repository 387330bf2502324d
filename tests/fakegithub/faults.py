"""Scripted failures: the answers a bot must survive from a real GitHub."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    method: str                       # "GET", ... or "*"
    path_regex: re.Pattern[str]
    status: int | None                # None: only ``delay``, then answer normally
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None                  # dict/list -> JSON, str/bytes -> as is
    delay: float = 0.0
    reset_connection: bool = False
    # Apply the request as GitHub would, then answer `status` anyway: a write GitHub processed whose
    # answer was lost (a 502 from its front end). A client that retries it blindly writes twice.
    after_apply: bool = False
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and self.fired < self.times and bool(self.path_regex.search(path))


class FaultPlan:
    """Faults are consumed in the order they were injected, each at most ``times`` times."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        self.faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, path):
                fault.fired += 1
                return fault
        return None

    @property
    def fired(self) -> int:
        return sum(f.fired for f in self.faults)

    def pending(self) -> list[Fault]:
        return [f for f in self.faults if f.fired < f.times]
