"""`Config.is_excluded` answers with one compiled expression (a warm run asks about every file): it must
match exactly what `path_matches` matches for each pattern."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.config import DEFAULT_EXCLUDE, Config, path_matches

PATTERNS = ("build/**", "third_party", "docs/", "**/generated/*.py", "tests/test_?.py", "x[ab].py", "a.b/c.py")
PATHS = ("build/x.py", "build", "buildx/a.py", "third_party/a/b.py", "third_party", "third_partyx/a.py",
         "docs/conf.py", "docs", "pkg/generated/a.py", "generated/a.py", "pkg/generated/sub/a.py",
         "tests/test_a.py", "tests/test_ab.py", "xa.py", "xc.py", "a.b/c.py", "aXb/c.py", "pkg/.git/config",
         ".venv/lib/x.py", "src/__pycache__/m.py", "src/node_modules/a.py", "src/pkg/mod.py")


@pytest.mark.parametrize("path", PATHS)
def test_is_excluded_matches_path_matches(path: str) -> None:
    config = Config(exclude=PATTERNS)
    expected = any(path_matches(path, p) for p in DEFAULT_EXCLUDE + PATTERNS)
    assert config.is_excluded(path) == expected


def test_the_patterns_exclude_what_they_say() -> None:
    config = Config(exclude=PATTERNS)
    excluded = [p for p in PATHS if config.is_excluded(p)]
    assert excluded == ["build/x.py", "third_party/a/b.py", "third_party", "docs/conf.py",
                        "pkg/generated/a.py", "generated/a.py", "pkg/generated/sub/a.py", "tests/test_a.py", "xa.py", "a.b/c.py",
                        "pkg/.git/config", ".venv/lib/x.py", "src/__pycache__/m.py", "src/node_modules/a.py"]
