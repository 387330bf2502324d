"""Running a bench's measurement on another checkout's code, for a baseline under the same machine load.

The ref is exported with `git archive` and a subprocess imports `hybridize_bot` from it (PYTHONPATH comes
before the editable install's finder, which is appended to sys.meta_path); bench/ stays this tree's, so
the same measurement code runs on both.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def ref_environment(ref: str) -> Iterator[dict[str, str]]:
    """An environment (os.environ plus PYTHONPATH) whose `python` imports `hybridize_bot` from `ref`,
    exported and byte-compiled for as long as the block runs: for benches that alternate rounds of
    this tree and of the ref (bench/warm_cpu.py)."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        package = Path(tmp) / "path" / "hybridize_bot"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        for name in ("analysis", "bot", "cli"):
            (package / name).symlink_to(tree / name)
            # Compiled up front, as this tree's modules already are: else the baseline (and each worker
            # process it starts) would also pay for compiling every module it imports.
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / name)], check=True)
        yield {**os.environ, "PYTHONPATH": str(package.parent)}


def run_on_ref(ref: str, module: str, argv: list[str]) -> str:
    """stdout of `python -m <module> <argv>` run from this tree with `hybridize_bot` imported from `ref`."""
    with ref_environment(ref) as env:
        return subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout
