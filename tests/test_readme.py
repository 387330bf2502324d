"""The README is the front door: its quick start and its sample output must stay true."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _quick_start() -> list[str]:
    run = subprocess.run([sys.executable, str(REPO / ".ci" / "quickstart.py"), str(REPO / "README.md")],
                         capture_output=True, text=True, timeout=60, check=True)
    return run.stdout.splitlines()


def test_quick_start_is_two_commands_and_ci_runs_them_from_the_readme() -> None:
    assert _quick_start() == [
        "pip install . && hybridize check examples/",
        'pip install -e ".[test,runtime,jax,torch]" && python -m pytest',
    ]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    # CI takes the commands from the README (never a copy that could drift) and runs them in a clone.
    assert "python .ci/quickstart.py README.md" in ci
    code = [line for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert not [line for line in code if "pip install" in line or "pytest" in line]


def test_sample_output_is_what_hybridize_check_prints_on_the_examples() -> None:
    block = re.search(r"<!-- example-output:start -->\n```\n\$ hybridize check examples/\n(.*?)```\n<!-- example-output:end -->",
                      README, re.S)
    assert block, "README has no sample output block"
    run = subprocess.run([sys.executable, "-m", "hybridize_bot.cli.main", "check", "examples/", "--no-cache"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.stdout == block.group(1), "update the README's sample output (hybridize check examples/)"
