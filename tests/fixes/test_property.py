"""Property: the safe fixes keep any program parseable and change nothing but the targeted keyword.

hypothesmith generates arbitrary programs; a tf.function with a deprecated keyword is spliced in at a
top-level statement boundary; the full pipeline (analysis, codemod, verification) fixes it; the token
streams before and after must be identical except for the keyword (and its value, for the cases where
the value is rewritten). Bounded: 50 examples per keyword, no deadline.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize

import hypothesmith
import pytest
import libcst
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.fixes import apply_fixes
from hybridize_bot.analysis.model import FixSafety

# (keyword, value as written, expected replacement of "keyword=value")
VARIANTS = [
    ("experimental_relax_shapes", "True", "reduce_retracing=True"),
    ("experimental_relax_shapes", "cfg_flag", "reduce_retracing=bool(cfg_flag)"),
    ("experimental_compile", "True", "jit_compile=True"),
    ("experimental_compile", "use_xla", "jit_compile=use_xla"),
]
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))


def _tokens(text: str) -> list[tuple[int, str]]:
    kinds = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)
    return [(t.type, t.string) for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in kinds]


def _boundaries(program: str) -> list[int]:
    """Character offsets where a top-level statement starts at column 0 (safe splice points)."""
    tree = ast.parse(program)
    lines = program.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    out = [len(program)]
    for stmt in tree.body[1:]:
        # A decorated definition starts at its first decorator; `a; b` puts `b` off column 0.
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
        if stmt.col_offset == 0:
            out.append(starts[first - 1])
    return out


@pytest.mark.filterwarnings("ignore::SyntaxWarning", "ignore::DeprecationWarning")  # generated code's escapes
@SETTINGS
@given(program=hypothesmith.from_grammar(), variant=st.sampled_from(VARIANTS), where=st.integers(0, 1000))
def test_safe_fix_changes_only_the_keyword(program: str, variant: tuple[str, str, str], where: int) -> None:
    try:
        ast.parse(program)
        libcst.parse_module(program)
    except (SyntaxError, ValueError, libcst.ParserSyntaxError, RecursionError):
        assume(False)
    assume("\r" not in program and "\x0c" not in program)  # keep splice points simple
    assume(not re.search(r"\b(tf|tensorflow|bool|hybridize_spliced)\b", program))  # names the splice relies on
    if program and not program.endswith("\n"):
        program += "\n"
    keyword, value, replacement = variant
    points = _boundaries(program)
    point = points[where % len(points)]
    snippet = (f"import tensorflow as tf\n@tf.function({keyword}={value})\n"
               f"def hybridize_spliced(x):\n    return x\n")
    before = program[:point] + snippet + program[point:]
    try:
        ast.parse(before)
    except SyntaxError:
        assume(False)  # e.g. a `from __future__` import must stay first
    result = apply_fixes({"m.py": before.encode()}, {FixSafety.SAFE}, Config(min_tf_version=(2, 12)))
    spliced = [f for f in result.applied if f.line == before[:point].count("\n") + 2]
    # The spliced module imports tf itself, so the rule must report it and the fix must go through.
    assert spliced, result.withheld
    after = result.changed["m.py"].decode()
    ast.parse(after)
    expected = program[:point] + snippet.replace(f"{keyword}={value}", replacement) + program[point:]
    assert _tokens(after) == _tokens(expected)
    assert after == expected  # and byte for byte: nothing else moved


def test_token_helper_sees_a_real_difference() -> None:
    # Guard against a comparison that cannot fail.
    assert _tokens("f(a=1)\n") != _tokens("f(b=1)\n")
