"""`hybridize check` in text format: line shape, exit status, configuration, suppressions, bad input."""
from __future__ import annotations

import json
import os
import re

import pytest

from .conftest import CLEAN, PRINT_IN_GRAPH, run_cli

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]{3}\d{3})(?P<fix> \[\*\])? (?P<msg>.+)$")


def findings(stdout: str) -> list[dict[str, str]]:
    return [m.groupdict() for m in map(LINE.match, stdout.splitlines()) if m]


def codes_at(stdout: str, code: str = "HYB001") -> list[tuple[str, int]]:
    return [(f["path"], int(f["line"])) for f in findings(stdout) if f["code"] == code]


def as_json(run) -> dict:
    return json.loads(run.stdout)


# --- line shape and exit status ----------------------------------------------------------------------

def test_finding_line_shape_summary_and_exit_1(project) -> None:
    root = project({"pkg/__init__.py": "", "pkg/train.py": PRINT_IN_GRAPH})
    run = run_cli("check", ".", cwd=root)
    assert run.returncode == 1, run.stderr
    (hit,) = [f for f in findings(run.stdout) if f["code"] == "HYB001"]
    assert (hit["path"], hit["line"], hit["col"]) == ("pkg/train.py", "5", "5")
    assert "print" in hit["msg"] and hit["fix"] is None  # a suggestion is not a safe fix: no [*]
    n = len(findings(run.stdout))
    assert run.lines[-1] == f"Found {n} finding{'s' if n > 1 else ''}."
    assert run.stderr == ""


def test_clean_project_exits_0(project) -> None:
    root = project({"ok.py": CLEAN})
    run = run_cli("check", cwd=root)
    assert (run.returncode, run.stdout) == (0, "All checks passed!\n")


def test_missing_path_is_a_usage_error(project) -> None:
    root = project({"ok.py": CLEAN})
    run = run_cli("check", "nope.py", cwd=root)
    assert run.returncode == 2
    assert run.stderr.strip() == "hybridize: error: nope.py: no such file or directory"
    assert "Traceback" not in run.stderr


def test_unknown_option_is_exit_2(project) -> None:
    root = project({"ok.py": CLEAN})
    run = run_cli("check", "--frobnicate", cwd=root)
    assert run.returncode == 2 and "unrecognized arguments" in run.stderr


def test_bad_format_choice_is_exit_2(project) -> None:
    root = project({"ok.py": CLEAN})
    assert run_cli("check", "--format", "xml", cwd=root).returncode == 2


def test_quiet_prints_findings_only(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    run = run_cli("check", "-q", cwd=root)
    assert run.returncode == 1
    assert run.lines and all(LINE.match(line) for line in run.lines)


def test_statistics_counts_per_rule(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH, "b.py": PRINT_IN_GRAPH + "\n\n@tf.function\ndef g(y):\n    print(y)\n"})
    run = run_cli("check", "--statistics", "--select", "HYB001", cwd=root)
    assert run.returncode == 1
    assert re.search(r"^\s+3\s+HYB001\s+\[ \] print-in-graph$", run.stdout, re.M), run.stdout
    assert not findings(run.stdout)
    assert run.lines[-1] == "Found 3 findings."


def test_show_fixes_lists_fix_and_safety(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    run = run_cli("check", "--show-fixes", "--select", "HYB001", cwd=root)
    assert "Available fixes:" in run.stdout
    assert re.search(r"^  a\.py:5:5: HYB001 \[suggestion\] use tf\.print", run.stdout, re.M), run.stdout


def test_output_file(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    run = run_cli("check", "--format", "json", "-o", "out.json", cwd=root)
    assert run.returncode == 1 and run.stdout == ""
    doc = json.loads((root / "out.json").read_text())
    assert any(f["code"] == "HYB001" for f in doc["findings"])


# --- select / ignore ---------------------------------------------------------------------------------

def test_select_and_ignore(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH, "bad.py": "def f(:\n"})
    both = run_cli("check", cwd=root)
    assert {f["code"] for f in findings(both.stdout)} >= {"HYB000", "HYB001"}
    only = run_cli("check", "--select", "HYB001", cwd=root)
    assert {f["code"] for f in findings(only.stdout)} == {"HYB001"}
    ignored = run_cli("check", "--select", "HYB000,HYB001", "--ignore", "HYB001", cwd=root)
    assert {f["code"] for f in findings(ignored.stdout)} == {"HYB000"}
    none = run_cli("check", "--ignore", "HYB", cwd=root)
    assert none.returncode == 0 and none.stdout == "All checks passed!\n"


def test_select_with_a_malformed_code_is_exit_2(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    run = run_cli("check", "--select", "print", cwd=root)
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "'print' is not a rule code" in run.stderr


def test_select_of_an_unknown_code_warns(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    run = run_cli("check", "--select", "HYB987", cwd=root)
    assert run.returncode == 0 and "--select HYB987 matches no rule" in run.stderr


# --- configuration discovery -------------------------------------------------------------------------

def test_root_is_the_configured_pyproject_above_the_path(project) -> None:
    # The nearest pyproject.toml (sub/) has no [tool.hybridize]; the one above does, so it is the root.
    root = project({
        "pyproject.toml": "[tool.hybridize]\nignore = ['HYB000']\n",
        "sub/pyproject.toml": "[project]\nname = 'sub'\n",
        "sub/pkg/a.py": PRINT_IN_GRAPH,
        "sub/pkg/broken.py": "def f(:\n",
    })
    run = run_cli("check", ".", cwd=root / "sub" / "pkg")
    assert codes_at(run.stdout) == [("sub/pkg/a.py", 5)]
    assert not codes_at(run.stdout, "HYB000")  # the configuration above was applied


def test_nearest_plain_pyproject_is_the_root_without_a_configured_one(project) -> None:
    root = project({"pyproject.toml": "[project]\nname = 'x'\n", "src/a.py": PRINT_IN_GRAPH})
    run = run_cli("check", "src", cwd=root)
    assert codes_at(run.stdout) == [("src/a.py", 5)]
    run = run_cli("check", "a.py", cwd=root / "src")
    assert codes_at(run.stdout) == [("src/a.py", 5)]


def test_per_file_ignores(project) -> None:
    root = project({
        "pyproject.toml": "[tool.hybridize]\nper-file-ignores = { 'tests/**' = ['HYB001'] }\n",
        "tests/test_a.py": PRINT_IN_GRAPH,
        "src/a.py": PRINT_IN_GRAPH,
    })
    run = run_cli("check", cwd=root)
    assert codes_at(run.stdout) == [("src/a.py", 5)]


def test_severity_override(project) -> None:
    root = project({"pyproject.toml": "[tool.hybridize]\nseverity = { HYB001 = 'error' }\n", "a.py": PRINT_IN_GRAPH})
    doc = as_json(run_cli("check", "--format", "json", cwd=root))
    assert [f["severity"] for f in doc["findings"] if f["code"] == "HYB001"] == ["error"]
    github = run_cli("check", "--format", "github", "--select", "HYB001", cwd=root)
    assert github.stdout.startswith("::error file=a.py,line=5,")


def test_exclude_skips_directories_and_files(project) -> None:
    root = project({
        "pyproject.toml": "[tool.hybridize]\nexclude = ['build/', 'gen_*.py']\n",
        "build/lib/a.py": PRINT_IN_GRAPH,
        "build/broken.py": "def f(:\n",
        "gen_x.py": PRINT_IN_GRAPH,
        "real.py": PRINT_IN_GRAPH,
    })
    run = run_cli("check", cwd=root)
    assert [f["path"] for f in findings(run.stdout)] == ["real.py"]
    # --no-config ignores the configured exclusions (but still uses the same root).
    run = run_cli("check", "--no-config", cwd=root)
    assert {f["path"] for f in findings(run.stdout)} == {"build/lib/a.py", "build/broken.py", "gen_x.py", "real.py"}


def test_explicit_config_file(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH, "other.toml": "[tool.hybridize]\nignore = ['HYB001']\n"})
    assert run_cli("check", "--config", "other.toml", cwd=root).returncode == 0
    assert run_cli("check", "--config", "missing.toml", cwd=root).returncode == 2
    both = run_cli("check", "--config", "other.toml", "--no-config", cwd=root)
    assert both.returncode == 2 and "cannot be used together" in both.stderr


@pytest.mark.parametrize("pyproject,needle", [
    ("[tool.hybridize]\nselct = ['HYB001']\n", "unknown key(s) selct"),
    ("[tool.hybridize]\nseverity = { HYB001 = 'fatal' }\n", "'fatal' is not one of"),
    ("[tool.hybridize\n", "not valid TOML"),
    # TOML reads 2.10 as the float 2.1; the reader refuses to guess (issue 17, point 6).
    ("[tool.hybridize]\nmin-tensorflow-version = 2.10\n", 'a quoted string such as "2.10", not the number 2.1'),
    ("[tool.hybridize]\nmin-torch-version = 2.6\n", 'min-torch-version must be a quoted string such as "2.6"'),
    ("[tool.hybridize]\nmin-torch-version = 'latest'\n", "min-torch-version: 'latest' is not a version like 2.6"),
    ("[tool.hybridize.bot]\nautofix = 'of'\n", "autofix must be one of off, safe, gated, not 'of'"),
])
def test_bad_configuration_is_one_line_and_exit_2(project, pyproject: str, needle: str) -> None:
    root = project({"pyproject.toml": pyproject, "a.py": PRINT_IN_GRAPH})
    run = run_cli("check", cwd=root)
    assert run.returncode == 2, run.stdout
    assert len(run.stderr.strip().splitlines()) == 1 and needle in run.stderr, run.stderr
    assert "pyproject.toml" in run.stderr and "Traceback" not in run.stderr


# --- suppressions ------------------------------------------------------------------------------------

def test_line_suppression(project) -> None:
    src = PRINT_IN_GRAPH.replace('print("x is", x)', 'print("x is", x)  # hybridize: ignore[HYB001]')
    root = project({"a.py": src, "b.py": PRINT_IN_GRAPH})
    assert codes_at(run_cli("check", cwd=root).stdout) == [("b.py", 5)]


def test_file_suppression(project) -> None:
    root = project({"a.py": "# hybridize: ignore-file[HYB001]\n" + PRINT_IN_GRAPH, "b.py": PRINT_IN_GRAPH})
    assert codes_at(run_cli("check", cwd=root).stdout) == [("b.py", 5)]


def test_unknown_suppression_code_is_hyb099(project) -> None:
    src = PRINT_IN_GRAPH.replace('print("x is", x)', 'print("x is", x)  # hybridize: ignore[HYB901]')
    root = project({"a.py": src})
    run = run_cli("check", cwd=root)
    assert codes_at(run.stdout, "HYB099") == [("a.py", 5)]
    assert codes_at(run.stdout, "HYB001") == [("a.py", 5)]  # a wrong code suppresses nothing


# --- bad input: each broken file is exactly one HYB000, and the rest is still analyzed ---------------

BAD_FILES: dict[str, bytes] = {
    "syntax": b"def f(:\n    pass\n",
    "python2": b'print "hello"\n',
    "undecodable": b"x = '\xff\xfe\xfa'\n",
    "null_bytes": b"x = 1\n\x00\n",
    "deep_nesting": b"x = " + b"(" * 400 + b"1" + b")" * 400 + b"\n",
    "bad_cookie": b"# -*- coding: no-such-codec -*-\nx = 1\n",
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_is_one_hyb000_and_others_are_analyzed(project, kind: str) -> None:
    root = project({"bad.py": BAD_FILES[kind], "good.py": PRINT_IN_GRAPH})
    run = run_cli("check", "--format", "json", cwd=root)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    doc = as_json(run)
    bad = [f for f in doc["findings"] if f["path"] == "bad.py"]
    assert [f["code"] for f in bad] == ["HYB000"], bad
    assert bad[0]["severity"] == "error" and bad[0]["message"].startswith("could not analyze")
    assert [(f["path"], f["location"]["line"]) for f in doc["findings"] if f["code"] == "HYB001"] == [("good.py", 5)]


def test_python2_message_says_so(project) -> None:
    root = project({"old.py": BAD_FILES["python2"]})
    assert "Python 2" in run_cli("check", cwd=root).stdout


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loop_is_a_note_and_the_rest_is_analyzed(project) -> None:
    root = project({"pkg/a.py": PRINT_IN_GRAPH})
    os.symlink("..", root / "pkg" / "up")
    os.symlink(".", root / "pkg" / "here")
    run = run_cli("check", cwd=root)
    assert codes_at(run.stdout) == [("pkg/a.py", 5)]
    assert "pkg/up: note: skipped: symlink loop" in run.stderr.splitlines()
    assert "pkg/here: note: skipped: symlink loop" in run.stderr.splitlines()
    doc = as_json(run_cli("check", "--format", "json", cwd=root))
    assert {"path": "pkg/up", "message": "skipped: symlink loop"} in doc["notes"]


def test_oversized_file_is_a_note(project) -> None:
    root = project({"pyproject.toml": "[tool.hybridize]\nmax-file-size = 1000\n",
                    "big.py": PRINT_IN_GRAPH + "#" * 2000 + "\n", "a.py": PRINT_IN_GRAPH})
    run = run_cli("check", cwd=root)
    assert codes_at(run.stdout) == [("a.py", 5)]
    assert re.search(r"^big\.py: note: skipped: \d+ bytes is above max-file-size \(1000\)$", run.stderr, re.M)
    assert run_cli("check", "-q", cwd=root).stderr == ""  # --quiet: findings only


# --- rules and explain -------------------------------------------------------------------------------

def test_rules_table_and_json(project) -> None:
    root = project({})
    run = run_cli("rules", cwd=root)
    assert run.returncode == 0
    assert re.search(r"^HYB001\s+print-in-graph\s+info\s+suggestion\s+Python output", run.stdout, re.M)
    doc = json.loads(run_cli("rules", "--format", "json", cwd=root).stdout)
    row = next(r for r in doc if r["code"] == "HYB001")
    assert row["name"] == "print-in-graph" and row["fix_safety"] == "suggestion" and row["url"].endswith("HYB001.md")
    assert [r["code"] for r in doc] == sorted(r["code"] for r in doc)


@pytest.mark.parametrize("name", ["HYB001", "hyb001", "print-in-graph"])
def test_explain(project, name: str) -> None:
    run = run_cli("explain", name, cwd=project({}))
    assert run.returncode == 0
    assert run.stdout.startswith("# HYB001: print-in-graph") and "## Why is this bad?" in run.stdout


def test_explain_unknown_code(project) -> None:
    run = run_cli("explain", "HYB999", cwd=project({}))
    assert run.returncode == 2 and "unknown rule 'HYB999'" in run.stderr and run.stdout == ""


def test_no_subcommand_is_exit_2(project) -> None:
    assert run_cli(cwd=project({})).returncode == 2


def test_check_help_exits_0(project) -> None:
    run = run_cli("check", "--help", cwd=project({}))
    assert run.returncode == 0 and "--diff" in run.stdout
