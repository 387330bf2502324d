"""Where the App's durable per-pull-request state lives: beside the queue (issue 13, item 4).

- the follow-up records (`followup.store.FollowupRecord`: the bot's last commit on each follow-up
  branch, the pull request opened for it, what a person dismissed);
- the command state (rules ignored per pull request; comments already acted on).

With the embedded queue they are SQLite files in BOT_DATA_DIR (one process). With a Redis queue they
are on the same Redis (bot/state_redis.py), so every worker process sees the same records: a process
that did not open a follow-up still knows it, and a command handled by one is not run by another.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .commands.store import CommandStore
from .followup.store import FollowupRecord, FollowupStore


class FollowupState(Protocol):
    async def get(self, repo: str, number: int) -> FollowupRecord | None: ...

    async def put(self, record: FollowupRecord) -> None: ...


class CommandState(Protocol):
    async def ignored(self, repo: str, number: int) -> set[str]: ...

    async def ignored_by(self, repo: str, number: int) -> dict[str, str]: ...

    async def ignore(self, repo: str, number: int, codes: set[str], by_login: str) -> None: ...

    async def unignore(self, repo: str, number: int, codes: set[str]) -> None: ...

    async def is_handled(self, repo: str, comment_id: int) -> bool: ...

    async def mark_handled(self, repo: str, comment_id: int) -> None: ...


@dataclass(frozen=True)
class Stores:
    followups: FollowupState
    commands: CommandState


def sqlite_stores(data_dir: Path) -> Stores:
    """The embedded default: SQLite files in BOT_DATA_DIR."""
    return Stores(FollowupStore(data_dir), CommandStore(data_dir))
