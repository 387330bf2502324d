"""Durable command state in `BOT_DATA_DIR/commands.sqlite3`: rules ignored per pull request, and the
comments already acted on (a retried job or a re-sent event never runs a command twice)."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from pathlib import Path

from ..sqlite_state import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ignored (
    repo       TEXT    NOT NULL,   -- "owner/name", lower case
    number     INTEGER NOT NULL,
    code       TEXT    NOT NULL,
    by_login   TEXT    NOT NULL,
    created_at REAL    NOT NULL,
    PRIMARY KEY (repo, number, code)
);
CREATE TABLE IF NOT EXISTS handled (
    repo       TEXT    NOT NULL,
    comment_id INTEGER NOT NULL,
    created_at REAL    NOT NULL,
    PRIMARY KEY (repo, comment_id)
);
"""


class CommandStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "commands.sqlite3"

    def _connect(self) -> contextlib.AbstractContextManager[sqlite3.Connection]:
        return connect(self.path, _SCHEMA)

    # ---- ignored rules
    def ignored_sync(self, repo: str, number: int) -> set[str]:
        with self._connect() as conn:
            rows = conn.execute("SELECT code FROM ignored WHERE repo = ? AND number = ?",
                                (repo.lower(), int(number))).fetchall()
        return {r[0] for r in rows}

    def ignored_by_sync(self, repo: str, number: int) -> dict[str, str]:
        """Ignored rule code -> the login of the person who ignored it."""
        with self._connect() as conn:
            rows = conn.execute("SELECT code, by_login FROM ignored WHERE repo = ? AND number = ?",
                                (repo.lower(), int(number))).fetchall()
        return {r[0]: r[1] for r in rows}

    def ignore_sync(self, repo: str, number: int, codes: set[str], by_login: str) -> None:
        with self._connect() as conn:
            conn.executemany("INSERT OR IGNORE INTO ignored VALUES (?, ?, ?, ?, ?)",
                             [(repo.lower(), int(number), c, by_login, time.time()) for c in sorted(codes)])

    def unignore_sync(self, repo: str, number: int, codes: set[str]) -> None:
        with self._connect() as conn:
            conn.executemany("DELETE FROM ignored WHERE repo = ? AND number = ? AND code = ?",
                             [(repo.lower(), int(number), c) for c in sorted(codes)])

    # ---- handled comments
    def is_handled_sync(self, repo: str, comment_id: int) -> bool:
        with self._connect() as conn:
            row = conn.execute("SELECT 1 FROM handled WHERE repo = ? AND comment_id = ?",
                               (repo.lower(), int(comment_id))).fetchone()
        return row is not None

    def mark_handled_sync(self, repo: str, comment_id: int) -> None:
        with self._connect() as conn:
            conn.execute("INSERT OR IGNORE INTO handled VALUES (?, ?, ?)", (repo.lower(), int(comment_id), time.time()))

    # ---- async wrappers (SQLite calls run in a thread, off the event loop)
    async def ignored(self, repo: str, number: int) -> set[str]:
        return await asyncio.to_thread(self.ignored_sync, repo, number)

    async def ignored_by(self, repo: str, number: int) -> dict[str, str]:
        return await asyncio.to_thread(self.ignored_by_sync, repo, number)

    async def ignore(self, repo: str, number: int, codes: set[str], by_login: str) -> None:
        await asyncio.to_thread(self.ignore_sync, repo, number, codes, by_login)

    async def unignore(self, repo: str, number: int, codes: set[str]) -> None:
        await asyncio.to_thread(self.unignore_sync, repo, number, codes)

    async def is_handled(self, repo: str, comment_id: int) -> bool:
        return await asyncio.to_thread(self.is_handled_sync, repo, comment_id)

    async def mark_handled(self, repo: str, comment_id: int) -> None:
        await asyncio.to_thread(self.mark_handled_sync, repo, comment_id)
