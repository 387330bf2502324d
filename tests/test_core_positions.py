"""Positions and suppressions: columns count characters, suppression comments are real comments."""
from __future__ import annotations

from hybridize_bot.analysis import analyze_sources

PROGRAM = '''import tensorflow as tf

@tf.function
def f(x):
    s = "éé"; print(s)
    return x
'''


def test_columns_count_characters_not_utf8_bytes() -> None:
    (finding,) = [f for f in analyze_sources({"a.py": PROGRAM.encode()}).findings if f.code == "HYB001"]
    line = PROGRAM.splitlines()[finding.line - 1]
    assert line[finding.col - 1 : finding.end_col - 1] == "print(s)"
    assert "`print`" in finding.message


def test_suppression_text_inside_a_string_is_not_a_suppression() -> None:
    source = PROGRAM.replace('s = "éé"; print(s)', 'print("# hybridize: ignore[HYB001] and HYB777")')
    findings = analyze_sources({"a.py": source.encode()}).findings
    assert [f.code for f in findings] == ["HYB001"]  # not suppressed, and no HYB099 for HYB777


def test_real_suppression_comment_after_a_string_with_hash() -> None:
    source = PROGRAM.replace('s = "éé"; print(s)', 'print("#")  # hybridize: ignore[HYB001]')
    assert analyze_sources({"a.py": source.encode()}).findings == []


def test_unknown_code_in_a_real_comment_is_reported_at_its_column() -> None:
    source = "x = 1  # hybridize: ignore[HYB001, HYB777]\n"
    (finding,) = analyze_sources({"a.py": source.encode()}).findings
    assert finding.code == "HYB099"
    assert source[finding.col - 1 : finding.end_col - 1] == "HYB777"
