"""The analysis package's import graph has no cycles and never reaches the command line (issue 11).

Read from the source with the stdlib `ast`, so imports inside functions count too: an import put off
to run time to dodge a cycle is still a cycle in the design.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"hybridize_bot.analysis": ROOT / "analysis", "hybridize_bot.cli": ROOT / "cli"}


def _modules(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of `package`."""
    base = PACKAGES[package]
    out = {}
    for path in sorted(base.rglob("*.py")):
        parts = list(path.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join([package, *parts])] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # `from pkg import mod` imports the module (its package's __init__ runs first anyway);
            # `from pkg import name` imports the package.
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target in known and target != name:
                out.add(target)
    return out


def _graph(*packages: str) -> dict[str, set[str]]:
    files: dict[str, Path] = {}
    for package in packages:
        files.update(_modules(package))
    known = set(files)
    return {name: _imports(name, path, known) for name, path in files.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_analysis_and_cli_packages_have_no_import_cycles() -> None:
    graph = _graph(*PACKAGES)
    assert len(graph) > 50  # every module was found
    assert _cycles(graph) == []


def test_the_analysis_package_does_not_import_the_command_line() -> None:
    graph = _graph(*PACKAGES)
    offenders = sorted(f"{name} -> {target}" for name, targets in graph.items()
                       if name.startswith("hybridize_bot.analysis") for target in targets
                       if target.startswith("hybridize_bot.cli"))
    assert offenders == []
