"""Shared pieces for the bot-core tests: a real RSA key, settings, signed webhook requests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis.asyncio as aioredis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hybridize_bot.bot.settings import Settings
from hybridize_bot.bot.webhook import signature_for
from tests.github import example  # noqa: F401  (re-exported for the bot tests)
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures of `two_handles`)

T = TypeVar("T")

SECRET = "It's a Secret to Everybody"
APP_ID = "4242"


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def private_pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture(scope="session")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def make_settings(tmp_path: Path, private_pem: str) -> Callable[..., Settings]:
    """Settings as from the environment, with fast retries; keyword arguments are env overrides."""

    def make(**env: str) -> Settings:
        base = {
            "GITHUB_APP_ID": APP_ID,
            "GITHUB_PRIVATE_KEY": private_pem,
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_API_URL": "http://127.0.0.1:9",  # discard port: nothing should call it
            "BOT_DATA_DIR": str(tmp_path / "data"),
            "WORKERS": "1",
            "GITHUB_RETRY_BASE_DELAY": "0.01",
            "GITHUB_MAX_RETRY_WAIT": "5",
            "GITHUB_SECONDARY_RATE_WAIT": "0.05",
            "BOT_JOB_RETRY_BASE_DELAY": "0.05",
        }
        base.update(env)
        return Settings.from_env(base)

    return make


def signed_headers(
    body: bytes, event: str, *, delivery: str | None = None, secret: str = SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": signature_for(secret, body),
    }


@dataclass
class TwoHandles:
    """Two independent handles on one state backend, as two worker processes hold them."""

    kind: str  # "sqlite" | "redis"
    tmp_path: Path
    clients: list[Any]

    def pair(self, on_sqlite: Callable[[Path], T], on_redis: Callable[[Any], T]) -> tuple[T, T]:
        if self.kind == "sqlite":
            return on_sqlite(self.tmp_path), on_sqlite(self.tmp_path)
        return on_redis(self.clients[0]), on_redis(self.clients[1])


@pytest.fixture(params=["sqlite", "redis"])
async def two_handles(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TwoHandles]:
    """SQLite files in one directory, or two clients of one real redis-server (flushed)."""
    if request.param == "sqlite":
        yield TwoHandles("sqlite", tmp_path, [])
        return
    url = request.getfixturevalue("redis_url")
    clients = [aioredis.Redis.from_url(url) for _ in range(2)]
    yield TwoHandles("redis", tmp_path, clients)
    for client in clients:
        await client.aclose()
