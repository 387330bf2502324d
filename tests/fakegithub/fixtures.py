"""pytest fixtures: ``rsa_keypair`` (session) and ``fake_github`` (started, checked at teardown).

Enable in a test tree with ``pytest_plugins = ["tests.fakegithub.fixtures"]`` in tests/conftest.py.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import AsyncIterator

import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .server import FakeGitHub

APP_ID = 1234


@dataclass(frozen=True)
class RsaKeypair:
    private_pem: bytes
    public_pem: bytes


def make_keypair() -> RsaKeypair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return RsaKeypair(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption()),
        key.public_key().public_bytes(serialization.Encoding.PEM,
                                      serialization.PublicFormat.SubjectPublicKeyInfo))


def app_jwt(private_pem: bytes, app_id: int = APP_ID, lifetime_s: int = 540) -> str:
    """A GitHub App JWT as GitHub documents it (iat back-dated 60 s against clock drift)."""
    now = int(time.time())
    return jwt.encode({"iat": now - 60, "exp": now - 60 + lifetime_s, "iss": str(app_id)},
                      private_pem, algorithm="RS256")


@pytest.fixture(scope="session")
def rsa_keypair() -> RsaKeypair:
    return make_keypair()


@pytest_asyncio.fixture
async def fake_github(rsa_keypair: RsaKeypair) -> AsyncIterator[FakeGitHub]:
    """A started fake; the test fails at teardown if any request broke the OpenAPI description."""
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=rsa_keypair.public_pem)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    problems = [f"request violates GitHub's OpenAPI description: {v}" for v in fake.violations]
    problems += [f"fake GitHub bug, response breaks its schema: {v}" for v in fake.response_violations]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
