"""File discovery (cli/files.py): what is read, what is skipped, and in which order."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from hybridize_bot.cli import files
from hybridize_bot.analysis.config import Config, config_from_table
from hybridize_bot.cli.files import discover, find_config, load_workspace

from .conftest import PRINT_IN_GRAPH, write_tree


def _discover(root: Path, config: Config | None = None, paths: list[Path] | None = None):
    return discover(paths or [root], root, config or Config())


def test_python_files_only_sorted_and_hidden_dirs_skipped(tmp_path: Path) -> None:
    write_tree(tmp_path, {"b.py": "b", "a/z.py": "z", "a/y.py": "y", "notes.txt": "t", "stub.pyi": "s",
                          ".venv/lib/x.py": "x", ".git/hooks/h.py": "h", "a/.hidden/q.py": "q",
                          "__pycache__/c.py": "c"})
    found = _discover(tmp_path)
    assert list(found.sources) == ["a/y.py", "a/z.py", "b.py"]
    assert found.sources["b.py"] == b"b" and found.notes == []


def test_excluded_directories_are_not_descended(tmp_path: Path) -> None:
    write_tree(tmp_path, {"keep/a.py": "a", "third_party/lib/b.py": "b"})
    # A loop inside the excluded directory would produce a note if it were walked.
    os.symlink("..", tmp_path / "third_party" / "lib" / "loop")
    found = _discover(tmp_path, config_from_table({"exclude": ["third_party/"]}))
    assert list(found.sources) == ["keep/a.py"] and found.notes == []


def test_symlinks_are_followed_and_loops_noted(tmp_path: Path) -> None:
    write_tree(tmp_path, {"real/a.py": "a", "other/b.py": "b"})
    os.symlink(tmp_path / "real", tmp_path / "link1")
    os.symlink(tmp_path / "real", tmp_path / "link2")  # two links to one directory: not a loop
    os.symlink(tmp_path / "real" / "a.py", tmp_path / "alias.py")
    os.symlink(tmp_path, tmp_path / "other" / "root_again")
    os.symlink("missing.py", tmp_path / "dangling.py")
    found = _discover(tmp_path)
    assert list(found.sources) == ["alias.py", "link1/a.py", "link2/a.py", "other/b.py", "real/a.py"]
    assert [(n.path, n.message) for n in found.notes] == [
        ("dangling.py", "skipped: broken symbolic link"),
        ("other/root_again", "skipped: symlink loop"),
    ]


def test_mutual_symlink_loop_terminates(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    os.symlink(tmp_path / "b", tmp_path / "a" / "to_b")
    os.symlink(tmp_path / "a", tmp_path / "b" / "to_a")
    found = _discover(tmp_path)
    assert found.sources == {}
    assert [n.path for n in found.notes] == ["a/to_b/to_a", "b/to_a/to_b"]


def test_oversized_file_is_noted_without_being_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"small.py": "x = 1\n"})
    with open(tmp_path / "huge.py", "wb") as handle:  # sparse: 50 MB on paper, nothing on disk
        handle.truncate(50_000_000)
    opened: list[str] = []
    real_read = files.read_limited

    def spy(path, *args, **kwargs):
        opened.append(Path(path).name)
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(files, "read_limited", spy)
    found = _discover(tmp_path)
    assert list(found.sources) == ["small.py"] and opened == ["small.py"]
    assert [(n.path, n.message) for n in found.notes] == [
        ("huge.py", "skipped: 50000000 bytes is above max-file-size (1000000)")]


def test_unreadable_file_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests may run as root, where chmod 000 does not stop reading; make open fail instead.
    write_tree(tmp_path, {"a.py": "a", "b.py": "b"})
    real_read = files.read_limited

    def failing(path, *args, **kwargs):
        if Path(path).name == "a.py":
            raise PermissionError(13, "Permission denied")
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(files, "read_limited", failing)
    found = _discover(tmp_path)
    assert list(found.sources) == ["b.py"]
    assert [(n.path, n.message) for n in found.notes] == [("a.py", "skipped: cannot read (Permission denied)")]


def test_explicit_files_and_non_python_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"x.py": "x", "README.md": "r", "d/y.py": "y"})
    found = discover([tmp_path / "x.py", tmp_path / "README.md", tmp_path / "d"], tmp_path, Config())
    assert list(found.sources) == ["d/y.py", "x.py"]
    assert [(n.path, n.message) for n in found.notes] == [("README.md", "skipped: not a .py file")]


def test_find_config_prefers_a_hybridize_table(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.hybridize]\n", "a/pyproject.toml": "[project]\nname='a'\n",
                          "a/b/c.py": "", "z/pyproject.toml": "[tool.black]\n", "z/c.py": ""})
    assert find_config(tmp_path / "a" / "b" / "c.py") == tmp_path / "pyproject.toml"
    assert find_config(tmp_path / "z") == tmp_path / "pyproject.toml"


def test_workspace_reads_root_metadata_but_reports_only_requested(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.hybridize]\n", "setup.py": "from setuptools import setup\n",
                          "requirements-dev.txt": "tensorflow>=2.12\n", "src/a.py": PRINT_IN_GRAPH})
    ws = load_workspace([str(tmp_path / "src")])
    assert ws.root == tmp_path and list(ws.python) == ["src/a.py"]
    assert set(ws.metadata) == {"pyproject.toml", "setup.py", "requirements-dev.txt"}
    assert set(ws.sources()) == {"pyproject.toml", "setup.py", "requirements-dev.txt", "src/a.py"}


def test_an_unreadable_file_named_explicitly_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"a.py": "a"})

    def failing(path, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files, "read_limited", failing)
    with pytest.raises(files.WorkspaceError, match=r"a\.py: cannot read \(Permission denied\)"):
        discover([tmp_path / "a.py"], tmp_path, Config())


def test_read_limited_reads_what_is_there_up_to_one_byte_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_bytes(b"0123456789")  # 10 bytes
    assert files.read_limited(path, 10, 10) == b"0123456789"  # exactly the limit: all of it
    assert files.read_limited(path, 10, 100) == b"0123456789"
    # Grown since the stat (the caller saw 3 bytes): read on, but never more than limit + 1 bytes.
    assert files.read_limited(path, 3, 100) == b"0123456789"
    assert files.read_limited(path, 3, 6) == b"0123456"
    assert files.read_limited(path, 10, 4) == b"01234"
    # Shrunk since the stat (the caller saw 50 bytes): what is there now.
    assert files.read_limited(path, 50, 100) == b"0123456789"
    (tmp_path / "empty.py").write_bytes(b"")
    assert files.read_limited(tmp_path / "empty.py", 0, 10) == b""


def test_a_file_that_grew_past_the_limit_after_the_stat_is_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    real_stat = os.stat

    def stale(path, *args, **kwargs):  # a.py was 6 bytes when listed, then grew to 2,000,000
        info = real_stat(path, *args, **kwargs)
        if Path(path).name == "a.py":
            (tmp_path / "a.py").write_bytes(b"#" * 2_000_000)
        return info

    monkeypatch.setattr(files.os, "stat", stale)
    found = _discover(tmp_path)
    assert list(found.sources) == ["b.py"]
    assert [(n.path, n.message) for n in found.notes] == [
        ("a.py", "skipped: more than max-file-size (1000000) bytes")]
