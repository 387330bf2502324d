"""Installation tokens shared by the App's processes, sealed (issue 17: ETags are tied to the token).

GitHub's ETags vary with the Authorization header: a conditional request answered 304 for one token
gets a full 200 with another. With a token per process, what one process learnt (bot/etags.py) would
be worth nothing to the others, and each process would mint its own token per installation (an App
request each). So a token minted by one process is kept beside the queue (bot/state.py) for the
others, until shortly before it expires.

A token is stored sealed: AES-256-GCM under a key derived (HKDF-SHA256) from the App's private key,
with the installation id as associated data. Whoever reads the queue's Redis or BOT_DATA_DIR without
the private key gets nothing usable, and whoever has the private key can mint tokens anyway; a sealed
token cannot be replayed under another installation's id. See docs/security.md.
"""
from __future__ import annotations

import asyncio
import os
import struct
import time
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .auth import InstallationToken
from .sqlite_state import connect

_INFO = b"hybridize-bot installation tokens v1"
_NONCE_BYTES = 12


class TokenSeal:
    """Seals and opens installation tokens with a key only holders of the App's private key derive."""

    def __init__(self, private_key: str) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(private_key.encode())
        self._aead = AESGCM(key)

    def __repr__(self) -> str:  # never show the key
        return "TokenSeal()"

    def seal(self, installation: int, token: InstallationToken) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        plain = struct.pack(">d", token.expires_at) + token.token.encode()
        return nonce + self._aead.encrypt(nonce, plain, str(int(installation)).encode())

    def open(self, installation: int, sealed: bytes) -> InstallationToken | None:
        """The token, or None when it was sealed for another installation, another key, or altered."""
        try:
            plain = self._aead.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], str(int(installation)).encode())
        except (InvalidTag, ValueError):
            return None
        (expires_at,) = struct.unpack(">d", plain[:8])
        return InstallationToken(plain[8:].decode(), expires_at)


class TokenState(Protocol):
    """Sealed tokens per installation; an entry is gone once `expires_at` (epoch seconds) has passed."""

    async def get(self, installation: int) -> bytes | None: ...

    async def put(self, installation: int, sealed: bytes, expires_at: float) -> None: ...

    async def forget(self, installation: int) -> None: ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    installation INTEGER PRIMARY KEY,
    sealed BLOB NOT NULL,
    expires REAL NOT NULL
);
"""


class SqliteTokens:
    """The sealed tokens in BOT_DATA_DIR/requests.sqlite3 (the embedded queue's backend: they outlive
    a restart)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "requests.sqlite3"

    def _get(self, installation: int) -> bytes | None:
        with connect(self.path, _SCHEMA) as conn:
            row = conn.execute("SELECT sealed FROM tokens WHERE installation = ? AND expires > ?",
                               (int(installation), time.time())).fetchone()
        return bytes(row[0]) if row else None

    def _put(self, installation: int, sealed: bytes, expires_at: float) -> None:
        with connect(self.path, _SCHEMA) as conn:
            conn.execute("DELETE FROM tokens WHERE expires <= ?", (time.time(),))
            conn.execute("INSERT OR REPLACE INTO tokens VALUES (?, ?, ?)", (int(installation), sealed, expires_at))

    def _forget(self, installation: int) -> None:
        with connect(self.path, _SCHEMA) as conn:
            conn.execute("DELETE FROM tokens WHERE installation = ?", (int(installation),))

    async def get(self, installation: int) -> bytes | None:
        return await asyncio.to_thread(self._get, installation)

    async def put(self, installation: int, sealed: bytes, expires_at: float) -> None:
        await asyncio.to_thread(self._put, installation, sealed, expires_at)

    async def forget(self, installation: int) -> None:
        await asyncio.to_thread(self._forget, installation)


class SharedTokens:
    """bot/auth.py `TokenCache`'s shared store: sealed tokens on the state backend."""

    def __init__(self, state: TokenState, seal: TokenSeal) -> None:
        self.state, self._seal = state, seal

    async def load(self, installation_id: int) -> InstallationToken | None:
        sealed = await self.state.get(installation_id)
        return self._seal.open(installation_id, sealed) if sealed is not None else None

    async def save(self, installation_id: int, token: InstallationToken) -> None:
        await self.state.put(installation_id, self._seal.seal(installation_id, token), token.expires_at)
