"""`hybridize facts`: JSON records for every function, text output, exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hybridize_bot.cli.main import main


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "train.py").write_text(
        "import tensorflow as tf\n\n"
        "def step(x, w):\n    h = tf.matmul(x, w)\n    return tf.reduce_sum(h)\n\n"
        "@tf.function\ndef label(name, n):\n    return name\n\n"
        "w = tf.ones((2, 2))\nfor i in range(3):\n    step(tf.ones((2, 2)), w)\n    label('a', i)\n"
    )
    return tmp_path


def test_json_records(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facts", str(project), "--format", "json", "--no-cache"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema_version"] == 1
    by_name = {r["qualname"]: r for r in data["functions"]}
    step, label = by_name["step"], by_name["label"]
    assert step["path"] == "train.py" and step["line"] == 3 and step["hybrid"] is False
    assert step["tensor_parameters"] == ["x", "w"] and step["primitive_parameters"] == []
    assert step["side_effects"] is False and step["side_effect_reasons"] == []
    assert step["refactoring"] == "convert-to-hybrid" and step["blocked_by"] == []
    assert step["called_in_loop"] is True
    assert step["undetermined"] == [] and step["decision"] == "not worth it"
    assert list(step["decision_reasons"]) == ["TOO_LITTLE_TENSOR_WORK"]
    assert label["hybrid"] is True and label["refactoring"] == "convert-to-eager"
    assert label["primitive_parameters"] == ["name", "n"]
    for key in ("recursive", "tensor_computation", "callers_covered", "reasons"):
        assert key in step


def test_text_output_and_cache_dir(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "cache"
    assert main(["facts", str(project), "--cache-dir", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "train.py:3: step [eager]" in out and "convert-to-hybrid: not worth it" in out
    assert "      TOO_LITTLE_TENSOR_WORK: tensor work 11 < 12" in out  # matmul 10 + reduce_sum 1
    assert "train.py:8: label [hybrid]" in out and "convert-to-eager: applies" in out
    assert any(cache.rglob("*")), "the cache was written"


def test_conflicting_cache_options_are_a_usage_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facts", str(project), "--no-cache", "--cache-dir", "x"]) == 2
    assert "cannot be used together" in capsys.readouterr().err


def test_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facts", "/nonexistent/dir", "--no-cache"]) == 2


def test_a_tensor_assumed_from_the_name_is_shown_as_speculative(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "train.py").write_text(
        "import tensorflow as tf\nfrom data import load_batches\n\n"
        "def train_step(batch):\n    h = tf.matmul(batch, tf.transpose(batch))\n"
        "    return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))\n\n"
        "def main():\n    for batch in load_batches():\n        train_step(batch)\n"
    )
    assert main(["facts", str(tmp_path), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "tensor parameters: batch (speculative); primitive parameters: unknown" in out
    assert "SPECULATIVE_TENSOR_PARAMETER: `batch`: speculative: named like a training/inference step" in out
    assert main(["facts", str(tmp_path), "--format", "json", "--no-cache"]) == 0
    [step] = [r for r in json.loads(capsys.readouterr().out)["functions"] if r["qualname"] == "train_step"]
    assert step["tensor_parameters"] == ["batch"] and step["speculative_parameters"] == ["batch"]
    assert step["undetermined"] == ["SPECULATIVE_TENSOR_PARAMETER", "UNDETERMINABLE_PRIMITIVE_PARAMETER"]
    assert step["decision"] == "suggestion only"
