"""Shared fixtures. The fake GitHub's fixtures (fake_github, rsa_keypair) live in tests/fakegithub/fixtures.py."""
from __future__ import annotations

import os
import tempfile

import pytest

pytest_plugins = ["tests.fakegithub.fixtures"]

# The analysis cache (analysis/cache.py) defaults to ~/.cache/hybridize; the suite (and the subprocesses
# it starts) uses a fresh one so a run never depends on what an earlier run left behind.
os.environ["HYBRIDIZE_CACHE_DIR"] = tempfile.mkdtemp(prefix="hybridize-test-cache-")


@pytest.fixture(autouse=True)
def _no_memoized_libcst_trees() -> None:
    """The fix engine keeps the libcst trees it parsed last (analysis/fixes/document.py `parsed_module`):
    each test starts without them, so that what one test parses does not depend on the tests before it."""
    from hybridize_bot.analysis.fixes import document

    document._TREES.clear()
