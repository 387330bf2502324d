"""The benchmark and robustness corpus: every .py file of four large TensorFlow-ecosystem wheels.

The wheels are downloaded from PyPI with `pip download --no-deps` into a cache directory outside the
repository (never committed) and their Python files unpacked beside them. About 1.3 million lines.
`fetch_packages` is the one download helper of the benchmarks and the precision study.

    python -m bench.corpus            # download if missing, print the location and size
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

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


# An archive's file name is `<name>-<version>...`; a wheel's name never holds `-`, an sdist's may
# (`dm-acme-0.4.0.tar.gz`), so the name ends at the first `-` followed by a digit.
_ARCHIVE_NAME = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*?)(?:-.*)?(?:\.whl|\.tar\.gz)$")
# A pinned download that `pip download` cannot make (an sdist whose metadata build fails):
# `https://files.pythonhosted.org/...#sha256=<hex>`, pip's own spelling of a URL with its hash.
_PINNED_URL = re.compile(r"^(?P<url>https://files\.pythonhosted\.org/\S+?/(?P<file>[^/#]+))#sha256=(?P<sha256>[0-9a-f]{64})$")


def _canonical(name: str) -> str:
    """PEP 503's normalized project name: `TensorFlow_TTS` and `tensorflow-tts` are one project."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _name_version(archive_name: str) -> tuple[str, str]:
    match = _ARCHIVE_NAME.match(archive_name)
    if match is None:
        raise ValueError(f"not a wheel or sdist file name: {archive_name}")
    return match["name"], match["version"]


def pinned_release(requirement: str) -> tuple[str, str]:
    """(name, version) a requirement pins: `name==version` or a pinned URL's archive name."""
    url = _PINNED_URL.match(requirement)
    if url:
        return _name_version(url["file"])
    name, sep, version = requirement.partition("==")
    if not sep:
        raise ValueError(f"not pinned: {requirement} (use name==version or a files.pythonhosted.org URL#sha256=...)")
    return name, version


def package_dir_name(requirement: str) -> str:
    """The folder `fetch_packages` unpacks a requirement to: its name with `-` and `.` as `_`."""
    return re.sub(r"[-.]", "_", pinned_release(requirement)[0])


def _pinned(requirement: str) -> tuple[str, str]:
    """(canonical name, version) a requirement pins, comparable with an archive's."""
    name, version = pinned_release(requirement)
    return _canonical(name), version


def _missing(requirements: Sequence[str], root: Path) -> list[str]:
    """The pinned requirements of which `root` holds no archive yet.

    Counted per requirement, not by number of archives: the cache is shared by studies with different
    lists, so another list's archives must not hide a missing one.
    """
    return [r for r in requirements if not _has_archive(r, root)]


def _has_archive(requirement: str, root: Path) -> bool:
    try:
        _archive_of(requirement, root)
    except LookupError:
        return False
    return True


def _archive_of(requirement: str, root: Path) -> Path:
    """The archive in `root` that `requirement` names: a pinned URL's own file (an sdist, pinned for what
    the wheel of the same release lacks, such as examples), else an archive of the pinned release, a
    wheel first (what `pip download` picks). LookupError if there is none."""
    url = _PINNED_URL.match(requirement)
    if url:
        if (root / url["file"]).is_file():
            return root / url["file"]
        raise LookupError(requirement)
    pinned = _pinned(requirement)
    found = [a for a in _archives(root) if (_canonical(_name_version(a.name)[0]), _name_version(a.name)[1]) == pinned]
    if not found:
        raise LookupError(requirement)
    return min(found, key=lambda a: (not a.name.endswith(".whl"), a.name))


def _wanted(name: str, skipped: Sequence[str], kept: Sequence[str]) -> bool:
    """Whether a member path is unpacked: not under a skipped prefix, and matching a kept glob if any."""
    if name.startswith(tuple(skipped)) or ".." in Path(name).parts:
        return False
    return not kept or any(fnmatch.fnmatchcase(name, pattern) for pattern in kept)


def _download_pinned_url(requirement: str, root: Path) -> None:
    """Download a `URL#sha256=...` requirement into `root`, refusing bytes whose SHA-256 differs."""
    url = _PINNED_URL.match(requirement)
    assert url is not None
    with urllib.request.urlopen(url["url"], timeout=180) as response:
        data = response.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != url["sha256"]:
        raise RuntimeError(f"{url['file']}: sha256 {digest}, expected {url['sha256']}")
    partial = root / (url["file"] + ".part")  # renamed once complete: a reader never sees half a file
    partial.write_bytes(data)
    partial.replace(root / url["file"])


def _archives(root: Path) -> list[Path]:
    return sorted([*root.glob("*.whl"), *root.glob("*.tar.gz")])


def _is_metadata(name: str) -> bool:
    """A wheel's `<name>.dist-info/METADATA` or an sdist's top-level `PKG-INFO` (paths as unpacked): the
    package's declared dependencies (`Requires-Dist`), from which the analyzer reads the oldest framework
    version it supports."""
    return bool(re.fullmatch(r"[^/]+\.dist-info/METADATA|PKG-INFO", name))


def _python_members(archive: Path, metadata: bool = False) -> Iterator[tuple[str, bytes]]:
    """(path inside the package, bytes) of every .py file of a wheel or an sdist, and with `metadata` its
    core metadata file too (`_is_metadata`).

    A wheel's `<name>.data/purelib/` and `platlib/` prefixes and an sdist's `<name>-<version>/` top
    folder are dropped, so paths look like the package's source tree.
    """
    def kept(name: str) -> bool:
        return name.endswith(".py") or (metadata and _is_metadata(name))

    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            for name in zf.namelist():
                if kept(name):
                    yield re.sub(r"^[^/]+\.data/(purelib|platlib)/", "", name), zf.read(name)
        return
    with tarfile.open(archive) as tf:
        for member in tf.getmembers():
            name = member.name.split("/", 1)[-1]
            if member.isfile() and kept(name):
                data = tf.extractfile(member)
                if data is not None:
                    yield name, data.read()


def fetch_packages(requirements: Sequence[str], root: Path,
                   exclude: Mapping[str, Sequence[str]] | None = None,
                   include: Mapping[str, Sequence[str]] | None = None, metadata: bool = False,
                   folders: Mapping[str, str] | None = None) -> Path:
    """Download pinned PyPI distributions into `root` and unpack their .py files.

    A requirement is `name==version` (`pip download --no-deps`) or a pinned
    `https://files.pythonhosted.org/...#sha256=<hex>` URL, downloaded directly and verified (for an
    sdist whose metadata `pip download` cannot build). Only the requirements without an archive in
    `root` are downloaded: the cache may be shared with other requirement lists.
    Returns `root/src`, holding one folder per distribution (its name with `-` and `.` as `_`).
    `exclude` maps such a folder name to path prefixes that are not unpacked (generated copies, say);
    `include`, to `fnmatch` globs of which only matching paths are unpacked (`*` also crosses `/`), for
    a distribution of which only a part is wanted. `metadata`: also unpack each distribution's core metadata
    (`METADATA`/`PKG-INFO`), whose declared dependencies the analyzer reads like a project's (the PyTorch
    study needs them: HYB205 is quiet where the package requires PyTorch >= 2.6). `folders` maps a
    requirement to the folder it unpacks to instead of its name's (a study with two releases of one project).
    """
    src = root / "src"
    root.mkdir(parents=True, exist_ok=True)
    missing = _missing(requirements, root)
    urls = [r for r in missing if _PINNED_URL.match(r)]
    for requirement in urls:
        _download_pinned_url(requirement, root)
    if len(missing) > len(urls):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(root),
             *(r for r in missing if r not in urls)],
            check=True,
        )
    for requirement in requirements:
        archive = _archive_of(requirement, root)
        target = src / (folders or {}).get(requirement, package_dir_name(requirement))
        marker = target / ".unpacked"
        if marker.exists() and marker.read_text() == archive.name:
            continue
        if target.exists():
            # Unpacked from another archive of the same project (the wheel, where the sdist with the
            # project's examples is now pinned): its files must not linger among the new ones.
            shutil.rmtree(target)
        skipped = tuple((exclude or {}).get(target.name, ()))
        kept = tuple((include or {}).get(target.name, ()))
        for name, data in _python_members(archive, metadata):
            if not _wanted(name, skipped, kept) and not (metadata and _is_metadata(name)):
                continue  # the metadata of a distribution of which only some files are wanted still counts
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
