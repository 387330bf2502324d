"""TensorFlow claims behind the issue-11 recall changes, checked with the rules' own examples."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.rules.base import Example
from hybridize_bot.analysis.rules.variable_in_graph import VariableInGraph
from tests.runtime.tfrun import run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")


def _by_note(examples: tuple[Example, ...], note: str) -> Example:
    (found,) = [e for e in examples if note in e.note]
    return found


def test_variable_created_under_a_conditional_expression_guard_is_created_once() -> None:
    example = _by_note(VariableInGraph.valid, "conditional expression")
    counter = run_program(example.files()[example.path].decode()).namespace["Counter"]()
    assert float(counter(tf.constant(1.0))) == 1.0
    assert float(counter(tf.constant(2.0))) == 3.0  # the same variable: no "tf.function only supports
    assert len(counter.variables) == 1  # singleton tf.Variables created on the first call" error
