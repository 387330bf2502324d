"""Shared fixtures. The fake GitHub's fixtures (fake_github, rsa_keypair) live in tests/fakegithub/fixtures.py."""
from __future__ import annotations

import os
import tempfile

pytest_plugins = ["tests.fakegithub.fixtures"]

# The analysis cache (analysis/cache.py) defaults to ~/.cache/hybridize; the suite (and the subprocesses
# it starts) uses a fresh one so a run never depends on what an earlier run left behind.
os.environ["HYBRIDIZE_CACHE_DIR"] = tempfile.mkdtemp(prefix="hybridize-test-cache-")
