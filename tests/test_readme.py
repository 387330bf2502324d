"""The README is the front door: its quick start and its sample output must stay true."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _quick_start() -> list[str]:
    block = re.search(r"## Quick start.*?```bash\n(.*?)```", README, re.S)
    assert block, "README has no quick-start block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands_and_ci_runs_the_same_test_command() -> None:
    install_and_run, test = _quick_start()
    assert install_and_run == "pip install . && hybridize check examples/"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines(), ".ci/run must run the README's test command verbatim"


def test_sample_output_is_what_hybridize_check_prints_on_the_examples() -> None:
    block = re.search(r"<!-- example-output:start -->\n```\n\$ hybridize check examples/\n(.*?)```\n<!-- example-output:end -->",
                      README, re.S)
    assert block, "README has no sample output block"
    run = subprocess.run([sys.executable, "-m", "hybridize_bot.analysis.cli", "check", "examples/", "--no-cache"],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.stdout == block.group(1), "update the README's sample output (hybridize check examples/)"
