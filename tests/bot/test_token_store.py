"""Installation tokens shared by the App's processes, sealed under a key derived from the private key."""
from __future__ import annotations

import pytest

from hybridize_bot.bot.auth import InstallationToken, TokenCache
from hybridize_bot.bot.state_redis import RedisTokens
from hybridize_bot.bot.token_store import SharedTokens, SqliteTokens, TokenSeal, TokenState

KEY = "-----BEGIN PRIVATE KEY-----\nnot a real key, only key material for the derivation\n-----END PRIVATE KEY-----\n"
FAR = 4_000_000_000.0  # an expiry in 2096


def test_a_sealed_token_opens_only_for_its_installation_and_key() -> None:
    seal = TokenSeal(KEY)
    sealed = seal.seal(7, InstallationToken("ghs_secret", FAR))
    assert b"ghs_secret" not in sealed
    assert seal.open(7, sealed) == InstallationToken("ghs_secret", FAR)
    assert seal.open(8, sealed) is None  # replayed under another installation
    assert TokenSeal(KEY + "x").open(7, sealed) is None  # another App's key
    assert seal.open(7, sealed[:-1] + bytes([sealed[-1] ^ 1])) is None  # altered


@pytest.fixture
def two_views(two_handles) -> tuple[TokenState, TokenState]:
    return two_handles.pair(SqliteTokens, lambda client: RedisTokens(client, "t:"))


async def test_a_token_minted_by_one_process_is_used_by_the_other(two_views) -> None:
    one, other = two_views
    minted: list[str] = []

    def fetcher(name: str):
        async def fetch(installation_id: int) -> InstallationToken:
            minted.append(name)
            return InstallationToken(f"ghs_{name}_{len(minted)}", FAR)
        return fetch

    first = TokenCache(fetcher("first"), shared=SharedTokens(one, TokenSeal(KEY)))
    second = TokenCache(fetcher("second"), shared=SharedTokens(other, TokenSeal(KEY)))
    assert await first.get(7) == "ghs_first_1"
    assert await second.get(7) == "ghs_first_1"  # not minted again
    assert minted == ["first"]
    second.invalidate(7)  # GitHub refused it (revoked): the shared copy is not taken again
    assert await second.get(7) == "ghs_second_2"
    assert await first.get(7) == "ghs_first_1"  # its own copy, until GitHub refuses it
    first.invalidate(7)
    assert await first.get(7) == "ghs_second_2"  # the newer one the other process shared
    assert minted == ["first", "second"]
    await other.forget(7)
    assert await one.get(7) is None


async def test_an_expired_token_is_not_shared(two_views) -> None:
    one, _ = two_views
    await one.put(7, TokenSeal(KEY).seal(7, InstallationToken("ghs_old", 1.0)), 1.0)
    assert await one.get(7) is None
