"""bench.corpus's one download helper: pinned names, pinned URLs with their hash, a shared cache.

No network: the URL download is served by a stand-in for urllib's urlopen.
"""
from __future__ import annotations

import hashlib
import io
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

import bench.corpus as corpus
from bench.corpus import _missing, fetch_packages, package_dir_name, pinned_release

URL = "https://files.pythonhosted.org/packages/57/29/ab/tf2rl-1.1.5.tar.gz"


def _sdist(files: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _serve(monkeypatch: pytest.MonkeyPatch, data: bytes) -> list[str]:
    asked: list[str] = []

    def urlopen(url: str, timeout: float) -> io.BytesIO:
        asked.append(url)
        return io.BytesIO(data)

    monkeypatch.setattr(corpus.urllib.request, "urlopen", urlopen)
    return asked


def test_names_of_pinned_requirements() -> None:
    assert pinned_release("TensorFlowTTS==1.8") == ("TensorFlowTTS", "1.8")
    assert pinned_release(f"{URL}#sha256={'0' * 64}") == ("tf2rl", "1.1.5")
    assert package_dir_name("dm-acme==0.4.0") == "dm_acme"
    assert package_dir_name("tf-quant-finance==0.0.1.dev34") == "tf_quant_finance"
    with pytest.raises(ValueError):
        pinned_release("trieste>=4")


def test_a_pinned_url_is_downloaded_verified_and_unpacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _sdist({"tf2rl-1.1.5/tf2rl/algos/ddpg.py": "x = 1\n", "tf2rl-1.1.5/README.md": "r"})
    asked = _serve(monkeypatch, data)
    src = fetch_packages([f"{URL}#sha256={hashlib.sha256(data).hexdigest()}"], tmp_path)
    assert asked == [URL]
    assert (src / "tf2rl" / "tf2rl" / "algos" / "ddpg.py").read_text() == "x = 1\n"
    assert not (src / "tf2rl" / "README.md").exists()
    fetch_packages([f"{URL}#sha256={hashlib.sha256(data).hexdigest()}"], tmp_path)
    assert asked == [URL]  # cached: not downloaded again


def test_a_pinned_url_whose_bytes_differ_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _serve(monkeypatch, b"not the release")
    with pytest.raises(RuntimeError, match="sha256"):
        fetch_packages([f"{URL}#sha256={'0' * 64}"], tmp_path)
    assert list(tmp_path.glob("tf2rl*")) == []


def test_archives_of_other_requirement_lists_in_a_shared_cache_neither_count_nor_unpack(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another list put its wheel there; ours is an sdist whose name holds a dash.
    with zipfile.ZipFile(tmp_path / "other_pkg-2.0-py3-none-any.whl", "w") as zf:
        zf.writestr("other_pkg/m.py", "y = 2\n")
    data = _sdist({"dm-acme-0.4.0/acme/core.py": "z = 3\n"})
    asked = _serve(monkeypatch, data)
    url = "https://files.pythonhosted.org/packages/d2/90/dm-acme-0.4.0.tar.gz"
    src = fetch_packages([f"{url}#sha256={hashlib.sha256(data).hexdigest()}"], tmp_path)
    assert asked == [url]
    assert (src / "dm_acme" / "acme" / "core.py").read_text() == "z = 3\n"
    assert not (src / "other_pkg").exists()


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


def test_core_metadata_is_unpacked_only_when_asked(tmp_path: Path) -> None:
    # The PyTorch study reads a package's declared PyTorch (Requires-Dist) from its METADATA, as the analyzer
    # reads a project's; other studies keep unpacking source only.
    _wheel(tmp_path, "pyannote_audio-4.0.7-py3-none-any.whl", [
        "pyannote/audio/core.py", "pyannote_audio-4.0.7.dist-info/METADATA", "pyannote_audio-4.0.7.dist-info/RECORD",
        "pyannote/audio/METADATA"])
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(tmp_path / "pyannote_audio-4.0.7-py3-none-any.whl", plain)
    src = fetch_packages(["pyannote-audio==4.0.7"], plain)
    assert sorted(p.relative_to(src / "pyannote_audio").as_posix() for p in src.rglob("*") if p.is_file()
                  and p.name != ".unpacked") == ["pyannote/audio/core.py"]
    src = fetch_packages(["pyannote-audio==4.0.7"], tmp_path, include={"pyannote_audio": ["pyannote/*.py"]},
                         metadata=True)
    assert sorted(p.relative_to(src / "pyannote_audio").as_posix() for p in src.rglob("*") if p.is_file()
                  and p.name != ".unpacked") == ["pyannote/audio/core.py", "pyannote_audio-4.0.7.dist-info/METADATA"]


def test_an_sdist_pinned_where_its_wheel_was_unpacked_replaces_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The wheel of the release is cached and unpacked (by this list before, or by another list); the sdist
    # of the same release, pinned by URL for its examples, is still missing and replaces the wheel's files.
    _wheel(tmp_path, "flax-0.12.8-py3-none-any.whl", ["flax/core.py", "flax/only_in_wheel.py"])
    src = fetch_packages(["flax==0.12.8"], tmp_path)
    assert (src / "flax" / "flax" / "only_in_wheel.py").exists()
    data = _sdist({"flax-0.12.8/flax/core.py": "c = 1\n", "flax-0.12.8/examples/mnist/train.py": "t = 2\n"})
    url = "https://files.pythonhosted.org/packages/d3/b3/flax-0.12.8.tar.gz"
    pinned = f"{url}#sha256={hashlib.sha256(data).hexdigest()}"
    assert _missing([pinned, "flax==0.12.8"], tmp_path) == [pinned]
    asked = _serve(monkeypatch, data)
    src = fetch_packages([pinned], tmp_path)
    assert asked == [url]
    unpacked = sorted(p.relative_to(src / "flax").as_posix() for p in src.rglob("*.py"))
    assert unpacked == ["examples/mnist/train.py", "flax/core.py"]
    assert (src / "flax" / ".unpacked").read_text() == "flax-0.12.8.tar.gz"
    # The wheel's list still gets the wheel back.
    src = fetch_packages(["flax==0.12.8"], tmp_path)
    assert sorted(p.relative_to(src / "flax").as_posix() for p in src.rglob("*.py")) == ["flax/core.py", "flax/only_in_wheel.py"]


def test_an_older_release_unpacks_to_its_own_folder_beside_todays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The JAX/PyTorch study holds jax 0.10.2's wheel and jax 0.2.28's sdist (issue 14): each in its own folder.
    _wheel(tmp_path, "jax-0.10.2-py3-none-any.whl", ["jax/new.py"])
    data = _sdist({"jax-0.2.28/jax/old.py": "o = 1\n"})
    url = "https://files.pythonhosted.org/packages/61/0a/jax-0.2.28.tar.gz"
    pinned = f"{url}#sha256={hashlib.sha256(data).hexdigest()}"
    _serve(monkeypatch, data)
    src = fetch_packages(["jax==0.10.2", pinned], tmp_path, folders={pinned: "jax_0_2_28"})
    assert sorted(p.relative_to(src).as_posix() for p in src.rglob("*.py")) == ["jax/jax/new.py", "jax_0_2_28/jax/old.py"]
