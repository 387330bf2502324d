"""Conditional requests as GitHub answers them: `ETag` on GET answers, `304 Not Modified` for a
matching `If-None-Match`.

"Most endpoints return an etag header ... You can use the values of these headers to make
conditional GET requests ... If the resource has not changed, you will get a 304 Not Modified
response. Making a conditional request does not count against your primary rate limit if a 304
response is returned and the request was made while correctly authorized with an Authorization
header."
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate

GitHub's answers carry `Vary: Accept, Authorization, Cookie, X-GitHub-OTP`: the ETag depends on the
credentials, so a token minted after the old one expired (hourly) gets a 200 with a new ETag for an
unchanged resource. The fake computes the ETag from the Authorization header, the Accept header and
the body, which gives exactly that.
"""
from __future__ import annotations

import hashlib

VARY = "Accept, Authorization, Cookie, X-GitHub-OTP"


def etag_for(authorization: str, accept: str, body: bytes) -> str:
    digest = hashlib.sha256(b"\0".join((authorization.encode(), accept.encode(), body))).hexdigest()
    return f'W/"{digest[:40]}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison; `*` or any listed tag matches."""
    if not if_none_match:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    weak = etag.removeprefix("W/")
    return "*" in tags or any(tag.removeprefix("W/") == weak for tag in tags)
