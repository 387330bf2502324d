"""Runs the PyTorch claims in a new interpreter when this one could not (conftest.py decides which runs).

With triton installed, importing torch._dynamo after TensorFlow crashes the process.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.runtime_torch
pytest.importorskip("torch")

CLAIMS = Path(__file__).with_name("test_torch_claims.py")
REPO = Path(__file__).resolve().parents[2]


def test_torch_claims_pass_in_a_fresh_interpreter() -> None:
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(CLAIMS)],
                         cwd=REPO, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout[-2000:]
