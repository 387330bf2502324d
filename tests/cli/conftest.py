"""Helpers for running the real `hybridize` command line on temporary projects."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# A tf.function whose print is HYB001 on line 5.
PRINT_IN_GRAPH = """\
import tensorflow as tf

@tf.function
def step(x):
    print("x is", x)
    return x * 2
"""

CLEAN = """\
import tensorflow as tf

@tf.function
def step(x):
    tf.print("x is", x)
    return x * 2
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


def run_cli(*args: str, cwd: Path) -> Run:
    """`python -m hybridize_bot.cli.main ARGS` in `cwd`, with this checkout first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("GIT_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "hybridize_bot.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path):
    """A factory: project({"a.py": "..."}) -> root directory (with a pyproject.toml unless given)."""
    def make(files: dict[str, str | bytes], pyproject: str | None = "[project]\nname = 'demo'\n") -> Path:
        root = tmp_path / "proj"
        root.mkdir(exist_ok=True)
        if pyproject is not None and "pyproject.toml" not in files:
            (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        return write_tree(root, files)
    return make
