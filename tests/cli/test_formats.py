"""JSON (against our schema), SARIF (against the official OASIS schema) and GitHub annotations."""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybridize_bot.analysis.model import Edit, Finding, Fix, FixSafety, Note, Severity
from hybridize_bot.cli.output import Report
from hybridize_bot.cli.output import github, json_output, sarif, text

from .conftest import PRINT_IN_GRAPH, run_cli

HERE = Path(__file__).resolve().parent
SARIF_SCHEMA = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
OUR_SCHEMA = json.loads(
    (resources.files("analysis") / "schemas" / "hybridize-output.schema.json").read_text(encoding="utf-8")
)


def validate_ours(doc: dict) -> None:
    jsonschema.Draft202012Validator(OUR_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)


def validate_sarif(doc: dict) -> None:
    jsonschema.Draft7Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)


def _fixed_finding(**overrides) -> Finding:
    """A finding with a safe fix carrying two edits, the richest shape the renderers must handle."""
    fields = dict(
        code="HYB001", name="print-in-graph", path="pkg/a b.py", line=5, col=5, end_line=6, end_col=3,
        message="`print` in graph code", severity=Severity.WARNING, symbol="step",
        snippet='print("x")', call_path=("train_step (train.py:3)", "step (pkg/a b.py:4)"),
        fix=Fix("use tf.print", FixSafety.SAFE, (Edit(5, 4, 5, 9, "tf.print"), Edit(1, 0, 1, 0, "import tensorflow as tf\n")),
                reason="same output stream"),
    )
    fields.update(overrides)
    return Finding(**fields)  # type: ignore[arg-type]


def _report(findings: list[Finding], notes: list[Note] | None = None) -> Report:
    return Report(root=Path("/tmp/project"), findings=findings, notes=notes or [], files=3, lines=42)


def test_the_schemas_themselves_are_valid() -> None:
    jsonschema.Draft202012Validator.check_schema(OUR_SCHEMA)
    jsonschema.Draft7Validator.check_schema(SARIF_SCHEMA)
    assert SARIF_SCHEMA["$id"].endswith("sarif-schema-2.1.0.json")


# --- JSON --------------------------------------------------------------------------------------------

def test_json_output_validates_and_reports_the_finding(project) -> None:
    root = project({
        "pyproject.toml": "[tool.hybridize]\nmax-file-size = 2000\n",
        "pkg/__init__.py": "", "pkg/train.py": PRINT_IN_GRAPH, "bad.py": "def f(:\n",
        "huge.py": "#" * 3000 + "\n",
    })
    run = run_cli("check", "--format", "json", cwd=root)
    assert run.returncode == 1 and run.stderr == ""
    doc = json.loads(run.stdout)
    validate_ours(doc)
    hit = next(f for f in doc["findings"] if f["code"] == "HYB001")
    assert hit["path"] == "pkg/train.py" and hit["location"] == {"line": 5, "column": 5}
    assert hit["end_location"] == {"line": 5, "column": 21}  # `print("x is", x)` is 16 characters
    assert hit["symbol"] == "step" and hit["fix"]["safety"] == "suggestion"
    assert doc["notes"] == [{"path": "huge.py", "message": "skipped: 3001 bytes is above max-file-size (2000)"}]
    counts: dict[str, int] = {}
    for f in doc["findings"]:
        counts[f["code"]] = counts.get(f["code"], 0) + 1
    assert doc["summary"]["by_code"] == counts and doc["summary"]["findings"] == len(doc["findings"])
    assert doc["summary"]["files"] == 2  # pkg/__init__.py and pkg/train.py parsed; bad.py did not
    assert doc["summary"]["lines"] == PRINT_IN_GRAPH.count("\n")


def test_json_fingerprint_survives_an_edit_elsewhere(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    before = json.loads(run_cli("check", "--format", "json", cwd=root).stdout)["findings"]
    (root / "a.py").write_text("# a new comment line\n\n" + PRINT_IN_GRAPH)
    after = json.loads(run_cli("check", "--format", "json", cwd=root).stdout)["findings"]
    assert [f["location"]["line"] for f in after] == [f["location"]["line"] + 2 for f in before]
    assert [f["fingerprint"] for f in after] == [f["fingerprint"] for f in before]


def test_json_document_with_fix_edits_validates() -> None:
    doc = json_output.document(_report([_fixed_finding(), _fixed_finding(fix=None, code="HYB000", name="could-not-analyze")],
                                       [Note("x.py", "skipped: symlink loop")]))
    validate_ours(doc)
    edits = doc["findings"][0]["fix"]["edits"]
    assert edits[0] == {"location": {"line": 5, "column": 5}, "end_location": {"line": 5, "column": 10}, "content": "tf.print"}
    assert doc["findings"][0]["call_path"] == ["train_step (train.py:3)", "step (pkg/a b.py:4)"]


def test_our_schema_rejects_what_it_should() -> None:
    doc = json_output.document(_report([_fixed_finding()]))
    for breakage in (
        lambda d: d["findings"][0].pop("fingerprint"),
        lambda d: d["findings"][0].__setitem__("severity", "fatal"),
        lambda d: d["findings"][0]["location"].__setitem__("column", 0),
        lambda d: d.__setitem__("version", 2),
    ):
        broken = json.loads(json.dumps(doc))
        breakage(broken)
        with pytest.raises(jsonschema.ValidationError):
            validate_ours(broken)


# --- SARIF -------------------------------------------------------------------------------------------

def test_sarif_output_validates_against_the_official_schema(project) -> None:
    root = project({"pkg/__init__.py": "", "pkg/train.py": PRINT_IN_GRAPH, "bad.py": "def f(:\n"})
    run = run_cli("check", "--format", "sarif", cwd=root)
    assert run.returncode == 1
    doc = json.loads(run.stdout)
    validate_sarif(doc)
    assert doc["version"] == "2.1.0"
    (sarif_run,) = doc["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    for result in sarif_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    hit = next(r for r in sarif_run["results"] if r["ruleId"] == "HYB001")
    assert hit["level"] == "note"  # HYB001 is info (issue 10 severity policy)
    loc = hit["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "pkg/train.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 21}
    assert len(hit["partialFingerprints"]["hybridize/v1"]) == 20
    assert "fixes" not in hit  # a suggestion without edits has nothing to apply
    error = next(r for r in sarif_run["results"] if r["ruleId"] == "HYB000")
    assert error["level"] == "error"
    rule = rules[hit["ruleIndex"]]
    assert rule["name"] == "print-in-graph" and rule["helpUri"].endswith("/HYB001.md")
    assert rule["defaultConfiguration"]["level"] == "note"
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"


def test_sarif_with_fixes_notes_and_odd_paths_validates() -> None:
    info = _fixed_finding(severity=Severity.INFO, fix=None, line=9, end_line=9)
    doc = sarif.log(_report([_fixed_finding(), info], [Note("dir/loop", "skipped: symlink loop")]))
    validate_sarif(doc)
    results = doc["runs"][0]["results"]
    assert results[1]["level"] == "note"
    (change,) = results[0]["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "pkg/a%20b.py", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"][0] == {
        "deletedRegion": {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 10},
        "insertedContent": {"text": "tf.print"},
    }
    notification = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]
    assert notification["message"]["text"] == "skipped: symlink loop"


def test_the_official_schema_catches_a_broken_log() -> None:
    doc = sarif.log(_report([_fixed_finding()]))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(doc)


# --- GitHub annotations ------------------------------------------------------------------------------

def test_github_annotations_escape_properties_and_message(project) -> None:
    root = project({"we,ird:name.py": PRINT_IN_GRAPH})
    run = run_cli("check", "--format", "github", "--select", "HYB001", cwd=root)
    assert run.returncode == 1
    assert run.lines == [
        "::notice file=we%2Cird%3Aname.py,line=5,col=5,endLine=5,endColumn=21,title=HYB001 print-in-graph::"
        "`print` in graph code runs once per trace, not on every call"
    ]


def test_github_escaping_rules() -> None:
    line = github.finding_command(_fixed_finding(message="100% sure\r\nsecond line: a, b", severity=Severity.ERROR))
    assert line == ("::error file=pkg/a b.py,line=5,col=5,endLine=6,endColumn=3,title=HYB001 print-in-graph::"
                    "100%25 sure%0D%0Asecond line: a, b")
    assert github.escape_property("a%b:c,d\ne") == "a%25b%3Ac%2Cd%0Ae"
    notice = github.render(_report([_fixed_finding(severity=Severity.INFO)], [Note("x.py", "skipped: big")]))
    assert notice.splitlines()[0].startswith("::notice file=pkg/a b.py,")
    assert notice.splitlines()[1] == "::notice file=x.py,title=hybridize::skipped: big"


# --- text details that need a safe fix ---------------------------------------------------------------

def test_text_marks_safe_fixes_and_counts_them() -> None:
    suggestion = _fixed_finding(fix=Fix("maybe", FixSafety.SUGGESTION), line=9, end_line=9)
    out = text.render(_report([_fixed_finding(), suggestion]), show_fixes=True)
    lines = out.splitlines()
    assert lines[0] == "pkg/a b.py:5:5: HYB001 [*] `print` in graph code"
    assert lines[1] == "pkg/a b.py:9:5: HYB001 `print` in graph code"
    assert "  pkg/a b.py:5:5: HYB001 [safe] use tf.print" in lines
    assert "  pkg/a b.py:9:5: HYB001 [suggestion] maybe" in lines
    assert lines[-1] == "Found 2 findings (1 fixable with `hybridize fix`)."
    assert text.render(_report([]), quiet=True) == ""


def test_root_setup_py_is_metadata_only_when_not_asked_for(project) -> None:
    setup_py = "import tensorflow as tf\n\n@tf.function\ndef f(x):\n    print(x)\n    return x\n"
    root = project({"setup.py": setup_py, "src/a.py": PRINT_IN_GRAPH})
    doc = json.loads(run_cli("check", "src", "--format", "json", cwd=root).stdout)
    assert {f["path"] for f in doc["findings"]} == {"src/a.py"}
    assert (doc["summary"]["files"], doc["summary"]["lines"]) == (1, PRINT_IN_GRAPH.count("\n"))
    doc = json.loads(run_cli("check", "--format", "json", cwd=root).stdout)
    assert {f["path"] for f in doc["findings"] if f["code"] == "HYB001"} == {"setup.py", "src/a.py"}
    assert doc["summary"]["files"] == 2


def _github_unescape(text: str) -> str:
    # The runner's decoding (actions/runner ActionCommand.cs): %3A, %2C, %0D, %0A, then %25 last.
    for escaped, raw in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


@given(st.text())
def test_github_escaping_round_trips_and_never_breaks_the_line(value: str) -> None:
    data, prop = github.escape_data(value), github.escape_property(value)
    assert "\n" not in data and "\r" not in data
    assert not any(ch in prop for ch in "\r\n:,")
    assert _github_unescape(data) == value and _github_unescape(prop) == value
