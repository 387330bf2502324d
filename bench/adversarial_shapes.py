"""Analysis time against program size for hostile shapes (issue 17, point 5).

    python bench/adversarial_shapes.py [--sizes 1250,2500,5000,10000] [--shapes chain,...] [--write]

Each shape is generated in memory and analyzed with `analyze_sources` in one process (HYBRIDIZE_JOBS=1,
no cache, median of `--rounds`, wall and CPU time), so the numbers are the analysis alone:

* chain:        one module, a tf.function reaching a `print` through N plain functions
                (`def f1(x): return f2(x)` ...);
* chain-prints: the same chain with a `print` in every link (N findings, each with a call path);
* nesting:      one tf.function 90 blocks deep with N statements and an expression nested up to 200
                deep (see NESTING_BLOCKS for why not deeper);
* wide:         one module with N top-level tf.functions and N plain helpers;
* files:        N small modules, each a tf.function calling a helper of the previous module.

A shape whose time grows linearly keeps "per 1k" (seconds per 1,000 units of N) flat across sizes.
"x parse" divides the analysis time by a bare `ast.parse` of the same sources measured right before it
(median of the same rounds; "CPU x parse" the same for CPU time), so the ratio holds on a loaded machine where absolute times do not.
"""
from __future__ import annotations

import argparse
import ast
import gc
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("HYBRIDIZE_JOBS", "1")

from hybridize_bot.analysis import analyze_sources  # noqa: E402

# CPython refuses 100 levels of indentation ("too many levels of indentation") and builds no AST for an
# expression nested about 3,000 deep, so deeper nesting is not a program anyone can hand us; an expression
# nested deeper than Python's recursion limit (~1,000) parses but fails its file with one HYB000 finding
# (analysis/pipeline/modules.py guarded_facts). The shape grows in statements inside the deepest ordinary nesting.
NESTING_BLOCKS = 90
EXPRESSION_CAP = 200
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def chain(n: int, *, print_in_every_link: bool = False) -> dict[str, bytes]:
    lines = ["import tensorflow as tf", "", "", "@tf.function", "def top(x):", "    return f1(x)", ""]
    for i in range(1, n + 1):
        lines.append(f"def f{i}(x):")
        if print_in_every_link or i == n:
            lines.append("    print(x)")
        lines.append(f"    return f{i + 1}(x)" if i < n else "    return x")
        lines.append("")
    return {"chain.py": "\n".join(lines).encode()}


def nesting(n: int) -> dict[str, bytes]:
    """A tf.function nested NESTING_BLOCKS deep, N statements spread over the levels, and an expression
    nested min(N, EXPRESSION_CAP) deep in the innermost one."""
    lines = ["import tensorflow as tf", "", "@tf.function", "def deep(x):"]
    per_level = max(1, n // NESTING_BLOCKS)
    for depth in range(NESTING_BLOCKS):
        indent = " " * (depth + 1)  # one space a level: the size grows with N, not with indentation
        lines += [f"{indent}y{depth}_{k} = x + {k}" for k in range(per_level)]
        lines.append(f"{indent}if x > {depth}:")
    terms = min(n, EXPRESSION_CAP)
    lines.append(" " * (NESTING_BLOCKS + 1) + "print(x" + " + 1" * terms + ")")
    lines.append("    return x")
    return {"deep.py": "\n".join(lines).encode()}


def wide(n: int) -> dict[str, bytes]:
    lines = ["import tensorflow as tf", ""]
    for i in range(n):
        lines += ["@tf.function", f"def step{i}(x):", f"    return helper{i}(x)", "",
                  f"def helper{i}(x):", "    print(x)", "    return x + 1", ""]
    return {"wide.py": "\n".join(lines).encode()}


def files(n: int) -> dict[str, bytes]:
    out = {"pkg/__init__.py": b""}
    for i in range(n):
        prev = f"from pkg.m{i - 1} import helper{i - 1}\n" if i else ""
        call = f"helper{i - 1}(x)" if i else "x"
        out[f"pkg/m{i}.py"] = (
            f"import tensorflow as tf\n{prev}\n\n@tf.function\ndef step{i}(x):\n    return helper{i}(x)\n\n\n"
            f"def helper{i}(x):\n    print(x)\n    return {call}\n"
        ).encode()
    return out


SHAPES: dict[str, Callable[[int], dict[str, bytes]]] = {
    "chain": chain,
    "chain-prints": lambda n: chain(n, print_in_every_link=True),
    "nesting": nesting,
    "wide": wide,
    "files": files,
}


def parse_seconds(sources: dict[str, bytes], rounds: int) -> tuple[float, float]:
    """Median wall and CPU seconds of a bare `ast.parse` of the sources."""
    walls, cpus = [], []
    for _ in range(rounds):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        for data in sources.values():
            ast.parse(data)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
    return statistics.median(walls), statistics.median(cpus)


def measure(sources: dict[str, bytes], rounds: int) -> tuple[float, float, int]:
    """Median wall and CPU seconds of the analysis (one process: its CPU time is all of the work, which
    a loaded machine does not inflate as it does the wall time), and the findings."""
    walls, cpus, findings = [], [], 0
    for _ in range(rounds):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        result = analyze_sources(sources)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - start_cpu)
        findings = len(result.findings)
    return statistics.median(walls), statistics.median(cpus), findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1250,2500,5000,10000")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="append the table to bench/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = ["| shape | N | kB | findings | time (s) | s per 1k N | x parse | CPU (s) | CPU x parse |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for shape in args.shapes.split(","):
        for n in sizes:
            sources = SHAPES[shape](n)
            parsed, parsed_cpu = parse_seconds(sources, args.rounds)
            seconds, cpu, found = measure(sources, args.rounds)
            size_kb = sum(len(v) for v in sources.values()) / 1024
            rows.append(f"| {shape} | {n} | {size_kb:.0f} | {found} | {seconds:.2f} | {seconds / n * 1000:.3f} "
                        f"| {seconds / parsed:.1f} | {cpu:.2f} | {cpu / parsed_cpu:.1f} |")
            print(rows[-1], flush=True)
    if args.write:
        command = "python bench/adversarial_shapes.py " + " ".join(argv if argv is not None else sys.argv[1:])
        text = "\n".join([
            "", "## Analysis time against hostile program shapes (issue 17, point 5)", "",
            f"Command: `{command.strip()}` ({time.strftime('%Y-%m-%d')}; Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs shared with other jobs, 1-minute load average {os.getloadavg()[0]:.1f} at the "
            f"end; one process, no cache, medians of {args.rounds} rounds)", "",
            *rows, "",
        ])
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
