"""docs/facts.md documents everything `hybridize facts` can print (issue 11): every JSON field, every
refactoring outcome and decision, every blocking or undetermined precondition code, every side-effect
kind. The codes are read from the modules that define them, so a new one fails here until documented."""
from __future__ import annotations

import json
import re
from pathlib import Path
from types import ModuleType

import pytest

from hybridize_bot.analysis.facts import explain, preconditions
from hybridize_bot.cli.main import main

DOC = (Path(__file__).resolve().parents[2] / "docs" / "facts.md").read_text(encoding="utf-8")
# Every kind `side_effect_reasons[].kind` takes: the extractor's local effect kinds and the unresolved call.
EFFECT_KINDS = ("global-write", "nonlocal-write", "attr-write", "item-write", "mutation", "print", "io",
                "nondeterminism", "unresolved-call")


def _codes(module: ModuleType) -> list[str]:
    """The module's precondition codes: upper-case constants whose value is their own name."""
    return [name for name, value in vars(module).items() if name.isupper() and value == name]


def _documented(word: str) -> bool:
    return re.search(rf"[`\"]{re.escape(word)}[`\"]", DOC) is not None


@pytest.mark.parametrize("code", _codes(preconditions) + _codes(explain))
def test_every_precondition_code_is_documented(code: str) -> None:
    assert _documented(code)


def test_the_codes_are_found() -> None:
    # The lookup above must see the codes at all (a rename of the modules' convention would hide them).
    assert {"HAS_PYTHON_SIDE_EFFECTS", "IS_TEST_CODE", "NOT_CALLED_IN_LOOP"} <= set(_codes(preconditions) + _codes(explain))


@pytest.mark.parametrize("word", [preconditions.CONVERT_TO_HYBRID, preconditions.CONVERT_TO_EAGER,
                                  preconditions.RECONFIGURE, "applies", "suggestion only", "blocked", "not worth it",
                                  *EFFECT_KINDS])
def test_every_outcome_decision_and_effect_kind_is_documented(word: str) -> None:
    assert _documented(word)


def test_every_json_field_is_documented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "train.py").write_text(
        "import tensorflow as tf\n\n"
        "def step(x, w):\n    print(x)\n    return tf.matmul(x, w)\n\n"
        "step(tf.ones((2, 2)), tf.ones((2, 2)))\n"
    )
    assert main(["facts", str(tmp_path), "--format", "json", "--no-cache"]) == 0
    data = json.loads(capsys.readouterr().out)
    fields = set(data) | set(data["functions"][0]) | set(data["functions"][0]["reasons"])
    fields |= {key for r in data["functions"] for e in r["side_effect_reasons"] for key in e}
    assert {"side_effect_reasons", "kind", "called_in_loop"} <= fields
    missing = sorted(f for f in fields if not _documented(f))
    assert missing == []
