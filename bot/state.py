"""Where the App's durable per-pull-request state lives: beside the queue (issue 13, item 4).

- the follow-up records (`followup.store.FollowupRecord`: the bot's last commit on each follow-up
  branch, the pull request opened for it, what a person dismissed);
- the command state (rules ignored per pull request; comments already acted on).

With the embedded queue they are SQLite files in BOT_DATA_DIR (one process). With a Redis queue they
are on the same Redis (bot/state_redis.py), so every worker process sees the same records: a process
that did not open a follow-up still knows it, and a command handled by one is not run by another.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .commands.store import CommandStore
from .followup.store import FollowupRecord, FollowupStore
from .pulls.blob_store import BlobStoreFactory


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


# Deletes the records of repositories ("owner/name") and/or of every repository of an account, when the
# App loses access to them (bot/installations.py); returns how many records went.
Forget = Callable[[Iterable[str], "str | None"], Awaitable[int]]


async def _forget_nothing(full_names: Iterable[str], account: str | None) -> int:
    # The SQLite files lie in BOT_DATA_DIR, where bot/private_data.py purges them with the blobs.
    return 0


@dataclass(frozen=True)
class Stores:
    followups: FollowupState
    commands: CommandState
    # For stores outside BOT_DATA_DIR (the queue's Redis), which bot/private_data.py's purge cannot reach.
    forget: Forget = _forget_nothing
    # The content-addressed cache of repository content (bot/pulls/blob_store.py); None: files in
    # BOT_DATA_DIR (`BlobCache`), shared by the workers of one process.
    blobs: BlobStoreFactory | None = None


def sqlite_stores(data_dir: Path) -> Stores:
    """The embedded default: SQLite files in BOT_DATA_DIR."""
    return Stores(FollowupStore(data_dir), CommandStore(data_dir))
