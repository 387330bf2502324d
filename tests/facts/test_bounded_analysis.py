"""Hostile program shapes cost time linear in their size, and one bad file fails alone (issue 17, point 5)."""
from __future__ import annotations

import pytest

from bench.adversarial_shapes import chain, files
from hybridize_bot.analysis.pipeline.run import analyze_sources


@pytest.fixture(autouse=True)
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDIZE_JOBS", "1")


def test_a_10000_link_chain_is_analyzed_with_a_bounded_call_path() -> None:
    # Its time against N is a benchmark, not a test (bench/adversarial_shapes.py, bench/RESULTS.md):
    # a timed assertion fails on a loaded machine and passes on a quadratic analyzer on a fast one.
    result = analyze_sources(chain(10_000))
    (finding,) = result.findings
    assert finding.code == "HYB001"
    # 10,001 steps: the root, a count of the 9,989 left out, the last 11 (f_i is defined on line 3i + 5).
    assert finding.call_path == (
        "top (chain.py:5)", "... 9989 more ...", "f9990 (chain.py:29975)", "f9991 (chain.py:29978)",
        "f9992 (chain.py:29981)", "f9993 (chain.py:29984)", "f9994 (chain.py:29987)", "f9995 (chain.py:29990)",
        "f9996 (chain.py:29993)", "f9997 (chain.py:29996)", "f9998 (chain.py:29999)", "f9999 (chain.py:30002)",
        "f10000 (chain.py:30005)",
    )
    assert "via top -> ... 9989 more ... -> f9990 -> f9991" in finding.message
    assert finding.message.endswith("-> f9999 -> f10000)")


def test_a_short_chain_shows_its_whole_path() -> None:
    (finding,) = analyze_sources(chain(3)).findings
    assert finding.call_path == ("top (chain.py:5)", "f1 (chain.py:8)", "f2 (chain.py:11)", "f3 (chain.py:14)")


def test_many_hybrid_functions_reaching_one_long_chain_are_not_searched_once_each() -> None:
    # 2,000 modules: step_i -> helper_i -> helper_{i-1} -> ... -> helper_0. A search per tf.function
    # (the recursion rule's) visited 2 million functions; the call-cycle fact is computed once per run
    # (facts/compute.py). Time against N: bench/adversarial_shapes.py ("files"), not a timed assertion.
    result = analyze_sources(files(2_000))
    assert sorted({f.code for f in result.findings}) == ["HYB001"]
    assert len(result.findings) == 2_000


def test_an_expression_nested_past_the_recursion_limit_fails_its_file_alone() -> None:
    # `x + 1 + 1 ...` is a tree 1,500 deep: Python parses it, a recursive walk over it does not return.
    sources = {
        "deep.py": b"import tensorflow as tf\n\n@tf.function\ndef f(x):\n    print(x" + b" + 1" * 1500 + b")\n",
        "ok.py": b"import tensorflow as tf\n\n@tf.function\ndef g(x):\n    print(x)\n",
    }
    found = sorted((f.path, f.code, f.message) for f in analyze_sources(sources).findings)
    assert found == [
        ("deep.py", "HYB000", "could not analyze: the file nests code too deeply to analyze"),
        ("ok.py", "HYB001", "`print` in graph code runs once per trace, not on every call"),
    ]


def test_a_file_past_its_time_budget_fails_with_one_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HYBRIDIZE_FILE_SECONDS", "0.05")
    sources = dict(chain(6_000, print_in_every_link=True), **{"small.py": b"x = 1\n"})
    found = [(f.path, f.code, f.message) for f in analyze_sources(sources).findings]
    assert found == [("chain.py", "HYB000",
                      "could not analyze: analyzing the file took longer than its time budget (0.05 s)")]
