"""The analyzer runs without a crash over every .py file of four large TF-ecosystem wheels.

`.ci/run` downloads the corpus first (`python -m bench.corpus`); if it is missing here, this test
downloads it too (PyPI is reachable from CI), so it never silently skips.
"""
from __future__ import annotations

import pytest

from hybridize_bot.analysis import analyze_sources
from bench.corpus import corpus_files, ensure_corpus

pytestmark = pytest.mark.corpus


def test_whole_corpus_is_analyzed_without_crashing() -> None:
    files = corpus_files(ensure_corpus())
    assert len(files) > 4000, "the four wheels hold more than 4,000 Python files"
    result = analyze_sources(files)
    assert result.files_analyzed + sum(1 for f in result.findings if f.code == "HYB000") >= len(files) - len(result.notes)
    # Real, released code: nearly everything parses (a few files use syntax newer than this Python).
    failures = [f for f in result.findings if f.code == "HYB000"]
    assert len(failures) < 0.01 * len(files), [f"{f.path}: {f.message}" for f in failures[:10]]
    assert result.lines_analyzed > 1_000_000
    # These packages use tf.function heavily: the analysis must see graph code in them.
    assert any(f.code != "HYB000" for f in result.findings)
