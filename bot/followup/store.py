"""Durable per-pull-request state of follow-ups, in `BOT_DATA_DIR/followups.sqlite3`.

What must survive a restart: the last commit the bot made on each follow-up branch (to tell whether
somebody else pushed to it), the change set it holds, the pull request opened for it, and whether a
person dismissed it. GitHub stays the source of truth for everything else; if this file is lost the
bot recognises its own commits by author and trailer (`naming.TRAILER`).
"""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from ..sqlite_state import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS followups (
    repo            TEXT    NOT NULL,   -- "owner/name", lower case
    number          INTEGER NOT NULL,   -- the source pull request
    branch          TEXT    NOT NULL,
    mode            TEXT    NOT NULL DEFAULT 'source',  -- 'source' (on the PR head) | 'base' (after merge)
    last_commit     TEXT,               -- the last commit the bot put on the branch
    parent          TEXT,               -- the commit that commit is based on
    fixes_key       TEXT,
    followup_number INTEGER,            -- the open follow-up pull request, NULL when none
    requested       TEXT,               -- level a person asked for with `fix`: 'safe' | 'gated'
    dismissed_key   TEXT,               -- fixes a person closed the follow-up for
    warned_sha      TEXT,               -- branch head we already said "somebody else pushed" about
    updated_at      REAL    NOT NULL,
    PRIMARY KEY (repo, number)
);
"""


@dataclass(frozen=True)
class FollowupRecord:
    repo: str
    number: int
    branch: str
    mode: str = "source"
    last_commit: str | None = None
    parent: str | None = None
    fixes_key: str | None = None
    followup_number: int | None = None
    requested: str | None = None
    dismissed_key: str | None = None
    warned_sha: str | None = None

    def but(self, **changes: object) -> FollowupRecord:
        return replace(self, **changes)  # type: ignore[arg-type]


_COLUMNS = [f.name for f in fields(FollowupRecord)]


class FollowupStore:
    """Tiny synchronous SQLite store; every call opens its own connection (used from threads)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "followups.sqlite3"

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return connect(self.path, _SCHEMA)

    def get_sync(self, repo: str, number: int) -> FollowupRecord | None:
        with self._connect() as conn:
            row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM followups WHERE repo = ? AND number = ?",
                               (repo.lower(), int(number))).fetchone()
        if row is None:
            return None
        return FollowupRecord(**dict(zip(_COLUMNS, row)))

    def put_sync(self, record: FollowupRecord) -> None:
        values = asdict(record)
        values["repo"] = record.repo.lower()
        names = ", ".join(_COLUMNS)
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._connect() as conn:
            conn.execute(f"INSERT OR REPLACE INTO followups ({names}, updated_at) VALUES ({marks}, ?)",
                         [values[c] for c in _COLUMNS] + [time.time()])

    async def get(self, repo: str, number: int) -> FollowupRecord | None:
        return await asyncio.to_thread(self.get_sync, repo, number)

    async def put(self, record: FollowupRecord) -> None:
        await asyncio.to_thread(self.put_sync, record)
