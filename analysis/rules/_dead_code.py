"""Code a module-level boolean constant makes unreachable (`JAX_MODE = True` ... `if JAX_MODE: ... else: <dead>`).

Generated backends (TFP's JAX copy of its NumPy backend, say) keep both branches of a mode switch and fix
the mode with a module constant; a rule about one mode must not report the branch of the other.
"""
from __future__ import annotations

import ast

from ..body import FunctionBody
from ..facts.extract import module_binding_counts


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
