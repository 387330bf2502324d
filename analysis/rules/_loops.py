"""What changes from one iteration of a loop to the next, for the JAX and PyTorch recompilation rules."""
from __future__ import annotations

import ast

_COUNTING_ITERATORS = frozenset({"builtins.range", "builtins.enumerate", "itertools.count"})


def iterates_literal(loop: ast.For | ast.While) -> bool:
    """`for case in (a, b, c):` walks a few fixed cases: per-case work there is deliberate."""
    return isinstance(loop, ast.For) and isinstance(loop.iter, (ast.Tuple, ast.List, ast.Set, ast.Dict))


def varying_names(loop: ast.For | ast.While) -> set[str]:
    """Names that get a new value on every iteration: the loop target and names assigned in the body."""
    names: set[str] = set()
    if isinstance(loop, ast.For):
        names |= _stored(loop.target)
    for stmt in loop.body:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    names |= _stored(target)
    return names


def counter_names(loop: ast.For | ast.While, qualify) -> set[str]:  # noqa: ANN001 (ImportTable.qualify)
    """Python numbers that change every iteration: a `range`/`enumerate` index or a `+=` counter."""
    names: set[str] = set()
    if isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call) and qualify(loop.iter.func) in _COUNTING_ITERATORS:
        target = loop.target
        if isinstance(target, ast.Tuple) and target.elts and qualify(loop.iter.func) == "builtins.enumerate":
            target = target.elts[0]
        if isinstance(target, ast.Name):
            names.add(target.id)
    for stmt in loop.body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and \
                    isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(node.value, ast.Constant):
                names.add(node.target.id)
    return names


def loop_counters(loops: list[ast.For | ast.While], qualify) -> set[str]:  # noqa: ANN001
    """Counters of every enclosing loop that does not walk a literal list of cases."""
    names: set[str] = set()
    for loop in loops:
        if not iterates_literal(loop):
            names |= counter_names(loop, qualify)
    return names


def loads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _stored(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
