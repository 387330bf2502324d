"""Which repository paths are tests (pytest entry points: their calls are eager callers like any other)."""
from __future__ import annotations

import posixpath


def is_test_path(path: str) -> bool:
    """tests/ or test/ directories, test_*.py, *_test.py and conftest.py (pytest's discovery names)."""
    parts = path.split("/")
    name = posixpath.basename(path)
    return (
        any(p in ("tests", "test") for p in parts[:-1])
        or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
    )
