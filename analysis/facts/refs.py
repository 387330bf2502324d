"""References: the dotted chain of names a call or callback is written with (`self.dense`,
`utils.helper`), as a tuple; the project resolves them (call_resolution.py)."""
from __future__ import annotations

import ast


def ref_of(expr: ast.AST) -> tuple[str, ...] | None:
    """`a.b.c` -> ("a", "b", "c"); `super().m` -> ("super", "m"); None for anything else."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
    elif (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "super"
          and parts):
        parts.append("super")
    else:
        return None
    parts.reverse()
    return tuple(parts)


def ref_text(node: ast.AST) -> str:
    """How a write target is shown as evidence: `self.cache`, `buf[...]`."""
    ref = ref_of(node)
    if ref is not None:
        return ".".join(ref)
    if isinstance(node, ast.Subscript):
        return ref_text(node.value) + "[...]"
    return type(node).__name__
