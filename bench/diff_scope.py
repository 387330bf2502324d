"""`analyze(changed=...)` (`check --diff`, issue 11) against a full analysis of the same project.

    python bench/diff_scope.py [PROJECT_DIR] [--changed PATH ...]

PROJECT_DIR defaults to the corpus's tf_models_official (bench/corpus.py). For each changed path: the
full analysis and the scoped one, one after the other in this process (HYBRIDIZE_JOBS=1, no cache),
how many modules each loaded, and whether the findings on the changed file are the same.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HYBRIDIZE_JOBS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from analysis_speed import DEFAULT_CORPUS, read_tree  # noqa: E402

from hybridize_bot.analysis import analyze  # noqa: E402

DEFAULT_CHANGED = ("official/vision/modeling/backbones/resnet.py",
                   "official/nlp/modeling/layers/transformer_encoder_block.py")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(DEFAULT_CORPUS / "tf_models_official"))
    parser.add_argument("--changed", action="append", help="a changed path (repeatable)")
    args = parser.parse_args()
    files = read_tree(Path(args.project))
    for target in args.changed or DEFAULT_CHANGED:
        start = time.perf_counter()
        full = analyze(files)
        full_s = time.perf_counter() - start
        start = time.perf_counter()
        scoped = analyze(files, changed=[target])
        scoped_s = time.perf_counter() - start
        same = sorted((f.code, f.line, f.message) for f in full.findings if f.path == target) == \
            sorted((f.code, f.line, f.message) for f in scoped.findings)
        print(f"{target}: full {full_s:.2f} s ({full.files_analyzed} modules), scoped {scoped_s:.2f} s "
              f"({scoped.files_analyzed} modules), ratio {scoped_s / full_s:.2f}; same findings on the file: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
