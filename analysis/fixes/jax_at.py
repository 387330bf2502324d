"""HYB105 (safe): `x[i] = v` on a JAX array -> `x = x.at[i].set(v)`; `x[i] += v` -> `x = x.at[i].add(v)`.

Safe because the statement it replaces always raises `TypeError` (JAX arrays are immutable) and the
replacement performs the requested update out of place (tests/runtime_jax/ runs both).
"""
from __future__ import annotations

import libcst as cst

from ..model import Edit, Finding
from .document import CannotFix, Document
from .locate import pick

# Augmented operator -> the `.at[...]` method (jax.numpy.ndarray.at; checked on jax 0.10.2).
AT_METHODS: dict[type, str] = {
    cst.AddAssign: "add", cst.SubtractAssign: "subtract", cst.MultiplyAssign: "multiply",
    cst.DivideAssign: "divide", cst.PowerAssign: "power",
}


def fix_jax_at(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    stmts = [s for s in doc.nodes_near(cst.Assign, finding) + doc.nodes_near(cst.AugAssign, finding) if _subscript_target(s) is not None]
    stmt = pick(doc, finding, stmts)
    if stmt is None:
        return ()  # already `x = x.at[...]...`: nothing to change
    target = _subscript_target(stmt)
    assert target is not None
    if isinstance(stmt, cst.Assign):
        if len(stmt.targets) != 1:
            raise CannotFix("a chained assignment (`a = x[i] = v`) needs a person to split it")
        method = "set"
    else:
        method = AT_METHODS.get(type(stmt.operator))
        if method is None:
            raise CannotFix(f"`{doc.code_for(stmt.operator).strip()}` has no `.at[...]` method")
    name = target.value.value  # type: ignore[attr-defined]
    index = ", ".join(doc.code_for(e.slice).strip() for e in target.slice)
    if len(target.slice) == 1 and doc.code_for(target.slice[0]).rstrip().endswith(","):
        index += ","
    value = doc.code_for(stmt.value).strip()
    return (doc.edit_for_range(doc.range_of(stmt), f"{name} = {name}.at[{index}].{method}({value})"),)


def _subscript_target(stmt: cst.Assign | cst.AugAssign) -> cst.Subscript | None:
    target = stmt.targets[-1].target if isinstance(stmt, cst.Assign) else stmt.target
    if isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name):
        return target
    return None
