"""suggestions_for: the suggestions of many findings, one libcst parse per file (issue 13)."""
from __future__ import annotations

from collections import Counter

import libcst
import pytest

from hybridize_bot.analysis.fixes import LineReplacement, document, suggestion_for, suggestions_for
from hybridize_bot.analysis.fixes.registry import FIXERS
from hybridize_bot.analysis.model import Finding
from hybridize_bot.analysis.pipeline.run import analyze_sources

A = b'''import tensorflow as tf


@tf.function(experimental_relax_shapes=True)
def step(model, x):
    print("step", x)
    counter = tf.Variable(0.0)
    return model(x) + counter


@tf.function
def debug(x):
    print("debug", x.shape)
    return x * 2
'''
B = b'''import tensorflow as tf

tf.config.experimental_run_functions_eagerly(True)


@tf.function(experimental_compile=True)
def g(x):
    print(x)
    return tf.gather(x, [0], validate_indices=True)
'''
SOURCES = {"pkg/a.py": A, "pkg/b.py": B}


def _findings() -> list[Finding]:
    findings = [f for f in analyze_sources(SOURCES).findings if f.fix is not None]
    # Interleave the two files so the batch cannot rely on the findings of a file coming together.
    a = [f for f in findings if f.path == "pkg/a.py"]
    b = [f for f in findings if f.path == "pkg/b.py"]
    return [f for pair in zip(a, b) for f in pair] + a[len(b):] + b[len(a):]


def _key(f: Finding) -> tuple[str, str, int]:
    return f.path, f.code, f.line


def test_the_batch_gives_what_each_finding_gives_alone() -> None:
    findings = _findings()
    assert Counter(f.path for f in findings) == {"pkg/a.py": 4, "pkg/b.py": 4}
    batch = suggestions_for(findings, SOURCES)
    assert batch == [suggestion_for(f, SOURCES[f.path]) for f in findings]
    by_key = dict(zip(map(_key, findings), batch))
    assert by_key[("pkg/a.py", "HYB010", 4)] == LineReplacement(4, 4, "@tf.function(reduce_retracing=True)")
    assert by_key[("pkg/a.py", "HYB001", 6)] == LineReplacement(6, 6, '    tf.print("step", x)')
    assert by_key[("pkg/a.py", "HYB001", 13)] == LineReplacement(13, 13, '    tf.print("debug", x.shape)')
    assert by_key[("pkg/a.py", "HYB004", 7)] == LineReplacement(2, 7, (
        "\n\n_step_counter = tf.Variable(0.0)\n\n\n@tf.function(experimental_relax_shapes=True)\n"
        "def step(model, x):\n    print(\"step\", x)\n    counter = _step_counter"))
    assert by_key[("pkg/b.py", "HYB012", 3)] == LineReplacement(3, 3, "tf.config.run_functions_eagerly(True)")
    assert by_key[("pkg/b.py", "HYB011", 6)] == LineReplacement(6, 6, "@tf.function(jit_compile=True)")
    assert by_key[("pkg/b.py", "HYB001", 8)] == LineReplacement(8, 8, "    tf.print(x)")
    assert by_key[("pkg/b.py", "HYB025", 9)] == LineReplacement(9, 9, "    return tf.gather(x, [0])")


def test_the_batch_parses_each_file_with_libcst_once(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _findings()
    parsed: Counter[str] = Counter()
    real_parse = libcst.parse_module

    def counting_parse(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        parsed[source] += 1
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(libcst, "parse_module", counting_parse)
    suggestions_for(findings, SOURCES)
    assert parsed == {A.decode(): 1, B.decode(): 1}
    # Per finding, each of a file's 4 findings parses it again (what the batch saves), unless the process
    # kept the trees it parsed last (analysis/fixes/document.py `parsed_module`): here it keeps none.
    monkeypatch.setattr(document, "TREE_MEMO_CHARS", 0)
    document._TREES.clear()
    parsed.clear()
    for f in findings:
        suggestion_for(f, SOURCES[f.path])
    assert parsed == {A.decode(): 4, B.decode(): 4}


def test_a_failing_fixer_costs_only_its_own_finding_when_errors_are_handled(monkeypatch: pytest.MonkeyPatch) -> None:
    findings = _findings()

    def broken(finding: Finding, doc: object) -> tuple:
        raise RuntimeError("fixer bug")

    monkeypatch.setitem(FIXERS, "HYB025", broken)
    errors: list[tuple[str, str]] = []
    batch = suggestions_for(findings, SOURCES, on_error=lambda f, exc: errors.append((f.code, str(exc))))
    assert errors == [("HYB025", "fixer bug")]
    by_key = dict(zip(map(_key, findings), batch))
    assert by_key[("pkg/b.py", "HYB025", 9)] is None
    assert by_key[("pkg/b.py", "HYB001", 8)] == LineReplacement(8, 8, "    tf.print(x)")
    with pytest.raises(RuntimeError, match="fixer bug"):
        suggestions_for(findings, SOURCES)


def test_a_file_that_cannot_be_decoded_gives_no_suggestion_for_any_of_its_findings() -> None:
    findings = [f for f in _findings() if f.path == "pkg/b.py"]
    broken = {"pkg/b.py": b"# -*- coding: no-such-codec -*-\n" + B}
    assert suggestions_for(findings, broken) == [None] * len(findings)
