"""bench/corpus.py's download cache: which pinned archives it already holds, and what it unpacks.

A hand-made wheel in a temporary cache (no network: every requirement is already there, so pip is not run).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from bench.corpus import _missing, fetch_packages


def _wheel(root: Path, name: str, members: list[str]) -> None:
    with zipfile.ZipFile(root / name, "w") as zf:
        for member in members:
            zf.writestr(member, "x = 1\n")


def test_missing_is_counted_per_requirement_not_by_number_of_archives(tmp_path: Path) -> None:
    # Another study's archives share the cache: two archives, but only one of the two pins is there.
    _wheel(tmp_path, "OpenNMT_tf-2.32.0-py3-none-any.whl", [])
    _wheel(tmp_path, "other-1.0-py3-none-any.whl", [])
    (tmp_path / "yolov4-3.2.0.tar.gz").write_bytes(b"")
    wanted = ["OpenNMT-tf==2.32.0", "tensordiffeq==0.2.0", "yolov4==3.2.0", "other==1.1"]
    assert _missing(wanted, tmp_path) == ["tensordiffeq==0.2.0", "other==1.1"]


def test_include_globs_keep_only_matching_files_and_exclude_still_wins(tmp_path: Path) -> None:
    _wheel(tmp_path, "transformers-4.46.3-py3-none-any.whl", [
        "transformers/modeling_tf_utils.py", "transformers/modeling_utils.py",
        "transformers/models/bert/modeling_tf_bert.py", "transformers/models/bert/modeling_bert.py",
        "transformers/models/old/modeling_tf_old.py", "transformers/tf_utils.py"])
    src = fetch_packages(["transformers==4.46.3"], tmp_path,
                         exclude={"transformers": ["transformers/models/old/"]},
                         include={"transformers": ["transformers/models/*/modeling_tf_*.py",
                                                   "transformers/modeling_tf_*.py", "transformers/tf_utils.py"]})
    unpacked = sorted(p.relative_to(src / "transformers").as_posix() for p in src.rglob("*.py"))
    assert unpacked == ["transformers/modeling_tf_utils.py", "transformers/models/bert/modeling_tf_bert.py",
                        "transformers/tf_utils.py"]
