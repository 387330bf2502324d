"""Module-level records of the extracted facts: the module's literal constants and once-bound tensors
(which its functions read as globals), how often each name is bound, `__all__`, its classes, and the
hybridization sites whose target is in another module."""
from __future__ import annotations

import ast
from typing import Any

from ..summary import ModuleSummary
from .fact_kinds import DATASET, OTHER, TENSOR, const_kind
from .refs import ref_of


def module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound once to a literal (`BATCH = 32`): passing one passes a literal."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for st in tree.body:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            name = st.targets[0].id
            kind = const_kind(st.value)
            if name in seen or kind == OTHER:
                out.pop(name, None)
            else:
                out[name] = kind
            seen.add(name)
    return out


def module_binding_counts(tree: ast.Module) -> dict[str, int]:
    """How often each name is bound at module level: 1 per plain assignment, 2 per other binding
    (`x += 1`, `for x in ...`), so that 1 means "bound once, by a top-level `x = ...`"."""
    bound: dict[str, int] = {}
    for st in tree.body:
        targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(
            st, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)) else []
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    bound[node.id] = bound.get(node.id, 0) + (1 if isinstance(st, ast.Assign) else 2)
    return bound


def module_tensors(tree: ast.Module, kinds: dict[str, Any]) -> dict[str, str]:
    """Module-level names bound once, by a top-level assignment, to a tensor, a container of tensors or a
    tf.data dataset (their kind as the module-level walk computed it)."""
    return {name: kinds[name] for name, count in module_binding_counts(tree).items()
            if count == 1 and kinds.get(name) in (TENSOR, DATASET)}


def unresolved_hybrid_sites(summary: ModuleSummary, index_of: dict[int, int]) -> list[tuple]:
    """`tf.function(utils.step)` whose target lives in another module: resolved by the project."""
    out = []
    for site in summary.hybrid_sites:
        if site.kind == "call" and site.target is None and site.target_expr is not None:
            ref = ref_of(site.target_expr)
            if ref is not None:
                enclosing = index_of.get(id(site.enclosing)) if site.enclosing is not None else None
                out.append((ref, enclosing, getattr(site.node, "lineno", 1), tuple(sorted(k for k in site.keywords))))
    return out


def dunder_all(tree: ast.Module) -> list[str] | None:
    """The names a literal top-level `__all__` lists (None without one)."""
    for st in tree.body:
        if isinstance(st, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in st.targets):
            if isinstance(st.value, (ast.List, ast.Tuple)):
                return [e.value for e in st.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None


def class_records(summary: ModuleSummary, index_of: dict[int, int]) -> dict[str, dict[str, Any]]:
    """The module's top-level classes: qualname, line, bases, and method name -> function index."""
    classes = {}
    for name, cls in summary.classes.items():
        classes[name] = {
            "q": cls.qualname, "l": cls.node.lineno, "bases": list(cls.bases), "bnames": list(cls.base_names),
            "m": {m: index_of[id(f)] for m, f in cls.methods.items() if id(f) in index_of},
        }
    return classes


def nested_class_records(summary: ModuleSummary, index_of: dict[int, int]) -> dict[str, dict[str, Any]]:
    """Classes that are not top-level, by qualname, with the methods the module's functions are."""
    # Methods of nested classes still need their class's methods for `self.x` lookups.
    nested_classes: dict[str, dict[str, Any]] = {}
    for fn in summary.functions:
        if fn.cls is not None and fn.cls.name not in summary.classes or (
                fn.cls is not None and summary.classes.get(fn.cls.name) is not fn.cls):
            entry = nested_classes.setdefault(fn.cls.qualname, {
                "q": fn.cls.qualname, "l": fn.cls.node.lineno, "bases": list(fn.cls.bases),
                "bnames": list(fn.cls.base_names), "m": {}})
            entry["m"][fn.name] = index_of[id(fn)]
    return nested_classes
