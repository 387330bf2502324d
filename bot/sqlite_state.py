"""Small durable state files in BOT_DATA_DIR (follow-up branches, command state): one way to open them."""
from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def connect(path: Path, schema: str) -> Iterator[sqlite3.Connection]:
    """A connection with the schema in place, committed on success, rolled back on error, and closed.

    WAL lets the webhook workers (threads) read while one writes; the 30 s timeout waits out a writer.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(schema)
        with conn:
            yield conn
    finally:
        conn.close()
