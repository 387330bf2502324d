"""The benchmark and robustness corpus: every .py file of four large TensorFlow-ecosystem wheels.

The wheels are downloaded from PyPI with `pip download --no-deps` into a cache directory outside the
repository (never committed) and their Python files unpacked beside them. About 1.3 million lines.

    python -m bench.corpus            # download if missing, print the location and size
"""
from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

WHEELS = (
    "tf-models-official==2.20.0",
    "keras==3.15.1",
    "tensorflow-probability==0.25.0",
    "tf-agents==0.19.0",
)


def cache_dir(variable: str, name: str) -> Path:
    """$variable if set, else `name` under $XDG_CACHE_HOME (default ~/.cache): outside the repository."""
    explicit = os.environ.get(variable)
    if explicit:
        return Path(explicit)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / name


def corpus_dir() -> Path:
    return cache_dir("HYBRIDIZE_CORPUS_DIR", "hybridize-corpus")


def _package_dir(archive: Path) -> str:
    return archive.name.split("-")[0].replace(".", "_")


def _archives(root: Path) -> list[Path]:
    return sorted([*root.glob("*.whl"), *root.glob("*.tar.gz")])


def _pinned(archive: Path) -> tuple[str, str]:
    """(canonical project name, version) of a downloaded wheel or sdist."""
    if archive.name.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(archive.name)
    else:
        name, version = parse_sdist_filename(archive.name)
    return canonicalize_name(name), str(version)


def _missing(requirements: Sequence[str], root: Path) -> list[str]:
    """The pinned requirements (`name==version`) of which `root` holds no archive yet.

    Counted per requirement, not by number of archives: the cache is shared by studies with different
    lists, so another list's archives must not hide a missing one.
    """
    present = {_pinned(a) for a in _archives(root)}
    out = []
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        if (canonicalize_name(name), str(Version(version)) if version else "") not in present:
            out.append(requirement)
    return out


def _python_members(archive: Path) -> Iterator[tuple[str, bytes]]:
    """(path inside the package, bytes) of every .py file of a wheel or an sdist.

    A wheel's `<name>.data/purelib/` and `platlib/` prefixes and an sdist's `<name>-<version>/` top
    folder are dropped, so paths look like the package's source tree.
    """
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if name.endswith(".py"):
                    yield re.sub(r"^[^/]+\.data/(purelib|platlib)/", "", name), zf.read(name)
        return
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            if member.isfile() and member.name.endswith(".py"):
                data = tf.extractfile(member)
                if data is not None:
                    yield member.name.split("/", 1)[-1], data.read()


def _wanted(name: str, skipped: Sequence[str], kept: Sequence[str]) -> bool:
    """Whether a member path is unpacked: not under a skipped prefix, and matching a kept glob if any."""
    if name.startswith(tuple(skipped)) or ".." in Path(name).parts:
        return False
    return not kept or any(fnmatch.fnmatchcase(name, pattern) for pattern in kept)


def fetch_packages(requirements: Sequence[str], root: Path,
                   exclude: Mapping[str, Sequence[str]] | None = None,
                   include: Mapping[str, Sequence[str]] | None = None) -> Path:
    """Download pinned PyPI distributions (`pip download --no-deps`) into `root` and unpack their .py files.

    Returns `root/src`, holding one folder per distribution (its name with `-` and `.` as `_`).
    `exclude` maps such a folder name to path prefixes that are not unpacked (generated copies, say);
    `include`, to `fnmatch` globs of which only matching paths are unpacked (`*` also crosses `/`), for
    a distribution of which only a part is wanted.
    """
    src = root / "src"
    root.mkdir(parents=True, exist_ok=True)
    missing = _missing(requirements, root)
    if missing:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(root), *missing],
            check=True,
        )
    for archive in _archives(root):
        target = src / _package_dir(archive)
        marker = target / ".unpacked"
        if marker.exists():
            continue
        skipped = tuple((exclude or {}).get(target.name, ()))
        kept = tuple((include or {}).get(target.name, ()))
        for name, data in _python_members(archive):
            if not _wanted(name, skipped, kept):
                continue
            out = target / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
        marker.write_text(archive.name)
    return src


def ensure_corpus(root: Path | None = None, wheels_wanted: tuple[str, ...] = WHEELS) -> Path:
    """Download and unpack the wheels if needed; return the directory holding one folder per wheel."""
    return fetch_packages(wheels_wanted, root or corpus_dir())


def corpus_files(src: Path) -> dict[str, bytes]:
    """Relative posix path -> bytes of every Python file in the corpus, in a stable order."""
    return {p.relative_to(src).as_posix(): p.read_bytes() for p in sorted(src.rglob("*.py"))}


if __name__ == "__main__":
    location = ensure_corpus()
    files = corpus_files(location)
    lines = sum(b.count(b"\n") for b in files.values())
    print(f"{location}: {len(files)} files, {lines} lines")
