"""What a run restricted to some changed files needs (`check --diff`, the bot's pull-request reviews).

A changed module's findings depend on the modules it calls into (their facts: side effects, tensor
kinds, ...) and on the modules that call into it (graph context: is it run under a tf.function defined
elsewhere?). Without parsing the repository, imports are how those links are seen: the modules that
import a changed module, directly or through others, are its possible callers, and everything any of
them imports is what their facts are made of. Imports are read from the text (a line scan, about 30x
cheaper than `ast.parse`), so an import inside a string counts too (a module too many, never one too
few). A call that reaches a changed function only by dynamic dispatch from a module that imports
nothing leading to it is not seen; the full run remains the reference.

Leaving modules out pays only when many are left out: a scoped run's module set is particular to one
change, so it neither reads nor writes the project snapshot (the whole-repository facts a warm whole
run reuses) and builds the project facts of what it loaded every time. When a change needs most of a
large project (a widely imported module changed), the whole run is cheaper, warm or cold: the run then
loads everything and still checks only the changed modules (`worth_scoping`).
"""
from __future__ import annotations

import re
from typing import Collection, Mapping

_IMPORT = re.compile(rb"^[ \t]*import[ \t]+([^\n#;]+)", re.MULTILINE)
_FROM = re.compile(rb"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*(\([^)]*\)?|[^\n#;]+)", re.MULTILINE)
_NAME = re.compile(r"[A-Za-z_][\w.]*")

# Below this many modules a project's facts are cheap to build whatever is loaded: always scope.
WHOLE_RUN_MIN_MODULES = 64
# A change that needs more than this share of a larger project's modules gets a whole run.
WHOLE_RUN_SHARE = 0.6


def worth_scoping(needed: int, modules: int) -> bool:
    """Whether loading `needed` of a project's `modules` is cheaper than loading all of them with
    the project snapshot."""
    return modules < WHOLE_RUN_MIN_MODULES or needed <= WHOLE_RUN_SHARE * modules


def imported_names(data: bytes, module: str, is_package: bool) -> set[str]:
    """Absolute dotted names a module's import statements may load (every prefix of each, and X.n for
    `from X import n`, since n may be a submodule)."""
    package = module if is_package else module.rpartition(".")[0]
    out: set[str] = set()
    for match in _IMPORT.finditer(data):
        for part in match.group(1).decode("utf-8", "replace").split(","):
            name = _NAME.match(part.strip())
            if name:
                out.add(name.group(0))
    for match in _FROM.finditer(data):
        dots, target = len(match.group(1)), match.group(2).decode("utf-8", "replace")
        if dots:
            base = package.split(".") if package else []
            base = base[:len(base) - (dots - 1)] if dots > 1 else base
            target = ".".join([*base, target] if target else base)
        if not target:
            continue
        out.add(target)
        names = match.group(3).decode("utf-8", "replace").strip("()\\ \t\n")
        for part in names.split(","):
            name = _NAME.match(part.strip())
            if name:
                out.add(f"{target}.{name.group(0)}")
    with_prefixes = set()
    for name in out:
        parts = name.split(".")
        with_prefixes.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return with_prefixes


def needed_paths(python: Mapping[str, bytes], names: Mapping[str, tuple[str, bool]],
                 changed: Collection[str]) -> set[str]:
    """The modules a run checking `changed` must load: the changed modules, every module that imports
    one of them (transitively: possible callers), and everything those import (transitively)."""
    by_name = {module: path for path, (module, _pkg) in names.items()}
    imports: dict[str, set[str]] = {}  # what a module's import statements name
    loads: dict[str, set[str]] = {}  # that and the packages whose __init__ runs first
    for path, (module, is_package) in names.items():
        found = {by_name[n] for n in imported_names(python[path], module, is_package) if n in by_name}
        found.discard(path)
        imports[path] = found
        parts = module.split(".")
        parents = {by_name[p] for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in by_name}
        loads[path] = (found | parents) - {path}
    # Being inside a package calls nothing of its __init__: only import statements make possible callers.
    importers: dict[str, set[str]] = {path: set() for path in names}
    for path, targets in imports.items():
        for target in targets:
            importers[target].add(path)
    up = _closure({p for p in changed if p in names}, importers)
    return _closure(up, loads)


def _closure(start: set[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen = set(start)
    stack = list(start)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
