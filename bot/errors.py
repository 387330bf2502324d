"""Which failures are worth retrying (issue 17, point 3).

The GitHub client already retries one request through 5xx, timeouts and rate limits with capped,
jittered backoff (bot/github.py). What reaches a job is then either transient (the service is still
failing or the limit is long: the queue retries the job later, honouring `retry-after` and the
rate-limit reset) or permanent (a 4xx other than a rate limit: a missing permission, an unknown
installation, a refused comment; the same request would be refused again). A permanent failure is
not retried: the job is kept at once as a dead letter (state `failed`, with its error and payload).
"""
from __future__ import annotations

import gidgethub

# 403 and 429 are rate limits when GitHub says so (RateLimitExceeded, `retry-after`, remaining 0).
_RATE_LIMIT_STATUS = {403, 429}


def is_rate_limit(exc: BaseException) -> bool:
    if isinstance(exc, gidgethub.RateLimitExceeded):
        return True
    if not isinstance(exc, gidgethub.HTTPException) or int(exc.status_code) not in _RATE_LIMIT_STATUS:
        return False
    headers = exc.headers or {}
    return int(exc.status_code) == 429 or "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0"


def http_status(exc: BaseException) -> int | None:
    return int(exc.status_code) if isinstance(exc, gidgethub.HTTPException) else None


def is_permanent(exc: BaseException) -> bool:
    """A 4xx answer that is not a rate limit: retrying the job cannot succeed."""
    status = http_status(exc)
    return status is not None and 400 <= status < 500 and not is_rate_limit(exc)
