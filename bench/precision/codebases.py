"""The real TensorFlow 2 code bases of the precision study: pinned PyPI releases, each one project root.

Library code is not the only user, so five of them are (or ship) training scripts: the TF Model Garden
(`official/`), TF-Agents' `examples/v2/train_eval.py` scripts, TF-GNN's runner and its OGBN-MAG
training example, Sonnet's MNIST examples and TF Recommenders' MovieLens example.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.corpus import cache_dir, fetch_packages


@dataclass(frozen=True)
class CodeBase:
    requirement: str  # pinned, as `pip download` takes it
    style: str  # "training" (model garden, examples, scripts) or "library"
    exclude: tuple[str, ...] = ()  # path prefixes not unpacked, and why in a comment beside them

    @property
    def name(self) -> str:
        """The folder the distribution unpacks to (bench.corpus names it after the archive)."""
        return self.requirement.split("==")[0].replace("-", "_")


CODE_BASES = (
    CodeBase("tf-models-official==2.20.0", "training"),
    CodeBase("tf-agents==0.19.0", "training"),
    CodeBase("tensorflow-gnn==1.0.3", "training"),
    CodeBase("dm-sonnet==2.0.2", "training"),
    CodeBase("tensorflow-recommenders==0.7.7", "training"),
    # substrates/ holds machine-made JAX and NumPy rewrites of the TensorFlow code: counting them would
    # triple-count TFP's findings and add no TensorFlow code.
    CodeBase("tensorflow-probability==0.25.0", "library", ("tensorflow_probability/substrates/",)),
    CodeBase("tf-keras==2.21.0", "library"),
    CodeBase("tensorflow-addons==0.23.0", "library"),
    CodeBase("tensorflow-model-optimization==0.8.1", "library"),
    CodeBase("tensorflow-ranking==0.5.5", "library"),
    CodeBase("tensorflow-similarity==0.17.1", "library"),
    CodeBase("gpflow==2.11.2", "library"),
    CodeBase("tensorflow-privacy==0.9.0", "library"),
    CodeBase("neural-structured-learning==1.4.0", "library"),
    CodeBase("tensorflow-federated==0.87.0", "library"),
    CodeBase("larq==0.14.0", "library"),
    CodeBase("keras-cv==0.9.0", "library"),
)


def precision_dir() -> Path:
    return cache_dir("HYBRIDIZE_PRECISION_DIR", "hybridize-precision")


def ensure_code_bases(root: Path | None = None) -> dict[str, Path]:
    """Download and unpack every code base if needed; code base name -> its project root."""
    src = fetch_packages([c.requirement for c in CODE_BASES], root or precision_dir(),
                         exclude={c.name: c.exclude for c in CODE_BASES})
    return {c.name: src / c.name for c in CODE_BASES}


if __name__ == "__main__":
    # `python -m bench.precision.codebases`: download if missing (CI does this up front so that the
    # download time shows separately), print the location and size.
    roots = ensure_code_bases()
    files = [p for root in roots.values() for p in root.rglob("*.py")]
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(f"{precision_dir()}: {len(roots)} code bases, {len(files)} files, {lines} lines")
