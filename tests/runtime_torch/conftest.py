"""Where the PyTorch claims run: in this interpreter, or in a fresh one when that would crash.

Importing `torch._dynamo` after TensorFlow crashes the process (SIGSEGV) inside `triton`'s native module,
which Dynamo imports when it is installed (PyPI's CUDA build of torch; measured with tensorflow-cpu 2.21
and torch 2.14.1+cu130). The CPU build the `torch` extra pins (2.13.0+cpu) has no `triton` and runs the
claims in the suite's interpreter. Exactly one of the two ways is collected; the other is deselected,
not skipped, so a skip in this directory always means something is missing.
"""
from __future__ import annotations

import importlib.util
import os
import sys

import pytest

_CLAIMS = "test_torch_claims.py"
_FRESH = "test_fresh_interpreter.py"


def claims_need_a_fresh_interpreter() -> bool:
    """TensorFlow already loaded (the TensorFlow runtime tests run first) and triton installed."""
    return "tensorflow" in sys.modules and importlib.util.find_spec("triton") is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    stand_aside = _CLAIMS if claims_need_a_fresh_interpreter() else _FRESH
    keep, drop = [], []
    for item in items:
        (drop if item.path.name == stand_aside and item.path.parent.name == "runtime_torch" else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_configure(config: pytest.Config) -> None:
    # The README's test command installs torch: under CI (CI set) a missing torch is an error, not a skip.
    if os.environ.get("CI") and importlib.util.find_spec("torch") is None:
        raise pytest.UsageError("CI is set but torch is not installed: pip install -e \".[torch]\"")
