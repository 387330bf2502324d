"""suggestion_for: whole-line replacements for GitHub ```suggestion blocks."""
from __future__ import annotations

from dataclasses import replace

from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.fixes import LineReplacement, suggestion_for
from hybridize_bot.analysis.model import Fix, FixSafety

from .helpers import finding_at


def _finding(sources: dict[str, bytes], code: str, path: str = "m.py"):
    (finding,) = [f for f in analyze_sources(sources).findings if f.code == code and f.path == path]
    return finding


def test_print_to_tf_print_uses_the_module_alias_and_says_the_output_differs() -> None:
    source = b"import tensorflow as tnf\n\n@tnf.function\ndef f(x):\n    print('x is', x)  # debug\n    return x\n"
    finding = _finding({"m.py": source}, "HYB001")
    assert finding.fix is not None and "stderr" in finding.fix.description
    assert suggestion_for(finding, source) == LineReplacement(5, 5, "    tnf.print('x is', x)  # debug")


def test_multi_line_print_gives_the_whole_lines() -> None:
    source = b"import tensorflow as tf\r\n@tf.function\r\ndef f(x):\r\n    print(\r\n        'x', x)\r\n    return x\r\n"
    finding = _finding({"m.py": source}, "HYB001")
    # CRLF in the file; the suggestion text uses "\n" (GitHub normalizes the block) and has no trailing newline.
    assert suggestion_for(finding, source) == LineReplacement(4, 4, "    tf.print(")


def test_rename_suggestion_when_the_version_is_unknown() -> None:
    source = b"import tensorflow as tf\nf = tf.function(\n    g,\n    experimental_relax_shapes=flag,\n)\n"
    finding = _finding({"m.py": source}, "HYB010")
    assert finding.fix is not None and finding.fix.safety is FixSafety.SUGGESTION
    assert suggestion_for(finding, source) == LineReplacement(4, 4, "    reduce_retracing=bool(flag),")


def test_dropping_a_line_is_an_empty_replacement() -> None:
    source = b"import tensorflow as tf\nf = tf.function(\n    g,\n    experimental_relax_shapes=False,\n)\n"
    finding = _finding({"m.py": source, "requirements.txt": b"tensorflow>=2.10\n"}, "HYB010")
    assert suggestion_for(finding, source) == LineReplacement(4, 4, "")


def test_added_decorator_replaces_the_def_line_with_two_lines() -> None:
    source = b"import tensorflow as tf\n\ndef f(x):\n    return x\n"
    finding = finding_at(source, "HYB021", "def f", safety=FixSafety.GATED)
    assert suggestion_for(finding, source) == LineReplacement(3, 3, "@tf.function\ndef f(x):")


def test_edits_far_apart_are_not_one_suggestion() -> None:
    source = b"import numpy as np\n" + b"x = 1\n" * 50 + b"def f(x):\n    return x\n"
    finding = finding_at(source, "HYB021", "def f", safety=FixSafety.GATED)
    assert suggestion_for(finding, source) is None


def test_no_fix_or_no_textual_fix_gives_none() -> None:
    source = b"import tensorflow as tf\n\ndef f(x):\n    print(x)\n"
    finding = finding_at(source, "HYB001", "print(")
    assert suggestion_for(replace(finding, fix=None), source) is None
    assert suggestion_for(replace(finding, fix=Fix("x", FixSafety.NONE)), source) is None
    assert suggestion_for(replace(finding, code="HYB014"), source) is None  # no codemod for that rule
    logging_source = b"def f(x):\n    print(x)\n"  # no TensorFlow import: tf.print cannot be written
    assert suggestion_for(finding_at(logging_source, "HYB001", "print("), logging_source) is None
