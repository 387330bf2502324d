"""`hybridize check --diff REF` on a real temporary git repository."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hybridize_bot.cli.gitdiff import ChangedLines, parse_unified_diff

from .conftest import PRINT_IN_GRAPH, run_cli
from .test_check import codes_at

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

NEW_FUNCTION = """

@tf.function
def other(y):
    print("y is", y)
    return y
"""


def git(root: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.invalid", GIT_CONFIG_NOSYSTEM="1", HOME=str(root.parent))
    env.pop("GIT_DIR", None)
    proc = subprocess.run(["git", *args], cwd=root, env=env, capture_output=True, text=True, check=True)
    return proc.stdout


@pytest.fixture
def repo(project) -> Path:
    root = project({"pkg/__init__.py": "", "pkg/old.py": PRINT_IN_GRAPH, "untouched.py": PRINT_IN_GRAPH,
                    ".gitignore": "ignored/\n"})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_only_findings_on_changed_lines(repo: Path) -> None:
    (repo / "pkg" / "old.py").write_text(PRINT_IN_GRAPH + NEW_FUNCTION)
    everything = run_cli("check", "--select", "HYB001", cwd=repo)
    assert sorted(codes_at(everything.stdout)) == [("pkg/old.py", 5), ("pkg/old.py", 11), ("untouched.py", 5)]
    run = run_cli("check", "--diff", "HEAD", "--select", "HYB001", cwd=repo)
    assert run.returncode == 1, run.stderr
    assert codes_at(run.stdout) == [("pkg/old.py", 11)]


def test_a_modified_line_counts_and_a_clean_diff_exits_0(repo: Path) -> None:
    assert run_cli("check", "--diff", "HEAD", cwd=repo).returncode == 0
    (repo / "pkg" / "old.py").write_text(PRINT_IN_GRAPH.replace('"x is"', '"x was"'))
    run = run_cli("check", "--diff", "HEAD", "--select", "HYB001", cwd=repo)
    assert codes_at(run.stdout) == [("pkg/old.py", 5)]


def test_untracked_files_are_all_new_but_ignored_ones_are_not_reported(repo: Path) -> None:
    (repo / "pkg" / "fresh.py").write_text(PRINT_IN_GRAPH)
    (repo / "ignored").mkdir()
    (repo / "ignored" / "x.py").write_text(PRINT_IN_GRAPH)
    run = run_cli("check", "--diff", "HEAD", "--select", "HYB001", cwd=repo)
    assert codes_at(run.stdout) == [("pkg/fresh.py", 5)]


def test_diff_against_an_older_commit_and_a_subdirectory_path(repo: Path) -> None:
    (repo / "pkg" / "old.py").write_text(PRINT_IN_GRAPH + NEW_FUNCTION)
    git(repo, "commit", "-q", "-am", "second")
    (repo / "untouched.py").write_text(PRINT_IN_GRAPH + NEW_FUNCTION)
    run = run_cli("check", "pkg", "--diff", "HEAD~1", "--select", "HYB001", cwd=repo)
    assert codes_at(run.stdout) == [("pkg/old.py", 11)]
    run = run_cli("check", ".", "--diff", "HEAD~1", "--select", "HYB001", cwd=repo / "pkg")
    # From pkg/, "." is pkg/ only; paths stay relative to the project root.
    assert codes_at(run.stdout) == [("pkg/old.py", 11)]


def test_project_root_below_the_git_toplevel(tmp_path: Path) -> None:
    top = tmp_path / "mono"
    (top / "svc" / "src").mkdir(parents=True)
    (top / "svc" / "pyproject.toml").write_text("[tool.hybridize]\n")
    (top / "svc" / "src" / "a.py").write_text(PRINT_IN_GRAPH)
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    (top / "svc" / "src" / "a.py").write_text(PRINT_IN_GRAPH + NEW_FUNCTION)
    run = run_cli("check", "src", "--diff", "HEAD", "--select", "HYB001", cwd=top / "svc")
    assert codes_at(run.stdout) == [("src/a.py", 11)]


def test_bad_ref_is_exit_2(repo: Path) -> None:
    run = run_cli("check", "--diff", "no-such-branch", cwd=repo)
    assert run.returncode == 2
    assert run.stderr.strip() == f"hybridize: error: --diff: 'no-such-branch' is not a commit in {repo.resolve()}"
    dashed = run_cli("check", "--diff=--output=x", cwd=repo)
    assert dashed.returncode == 2 and "is not a git revision" in dashed.stderr


def test_not_a_git_repository_is_exit_2(project) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    run = run_cli("check", "--diff", "HEAD", cwd=root)
    assert run.returncode == 2 and "is not in a git repository" in run.stderr and "Traceback" not in run.stderr


def test_parse_unified_diff() -> None:
    diff = "\n".join([
        "diff --git a/a.py b/a.py",
        "--- a/a.py",
        "+++ b/a.py",
        "@@ -3,0 +4,2 @@ def f():",
        "+x",
        "+y",
        "@@ -10 +12 @@",
        "-old",
        "+new",
        "@@ -20,3 +21,0 @@",
        "-gone",
        "diff --git a/gone.py b/gone.py",
        "--- a/gone.py",
        "+++ /dev/null",
        "@@ -1,2 +0,0 @@",
        '+++ "b/sp\\303\\251cial\\tname.py"',
        "@@ -0,0 +1 @@",
    ])
    assert parse_unified_diff(diff) == {"a.py": {4, 5, 12}, "sp\u00e9cial\tname.py": {1}}


def test_changed_lines_touches_any_line_of_a_multiline_finding() -> None:
    changed = ChangedLines(lines={"a.py": {7}}, new_files={"b.py"})
    assert changed.touches("a.py", 5, 8) and not changed.touches("a.py", 8, 9)
    assert changed.touches("b.py", 100, 100) and not changed.touches("c.py", 7, 7)


def test_a_file_that_stops_parsing_is_reported_even_if_the_error_is_elsewhere(repo: Path) -> None:
    # The change is line 1; the parser complains about line 2 ("expected an indented block").
    (repo / "untouched.py").write_text("if True:\n" + PRINT_IN_GRAPH)
    run = run_cli("check", "--diff", "HEAD", cwd=repo)
    assert codes_at(run.stdout, "HYB000") == [("untouched.py", 2)], run.stdout


def test_parse_failure_in_an_unchanged_file_is_not_reported(repo: Path) -> None:
    (repo / "broken.py").write_text("def f(:\n")
    git(repo, "add", "broken.py")
    git(repo, "commit", "-q", "-m", "broken")
    assert not codes_at(run_cli("check", "--diff", "HEAD", cwd=repo).stdout, "HYB000")


def test_diff_analyzes_only_the_changed_files_and_what_they_need(repo: Path) -> None:
    import json

    (repo / "pkg" / "old.py").write_text(PRINT_IN_GRAPH + NEW_FUNCTION)
    run = run_cli("check", "--diff", "HEAD", "--format", "json", "--no-cache", cwd=repo)
    report = json.loads(run.stdout)
    # pkg/old.py and its package's __init__.py; untouched.py neither imports nor is imported by it.
    assert report["summary"]["files"] == 2, report["summary"]
    everything = json.loads(run_cli("check", "--format", "json", "--no-cache", cwd=repo).stdout)
    assert everything["summary"]["files"] == 3
