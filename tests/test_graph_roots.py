"""Findings carry their graph root; library code traced only by tests is not graph code by default."""
from __future__ import annotations

import textwrap

import pytest

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.config import ConfigError, config_from_table
from hybridize_bot.analysis.model import Finding, Severity
from hybridize_bot.cli.output.json_output import finding_dict
from hybridize_bot.cli.output.text import finding_line


def _files(sources: dict[str, str]) -> dict[str, bytes]:
    return {path: textwrap.dedent(src).lstrip().encode() for path, src in sources.items()}


LIB = """
    def helper(x):
        print("value", x)
        return x
"""
TRAIN = """
    import tensorflow as tf
    from lib.util import helper

    @tf.function
    def step(x):
        return helper(x)
"""
TEST = """
    import tensorflow as tf
    from lib.util import helper

    def test_helper():
        tf.function(helper)(tf.constant(1.0))
"""


def test_library_root_wins_over_test_root_and_is_reported() -> None:
    files = _files({"lib/__init__.py": "", "lib/util.py": LIB, "lib/train.py": TRAIN, "tests/test_util.py": TEST})
    [finding] = [f for f in analyze_sources(files).findings if f.code == "HYB001"]
    assert finding.path == "lib/util.py"
    assert finding.graph_root == "step (lib/train.py:5)"
    assert finding.call_path == ("step (lib/train.py:5)", "helper (lib/util.py:1)")
    assert finding_dict(finding)["graph_root"] == "step (lib/train.py:5)"


def test_test_only_root_is_not_reported_on_library_code_by_default() -> None:
    files = _files({"lib/__init__.py": "", "lib/util.py": LIB, "tests/test_util.py": TEST})
    assert [f for f in analyze_sources(files).findings if f.code == "HYB001"] == []
    opted_in = analyze_sources(files, config_from_table({"test-roots": True})).findings
    assert [(f.path, f.line, f.graph_root) for f in opted_in if f.code == "HYB001"] == [
        ("lib/util.py", 2, "helper (lib/util.py:1)")]


def test_test_code_under_a_test_root_is_still_reported() -> None:
    files = _files({"tests/test_step.py": """
        import tensorflow as tf

        def log(x):
            print(x)

        @tf.function
        def step(x):
            log(x)
            return x
    """})
    found = [(f.path, f.line) for f in analyze_sources(files).findings if f.code == "HYB001"]
    assert found == [("tests/test_step.py", 4)]


def test_text_output_names_the_root_when_the_message_does_not() -> None:
    finding = Finding(code="HYB013", name="eager-only-api", path="a.py", line=3, col=5, end_line=3, end_col=9,
                      message="`x.numpy()` fails in graph code", severity=Severity.ERROR, symbol="f",
                      call_path=("step (b.py:7)", "f (a.py:1)"), graph_root="step (b.py:7)")
    assert finding_line(finding) == (
        "a.py:3:5: HYB013 `x.numpy()` fails in graph code (reached from tf.function step (b.py:7))")


def test_test_roots_must_be_a_boolean() -> None:
    with pytest.raises(ConfigError, match="test-roots must be true or false"):
        config_from_table({"test-roots": "yes"})
