"""Local scans behind two convert-to-hybrid preconditions (issue 11), run once per function body by the
extractor and stored in its record as plain data:

* `badn`: (line, op, text) for a non-string where a TF op takes its `name` (`api_names.py`):
  HAS_INVALID_NAME_ARGUMENTS. Eager code ignores it; once traced it raises `TypeError`.
* `titer`: (line, parameter, how) for iteration over a parameter that AutoGraph does not convert:
  HAS_TENSOR_PARAMETER_ITERATION once the project knows the parameter is a tensor. Measured on TF 2.21
  (tests/runtime/test_precondition_claims.py): a plain `for v in x:` over a tensor is converted to a
  `tf.while_loop` and works, but a comprehension or generator over it, `enumerate(x)` / `zip(x, ...)`,
  raise `OperatorNotAllowedInGraphError`, and a converted `for` that appends to a Python list raises
  `InaccessibleTensorError`.

The nodes come from the extractor's one walk over the body (a second walk of every body doubled the
extraction time): the function's own body, nested functions excluded (they have their own records),
lambdas included. A parameter that receives a list of tensors counts as a tensor in the facts, so
iterating it blocks too: conservative (deepchem's `SluiceLoss.call(inputs)` iterates a list of
tensors; it would trace fine).
"""
from __future__ import annotations

import ast
from typing import Any, Callable, Iterator

from ..summary import FunctionInfo, ModuleSummary
from .api_names import invalid_name_argument

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# Builtins whose iteration iterates their arguments (`Tensor.__iter__` runs on each).
_ITERATING_BUILTINS = frozenset({"builtins.enumerate", "builtins.zip"})


def _own_nodes(stmts: list[ast.AST]) -> Iterator[ast.AST]:
    """Every node of a loop body, without descending into nested functions, lambdas or classes."""
    stack = list(reversed(stmts))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed([c for c in ast.iter_child_nodes(node) if not isinstance(c, _SCOPES)]))


def _iterated_parameter(expr: ast.expr, params: frozenset[str],
                        qualify: Callable[[ast.expr], str | None]) -> tuple[str, str] | None:
    """(parameter, how) when iterating `expr` iterates a parameter: `x`, `enumerate(x)`, `zip(x, y)`."""
    if isinstance(expr, ast.Name) and expr.id in params:
        return expr.id, ""
    if isinstance(expr, ast.Call) and qualify(expr.func) in _ITERATING_BUILTINS:
        for arg in expr.args:
            if isinstance(arg, ast.Name) and arg.id in params:
                return arg.id, ast.unparse(expr.func) + "(...)"
    return None


def _appends(loop: ast.For) -> bool:
    """The loop body appends to a Python list (`out.append(v)`), which a converted loop cannot do."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "append"
               for n in _own_nodes(list(loop.body)))


def scan(summary: ModuleSummary, info: FunctionInfo, nodes: list[ast.AST], stores: set[str]) -> dict[str, Any]:
    """The record entries of one function (only the non-empty ones, to keep the cache small).

    `nodes` are the body's calls, `for` loops and comprehensions, and `stores` every name it binds, as
    the extractor's one walk over the body collected them (a second walk doubled the extraction time)."""
    qualify: Callable[[ast.expr], str | None] = summary.imports.qualify
    # A parameter the body binds again may hold anything by the time it is iterated (OpenNMT's
    # `weights = list(filter(..., weights))`, then a comprehension over the list): left out.
    params = frozenset(p for p in info.params if p not in ("self", "cls") and p not in stores)
    names: list[tuple[int, str, str]] = []
    iterations: list[tuple[int, str, str]] = []
    for n in nodes:
        if isinstance(n, ast.Call):
            found = invalid_name_argument(n, qualify)
            if found is not None:
                op, arg, text = found
                names.append((arg.lineno, op, text))
        elif isinstance(n, _COMPREHENSIONS):
            for gen in n.generators:
                hit = _iterated_parameter(gen.iter, params, qualify)
                if hit is not None:
                    iterations.append((gen.iter.lineno, hit[0], f"a comprehension over {hit[1] or hit[0]}"))
        elif isinstance(n, (ast.For, ast.AsyncFor)):
            hit = _iterated_parameter(n.iter, params, qualify)
            if hit is None:
                continue
            if hit[1]:
                iterations.append((n.iter.lineno, hit[0], f"a `for` over {hit[1]}"))
            elif _appends(n):
                iterations.append((n.iter.lineno, hit[0], "a `for` that appends to a Python list"))
    out: dict[str, Any] = {}
    if names:
        out["badn"] = names
    if iterations:
        out["titer"] = iterations
    return out
