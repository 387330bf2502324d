"""Code that never runs: branches a module-level boolean constant makes unreachable (`JAX_MODE = True` ...
`if JAX_MODE: ... else: <dead>`), and module-private functions nothing calls or names.

Generated backends (TFP's JAX copy of its NumPy backend, say) keep both branches of a mode switch and fix
the mode with a module constant; a rule about one mode must not report the branch of the other.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..body import FunctionBody
from ..facts.module_records import module_binding_counts
from ..summary import FunctionInfo

if TYPE_CHECKING:
    from .base import ModuleContext


def module_bool_constants(tree: ast.Module) -> dict[str, bool]:
    """Module-level names bound exactly once, by a top-level `NAME = True/False`, and never declared
    `global` (which could rebind them)."""
    bound = module_binding_counts(tree)
    values: dict[str, bool] = {}
    for st in tree.body:
        if (isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)
                and isinstance(st.value, ast.Constant) and isinstance(st.value.value, bool)):
            values[st.targets[0].id] = st.value.value
    rebound = {name for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names}
    return {name: value for name, value in values.items() if bound.get(name) == 1 and name not in rebound}


def _truth(test: ast.expr, consts: dict[str, bool]) -> bool | None:
    if isinstance(test, ast.Name):
        return consts.get(test.id)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _truth(test.operand, consts)
        return None if inner is None else not inner
    return None


def dead_under_constant(body: FunctionBody, node: ast.AST, consts: dict[str, bool]) -> bool:
    """`node` sits in the branch of an `if <constant>:` that never runs, or after an `if <true constant>:`
    whose body always returns or raises, in the same block."""
    if not consts:
        return False
    child: ast.AST = node
    for anc in body.ancestors(node):
        if isinstance(anc, ast.If):
            truth = _truth(anc.test, consts)
            if truth is False and any(c is child for c in anc.body):
                return True
            if truth is True and any(c is child for c in anc.orelse):
                return True
        for name in ("body", "orelse", "finalbody"):
            block = getattr(anc, name, None)
            if not isinstance(block, list):
                continue
            for st in block:
                if st is child:
                    break
                if (isinstance(st, ast.If) and st.body and isinstance(st.body[-1], (ast.Return, ast.Raise))
                        and _truth(st.test, consts) is True):
                    return True
        child = anc
    return False


def unreferenced_private_function(ctx: ModuleContext, fn: FunctionInfo) -> bool:
    """A module-private top-level function (`def _validate():`) that no code of the project calls and its
    own module never names: code that never runs, such as an author's scratch check left in a module
    (issue 10 P53-growb: hanlp's `_validate`, whose `torch.load`s of files under the author's home
    directory HYB205 reported). Private by Python's convention, so another module using it would import
    it, and its call sites would show."""
    if not fn.name.startswith("_") or fn.name.startswith("__") or fn.parent is not None or fn.cls is not None:
        return False
    if ctx.project.callers_of(fn):
        return False
    named = (n for n in ast.walk(ctx.source.tree)
             if (isinstance(n, ast.Name) and n.id == fn.name) or (isinstance(n, ast.Attribute) and n.attr == fn.name)
             or (isinstance(n, ast.Constant) and n.value == fn.name))  # `__all__`, getattr(module, "_f")
    return next(named, None) is None
