"""`hybridize fix` on real files in a temporary project."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from hybridize_bot.cli.main import main
from hybridize_bot.cli.fix import FileChangedError, write_atomically

PYPROJECT = '[project]\nname = "p"\ndependencies = ["tensorflow>=2.12"]\n'
MODEL = (b"import tensorflow as tf\r\n\r\n@tf.function(experimental_compile=True)\r\ndef f(x):\r\n"
         b"    return x\r\n")
NESTED = (b"import tensorflow as tf\n\n\ndef run(xs):\n    for x in xs:\n        @tf.function\n"
          b"        def step(b):\n            return tf.reduce_sum(b) + 1\n        step(x)\n")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "model.py").write_bytes(MODEL)
    (tmp_path / "model.py").chmod(0o754)
    (tmp_path / "train.py").write_bytes(NESTED)
    return tmp_path


def test_fix_writes_safe_fixes_and_keeps_the_mode(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--select", "HYB007,HYB011", str(project)]) == 0
    assert (project / "model.py").read_bytes() == MODEL.replace(b"experimental_compile", b"jit_compile")
    assert stat.S_IMODE((project / "model.py").stat().st_mode) == 0o754
    assert (project / "train.py").read_bytes() == NESTED  # gated: not asked for
    out = capsys.readouterr().out
    assert "model.py:3:14: HYB011 fixed" in out
    assert "Fixed 1 finding in 1 file." in out
    assert "1 more fix available with --unsafe-fixes" in out
    assert not [p for p in project.iterdir() if p.name.endswith(".hybridize-tmp")]


def test_unsafe_fixes_applies_gated_ones(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--unsafe-fixes", "--select", "HYB007,HYB011", str(project)]) == 0
    assert (project / "train.py").read_bytes() == (
        b"import tensorflow as tf\n\n\n@tf.function\ndef step(b):\n    return tf.reduce_sum(b) + 1\n\n\n"
        b"def run(xs):\n    for x in xs:\n        step(x)\n")
    assert "Fixed 2 findings in 2 files." in capsys.readouterr().out


def test_diff_prints_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: p.read_bytes() for p in project.iterdir()}
    assert main(["fix", "--diff", str(project)]) == 1
    captured = capsys.readouterr()
    assert "--- a/model.py\n+++ b/model.py\n" in captured.out
    assert "-@tf.function(experimental_compile=True)\r\n+@tf.function(jit_compile=True)\r\n" in captured.out
    assert "Would fix 1 finding in 1 file." in captured.err
    assert {p.name: p.read_bytes() for p in project.iterdir()} == before


def test_diff_with_nothing_to_do_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "clean.py").write_text("x = 1\n")
    assert main(["fix", "--diff", str(tmp_path)]) == 0
    assert capsys.readouterr().out == ""


def test_select_and_a_bad_code(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--unsafe-fixes", "--select", "HYB007", str(project)]) == 0
    assert (project / "model.py").read_bytes() == MODEL
    assert (project / "train.py").read_bytes() != NESTED
    assert main(["fix", "--select", "NOPE1", str(project)]) == 2
    assert "NOPE1" in capsys.readouterr().err


def test_a_symlinked_file_stays_a_symlink(project: Path) -> None:
    real = project / "real_model.py"
    (project / "model.py").rename(real)
    (project / "model.py").symlink_to(real.name)
    write_atomically(project / "model.py", b"x = 2\n")
    assert (project / "model.py").is_symlink() and real.read_bytes() == b"x = 2\n"


def test_a_file_changed_on_disk_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"new content\n")
    with pytest.raises(FileChangedError):
        write_atomically(path, b"fixed\n", expected=b"old content\n")
    assert path.read_bytes() == b"new content\n"
    assert os.listdir(tmp_path) == ["m.py"]
