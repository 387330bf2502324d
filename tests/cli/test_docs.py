"""Rule pages in docs/rules/ are generated from the rule classes and must be current."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hybridize_bot.cli import docs
from hybridize_bot.analysis.rules import all_rules, get_rule

from .conftest import REPO


def test_committed_rule_docs_are_up_to_date() -> None:
    out = REPO / "docs" / "rules"
    assert docs.stale(out) == [], "run `python -m hybridize_bot.cli.docs` and commit docs/rules/"


def test_page_has_the_doc_and_every_example() -> None:
    rule = get_rule("HYB001")
    assert rule is not None
    page = docs.render_rule(rule)
    assert rule.doc().rstrip("\n") in page
    assert page.count("```python") == 2 + len(rule.valid) + len(rule.invalid)
    assert "Interprocedural, across modules; reported on `pkg/util.py` line 2:" in page
    assert "Reported on lines 7, 12:" in page


def test_index_lists_every_rule() -> None:
    index = docs.render_index(all_rules())
    for rule in all_rules():
        assert f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity.value} |" in index


def test_module_entry_point_writes_and_checks(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "hybridize_bot.cli.docs", "--out", str(tmp_path), *args],
                              cwd=REPO, capture_output=True, text=True, timeout=60)

    assert run("--check").returncode == 1  # empty directory
    assert run().returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["README.md"] + [f"{r.code}.md" for r in all_rules()])
    assert run("--check").returncode == 0
    (tmp_path / "HYB001.md").write_text("edited by hand\n")
    (tmp_path / "HYB777.md").write_text(docs._GENERATED + "a rule that no longer exists\n")
    failed = run("--check")
    assert failed.returncode == 1 and "HYB001.md" in failed.stderr and "HYB777.md" in failed.stderr
    assert run().returncode == 0 and not (tmp_path / "HYB777.md").exists()
    assert run("--check").returncode == 0
