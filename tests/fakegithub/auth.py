"""GitHub App authentication as GitHub checks it: App JWTs and installation tokens.

https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

# "The expiration time of the JWT must be no more than 10 minutes into the future" (docs above).
MAX_JWT_LIFETIME_S = 600
# Installation access tokens expire after one hour.
# https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-an-installation-access-token-for-a-github-app
INSTALLATION_TOKEN_TTL_S = 3600
# Leeway for the client clock being a moment ahead when it writes ``iat``.
_CLOCK_LEEWAY_S = 1


class AuthError(Exception):
    """Authentication failed; ``str(err)`` is the message GitHub would answer with."""


@dataclass
class InstallationToken:
    token: str
    installation_id: int
    expires_at: float
    permissions: dict[str, str]

    def expired(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at


def verify_app_jwt(token: str, app_id: int, public_key_pem: bytes | str) -> dict:
    """Check a GitHub App JWT: RS256 signature, ``iss`` == app id, ``iat`` past, lifetime <= 10 min."""
    try:
        claims = jwt.decode(
            token, public_key_pem, algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"], "verify_iss": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise AuthError("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires") from exc
    except jwt.PyJWTError as exc:
        raise AuthError(f"A JSON web token could not be decoded ({exc})") from exc
    now = time.time()
    if str(claims["iss"]) != str(app_id):
        raise AuthError(f"'Issuer' claim ('iss') must be the app id {app_id}")
    if claims["iat"] > now + _CLOCK_LEEWAY_S:
        raise AuthError("'Issued at' claim ('iat') must be an Integer representing a time in the past")
    if claims["exp"] - claims["iat"] > MAX_JWT_LIFETIME_S:
        raise AuthError("'Expiration time' claim ('exp') is too far in the future")
    return claims


class TokenIssuer:
    def __init__(self, ttl_s: float = INSTALLATION_TOKEN_TTL_S) -> None:
        self.ttl_s = ttl_s
        self.tokens: dict[str, InstallationToken] = {}

    def issue(self, installation_id: int, permissions: dict[str, str]) -> InstallationToken:
        tok = InstallationToken("ghs_" + secrets.token_hex(18), installation_id,
                                time.time() + self.ttl_s, dict(permissions))
        self.tokens[tok.token] = tok
        return tok

    def check(self, token: str) -> InstallationToken:
        tok = self.tokens.get(token)
        if tok is None or tok.expired():
            raise AuthError("Bad credentials")
        return tok

    def expire_all(self) -> None:
        for tok in self.tokens.values():
            tok.expires_at = 0.0
