"""Precision of the JAX (HYB1xx) and PyTorch (HYB2xx) rules on real code bases from PyPI.

Downloads pinned wheels of JAX and PyTorch libraries, model zoos and training code (no dependencies)
into a cache directory outside the repository, analyzes each one as its own project with only the
HYB1xx/HYB2xx rules, and compares every finding with the hand verdicts in
`bench/precision_jax_torch.tsv` (package, path, line, code, verdict, why; verdict is true, debatable,
false, or fixed: a false alarm the rules no longer report).

    python -m bench.precision_jax_torch          # prints per-rule precision; exit 1 on a regression
    python -m bench.precision_jax_torch --select HYB208,HYB209   # only these rules

Exit status 1 when a finding judged `fixed` comes back, or when a finding has no verdict (judge it
and add a line). The table and its findings are discussed in docs/precision-jax-torch.md.
"""
from __future__ import annotations

import csv
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import corpus_files, ensure_corpus  # noqa: E402
from hybridize_bot.analysis import analyze_sources  # noqa: E402
from hybridize_bot.analysis.config import Config  # noqa: E402

JAX_WHEELS = (
    "flax==0.12.8", "optax==0.2.8", "equinox==0.13.8", "dm-haiku==0.0.17", "diffrax==0.7.2", "numpyro==0.22.0",
    "blackjax==1.7.1", "jaxopt==0.8.5", "brax==0.14.2", "jax-md==0.2.29", "dopamine-rl==4.1.2", "trax==1.4.1",
    "mctx==0.0.71", "jax==0.10.2", "rlax==0.1.9", "distrax==0.1.9", "evosax==0.3.2", "gymnax==1.0.1",
)
TORCH_WHEELS = (
    "torchvision==0.29.1", "timm==1.0.31", "lightning==2.6.6", "diffusers==0.42.1", "torch-geometric==2.8.1",
    "torchmetrics==1.9.0", "kornia==0.9.0", "accelerate==1.16.0", "pytorch-ignite==0.5.5",
)
VERDICTS = Path(__file__).with_name("precision_jax_torch.tsv")


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return Path(os.environ.get("HYBRIDIZE_PRECISION_DIR") or base / "hybridize-precision-jax-torch")


def load_verdicts() -> dict[tuple[str, str, int, str], tuple[str, str]]:
    with open(VERDICTS, encoding="utf-8") as fh:
        rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        return {(r["package"], r["path"], int(r["line"]), r["code"]): (r["verdict"], r["why"]) for r in rows}


def run(select: tuple[str, ...] = ("HYB1", "HYB2")) -> int:
    src = ensure_corpus(cache_dir(), JAX_WHEELS + TORCH_WHEELS)
    verdicts = load_verdicts()
    config = Config(select=select)
    seen: set[tuple[str, str, int, str]] = set()
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    problems = []
    total_lines = 0
    for package in sorted(p.name for p in src.iterdir() if p.is_dir()):
        files = corpus_files(src / package)
        total_lines += sum(b.count(b"\n") for b in files.values())
        for f in analyze_sources(files, config).findings:
            key = (package, f.path, f.line, f.code)
            seen.add(key)
            verdict = verdicts.get(key, ("unjudged", ""))[0]
            per_rule[f.code][verdict] += 1
            if verdict == "fixed":
                problems.append(f"judged false alarm is back: {package}/{f.path}:{f.line} {f.code}")
            elif verdict == "unjudged":
                problems.append(f"no verdict: {package}\t{f.path}\t{f.line}\t{f.code}\t{f.message}")
    fixed = sum(1 for k, (v, _) in verdicts.items() if v == "fixed" and k not in seen)
    print(f"{len(list(src.iterdir()))} code bases, {total_lines} lines; {fixed} judged false alarms stay fixed")
    print("| Rule | Findings | True | Debatable | False | Precision (true / judged) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for code in sorted(per_rule):
        c = per_rule[code]
        judged = c["true"] + c["debatable"] + c["false"]
        share = f"{c['true'] / judged:.0%}" if judged else "n/a"
        print(f"| {code} | {sum(c.values())} | {c['true']} | {c['debatable']} | {c['false']} | {share} |")
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    # `--select HYB208,HYB209`: only those rules (codes or prefixes), e.g. to measure new rules alone.
    chosen = sys.argv[sys.argv.index("--select") + 1].split(",") if "--select" in sys.argv else ["HYB1", "HYB2"]
    sys.exit(run(tuple(c.strip() for c in chosen if c.strip())))
