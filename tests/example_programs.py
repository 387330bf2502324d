"""Picking a rule's own example to run under a real framework (tests/runtime_jax, tests/runtime_torch)."""
from __future__ import annotations

from typing import Any

from hybridize_bot.analysis.rules.base import Example

from .runtime.tfrun import run_program


def example(examples: tuple[Example, ...], marker: str) -> Example:
    """The one example whose source contains `marker` (robust to reordering the rule's examples)."""
    found = [e for e in examples if marker in e.display()]
    assert len(found) == 1, f"expected one example containing {marker!r}, found {len(found)}"
    return found[0]


def run_example(examples: tuple[Example, ...], marker: str) -> dict[str, Any]:
    """Run the example as a module file (single-file examples); returns its namespace."""
    ex = example(examples, marker)
    (source,) = ex.files().values()
    return run_program(source.decode()).namespace
