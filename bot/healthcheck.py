"""`python -m hybridize_bot.bot.healthcheck`: exit 0 when the local server's /healthz answers 200.

The Docker HEALTHCHECK runs it. It probes the address the server listens on (HOST, PORT): a wildcard
HOST (0.0.0.0, ::, empty) is probed on loopback, any other address as given, so the probe keeps
working when HOST is set to one interface. Standard library only: it must start fast.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

_WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1", "*": "127.0.0.1"}


def healthz_url(environ: Mapping[str, str]) -> str:
    """The /healthz URL of the server configured by HOST and PORT (defaults as in bot/settings.py)."""
    host = environ.get("HOST", "0.0.0.0").strip()
    host = _WILDCARDS.get(host, host)
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{environ.get('PORT', '8000').strip() or '8000'}/healthz"


def main(environ: Mapping[str, str] | None = None, timeout_s: float = 4.0) -> int:
    url = healthz_url(os.environ if environ is None else environ)
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (local http URL)
            return 0 if response.status == 200 else 1
    except (OSError, urllib.error.URLError) as exc:  # HTTPError (503) is a URLError
        print(f"healthcheck: {url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
