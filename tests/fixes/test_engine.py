"""apply_fixes on in-memory files: what is applied, what is withheld and why, with the real rules."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.fixes import FixResult, apply_fixes, texts_by_code, with_edits
from hybridize_bot.analysis.fixes.document import CannotFix, Document
from hybridize_bot.analysis.fixes.registry import FIXERS
from hybridize_bot.analysis.fixes.renames import fix_experimental_compile
from hybridize_bot.analysis.model import Edit, Finding, Fix, FixSafety, Severity

PYPROJECT = b'[project]\nname = "p"\ndependencies = ["tensorflow>=2.12"]\n'

MODEL = (
    b"import tensorflow as tf\r\n"
    b"\r\n"
    b"@tf.function(\r\n"
    b"    experimental_relax_shapes=True,  # shapes vary\r\n"
    b"    experimental_compile=True,\r\n"
    b")\r\n"
    b"def step(x):\r\n"
    b"    print('x', x)\r\n"
    b"    return x * 2\r\n"
    b"\r\n"
    b"tf.config.experimental_run_functions_eagerly(False)\r\n"
)
SAFE = {FixSafety.SAFE}


def test_safe_fixes_are_applied_and_suggestions_are_not() -> None:
    result = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": MODEL}, SAFE)
    assert [f.code for f in result.applied] == ["HYB010", "HYB011", "HYB012"]
    assert result.withheld == []
    assert result.changed == {"model.py": MODEL.replace(b"experimental_relax_shapes", b"reduce_retracing")
                              .replace(b"experimental_compile", b"jit_compile")
                              .replace(b"experimental_run_functions_eagerly", b"run_functions_eagerly")}
    # The result is clean for those rules: a second run has nothing left to do.
    again = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": result.changed["model.py"]}, SAFE)
    assert again.changed == {} and again.applied == []


def test_unknown_minimum_version_makes_them_suggestions_that_are_not_applied() -> None:
    result = apply_fixes({"model.py": MODEL}, SAFE)
    assert result.changed == {} and result.applied == []
    findings = analyze_sources({"model.py": MODEL}).findings
    renames = [f for f in findings if f.code in ("HYB010", "HYB011", "HYB012")]
    assert renames and all(f.fix is not None and f.fix.safety is FixSafety.SUGGESTION for f in renames)
    assert all("unknown" in f.fix.reason for f in renames if f.fix)


def test_configured_minimum_version_counts() -> None:
    result = apply_fixes({"model.py": MODEL}, SAFE, Config(min_tf_version=(2, 9)))
    assert {f.code for f in result.applied} == {"HYB010", "HYB011", "HYB012"}
    low = apply_fixes({"model.py": MODEL}, SAFE, Config(min_tf_version=(2, 6)))
    assert {f.code for f in low.applied} == {"HYB011", "HYB012"}  # reduce_retracing needs 2.9


def test_select_limits_what_is_fixed() -> None:
    result = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": MODEL}, SAFE, select=["HYB011"])
    assert [f.code for f in result.applied] == ["HYB011"]
    assert result.changed["model.py"] == MODEL.replace(b"experimental_compile", b"jit_compile")


def test_only_limits_which_files_change() -> None:
    sources = {"pyproject.toml": PYPROJECT, "a.py": MODEL, "b.py": MODEL}
    result = apply_fixes(sources, SAFE, only={"b.py"})
    assert set(result.changed) == {"b.py"}


def _bad(edit_text: str):  # a deliberately wrong fixer, to see the verifier catch it
    def fixer(finding: Finding, doc: Document) -> tuple[Edit, ...]:
        edits = fix_experimental_compile(finding, doc)
        return tuple(Edit(e.line, e.col, e.end_line, e.end_col, edit_text) for e in edits)
    return fixer


def test_a_fix_that_breaks_the_syntax_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FIXERS, "HYB011", _bad("jit compile"))
    result = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": MODEL}, SAFE)
    # Round 1 fails for the file; round 2 keeps the good fixes and withholds the bad one.
    assert [f.code for f in result.applied] == ["HYB010", "HYB012"]
    ((finding, reason),) = result.withheld
    assert finding.code == "HYB011" and "does not parse" in reason
    assert finding.fix is not None and finding.fix.reason.startswith("fix withheld: ")
    assert b"experimental_compile" in result.changed["model.py"] and b"reduce_retracing" in result.changed["model.py"]


def test_a_fix_that_leaves_the_finding_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FIXERS, "HYB011", _bad("experimental_compile"))
    result = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": MODEL}, SAFE, select=["HYB011"])
    ((finding, reason),) = result.withheld
    assert "still reports HYB011" in reason and result.changed == {}


def test_a_fix_that_adds_a_finding_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    def adds_print(finding: Finding, doc: Document) -> tuple[Edit, ...]:
        edits = fix_experimental_compile(finding, doc)
        line = next(i for i in range(1, doc.line_count + 1) if "return x * 2" in doc.line_text(i))
        return edits + (Edit(line, 4, line, 4, "print('again'); "),)

    monkeypatch.setitem(FIXERS, "HYB011", adds_print)
    result = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": MODEL}, SAFE, select=["HYB011"])
    ((finding, reason),) = result.withheld
    assert "new HYB001 finding" in reason


def test_a_fix_that_would_apply_again_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    def keeps_adding(finding: Finding, doc: Document) -> tuple[Edit, ...]:
        try:
            edits = fix_experimental_compile(finding, doc)
        except CannotFix:
            edits = ()
        line = finding.line
        end = len(doc.line_text(line))
        return edits + (Edit(line, end, line, end, "  # renamed"),)

    monkeypatch.setitem(FIXERS, "HYB011", keeps_adding)
    result = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": MODEL}, SAFE, select=["HYB011"])
    ((finding, reason),) = result.withheld
    assert "a second time" in reason


NESTED = b"""import tensorflow as tf


def evaluate(batches):
    out = []
    for batch in batches:
        @tf.function(experimental_relax_shapes=True)
        def step(b):
            return tf.reduce_sum(b) * 2
        out.append(step(batch))
    return out
"""


def test_overlapping_fixes_first_wins_and_the_rest_applies_on_the_next_run() -> None:
    sources = {"pyproject.toml": PYPROJECT, "train.py": NESTED}
    findings = [f for f in analyze_sources(sources).findings if f.code in ("HYB007", "HYB010")]
    assert {f.code: f.fix.safety for f in findings if f.fix} == {"HYB007": FixSafety.GATED, "HYB010": FixSafety.SAFE}
    result = apply_fixes(sources, {FixSafety.SAFE, FixSafety.GATED}, select=["HYB007", "HYB010"])
    assert [f.code for f in result.applied] == ["HYB007"]
    ((finding, reason),) = result.withheld
    assert finding.code == "HYB010" and "overlaps the fix for HYB007" in reason
    hoisted = result.changed["train.py"]
    assert hoisted.startswith(b"import tensorflow as tf\n\n\n@tf.function(experimental_relax_shapes=True)\ndef step(b):")
    second = apply_fixes({**sources, "train.py": hoisted}, {FixSafety.SAFE, FixSafety.GATED}, select=["HYB0"])
    assert [f.code for f in second.applied] == ["HYB010"]
    assert b"@tf.function(reduce_retracing=True)\ndef step(b):" in second.changed["train.py"]


def test_the_outcome_does_not_depend_on_the_order_of_sources() -> None:
    a = apply_fixes({"pyproject.toml": PYPROJECT, "train.py": NESTED, "model.py": MODEL},
                    {FixSafety.SAFE, FixSafety.GATED})
    b = apply_fixes({"model.py": MODEL, "train.py": NESTED, "pyproject.toml": PYPROJECT},
                    {FixSafety.GATED, FixSafety.SAFE})
    assert a.changed == b.changed
    assert [f.fingerprint for f in a.applied] == [f.fingerprint for f in b.applied]


def test_gated_fixes_need_asking_for() -> None:
    result = apply_fixes({"pyproject.toml": PYPROJECT, "train.py": NESTED}, SAFE, select=["HYB007", "HYB010"])
    assert [f.code for f in result.applied] == ["HYB010"]
    assert result.gated_available == 1


def test_undecodable_file_withholds_its_fixes_and_others_still_apply() -> None:
    bad = b"# -*- coding: utf-8 -*-\nimport tensorflow as tf\nf = tf.function(g, experimental_compile=True)\nx = '\xff'\n"
    result = apply_fixes({"pyproject.toml": PYPROJECT, "bad.py": bad, "model.py": MODEL}, SAFE)
    assert "bad.py" not in result.changed and "model.py" in result.changed


def test_with_edits_fills_the_fix_edits() -> None:
    sources = {"pyproject.toml": PYPROJECT, "model.py": MODEL}
    findings = with_edits(analyze_sources(sources).findings, sources)
    by_code = {f.code: f for f in findings}
    assert by_code["HYB011"].fix.edits == (Edit(5, 4, 5, 24, "jit_compile"),)
    assert by_code["HYB001"].fix.edits == (Edit(8, 4, 8, 9, "tf.print"),)
    doc = Document.from_bytes("model.py", MODEL)
    assert doc.apply(by_code["HYB011"].fix.edits) == MODEL.replace(b"experimental_compile", b"jit_compile")


def test_a_switch_left_on_keeps_its_finding_after_the_rename() -> None:
    # HYB012 reports both problems of this call in one finding; the rename fixes only the deprecated
    # name, so the finding stays (with the other fix) and that is not "a new finding".
    sources = {"pyproject.toml": PYPROJECT, "main.py": b"import tensorflow as tf\ntf.config.experimental_run_functions_eagerly(True)\n"}
    result = apply_fixes(sources, SAFE)
    assert [f.code for f in result.applied] == ["HYB012"] and not result.withheld
    assert result.changed["main.py"] == b"import tensorflow as tf\ntf.config.run_functions_eagerly(True)\n"
    (left,) = [f for f in analyze_sources({**sources, **result.changed}).findings if f.code == "HYB012"]
    assert left.fix is not None and left.fix.safety is FixSafety.SUGGESTION


def test_analysis_alone_does_not_load_libcst() -> None:
    # Rules import analysis.fixes.catalog; libcst must load only when a fix is computed (speed budget).
    import subprocess
    import sys

    code = ("import sys\nfrom hybridize_bot.analysis.pipeline.run import analyze_sources\n"
            "analyze_sources({'m.py': b'import tensorflow as tf\\nf = tf.function(g, experimental_compile=True)\\n'})\n"
            "assert 'libcst' not in sys.modules, 'libcst was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ---------------------------------------------------------------- the edits and the text per kind (issue 13)

def test_applied_findings_carry_the_edits_that_were_applied() -> None:
    result = apply_fixes({"pyproject.toml": PYPROJECT, "model.py": MODEL}, SAFE)
    assert [(f.code, f.fix.edits) for f in result.applied] == [
        ("HYB010", (Edit(4, 4, 4, 29, "reduce_retracing"),)),
        ("HYB011", (Edit(5, 4, 5, 24, "jit_compile"),)),
        ("HYB012", (Edit(11, 10, 11, 44, "run_functions_eagerly"),)),
    ]


def test_texts_by_code_are_the_prefixes_of_one_files_edits() -> None:
    other = b"import tensorflow as tf\nf = tf.function(g, experimental_compile=True)\n"
    sources = {"pyproject.toml": PYPROJECT, "model.py": MODEL, "other.py": other}
    result = apply_fixes(sources, SAFE)
    texts, left_out = texts_by_code(sources, result, ["HYB010", "HYB011", "HYB012"])
    relaxed = MODEL.replace(b"experimental_relax_shapes", b"reduce_retracing")
    compiled = relaxed.replace(b"experimental_compile", b"jit_compile")
    assert texts == {
        "HYB010": {"model.py": relaxed},
        "HYB011": {"model.py": compiled,
                   "other.py": b"import tensorflow as tf\nf = tf.function(g, jit_compile=True)\n"},
        "HYB012": {"model.py": result.changed["model.py"]},
    }
    assert left_out == frozenset()


def test_a_file_whose_edit_prefix_does_not_parse_is_left_out() -> None:
    """Two fixes that only together keep the file valid (an opening and a closing bracket)."""
    source = b"x = f(a)\n"

    def fixed(code: str, edit: Edit) -> Finding:
        return Finding(code, "t", "m.py", 1, 1, 1, 1, "m", Severity.WARNING,
                       fix=Fix("d", FixSafety.SAFE, edits=(edit,)))

    result = FixResult(changed={"m.py": b"x = f((a))\n"},
                       applied=[fixed("HYB010", Edit(1, 6, 1, 6, "(")), fixed("HYB011", Edit(1, 7, 1, 7, ")"))])
    assert texts_by_code({"m.py": source}, result, ["HYB010", "HYB011"]) == ({}, frozenset({"m.py"}))
    # In the other order the first step does not parse either.
    assert texts_by_code({"m.py": source}, result, ["HYB011", "HYB010"]) == ({}, frozenset({"m.py"}))


def test_the_rename_fixers_know_without_libcst_that_an_absent_name_needs_nothing() -> None:
    for code in ("HYB010", "HYB011", "HYB012", "HYB025"):
        doc = Document.from_bytes("m.py", b"import tensorflow as tf\nf = tf.function(g, jit_compile=True)\n")
        finding = Finding(code, "t", "m.py", 2, 5, 2, 40, "m", Severity.WARNING, fix=Fix("d", FixSafety.SAFE))
        assert FIXERS[code](finding, doc) == ()
        assert doc._module is None, code  # never parsed
