"""Where the App's durable per-pull-request state lives: beside the queue (issue 13, item 4).

- the follow-up records (`followup.store.FollowupRecord`: the bot's last commit on each follow-up
  branch, the pull request opened for it, what a person dismissed);
- the command state (rules ignored per pull request; comments already acted on);
- what GitHub's answers said: each installation's rate-limit window (bot/rate_budget.py) and the
  ETags of conditional requests (bot/etags.py), keyed by installation and token, and the tokens
  themselves, sealed (bot/token_store.py).

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
from .etags import EtagState, SqliteEtags
from .followup.store import FollowupRecord, FollowupStore
from .pulls.blob_store import BlobStoreFactory
from .rate_budget import RateWindows, SqliteWindows
from .token_store import SqliteTokens, TokenState


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
    # Rate-limit windows and ETags (bot/github.py `GitHubApp` is given these).
    windows: RateWindows | None = None
    etags: EtagState | None = None
    # Sealed installation tokens, so that every process uses the one its ETags were answered for.
    tokens: TokenState | None = None

    async def forget_installation(self, installation: int) -> None:
        """Drop what GitHub's answers to an installation left (it was uninstalled)."""
        if self.windows is not None:
            await self.windows.forget(str(installation))
        if self.etags is not None:
            await self.etags.forget(installation)
        if self.tokens is not None:
            await self.tokens.forget(installation)


def sqlite_stores(data_dir: Path) -> Stores:
    """The embedded default: SQLite files in BOT_DATA_DIR."""
    return Stores(FollowupStore(data_dir), CommandStore(data_dir),
                  windows=SqliteWindows(data_dir), etags=SqliteEtags(data_dir), tokens=SqliteTokens(data_dir))
