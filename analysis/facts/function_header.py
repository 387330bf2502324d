"""What a function's definition says, apart from its body: positional parameters, `*args`, defaults,
annotations, decorators, whether it is a static method or an abstract stub, and its hybridization site.
Fields of the function records `FunctionWalker.record` builds."""
from __future__ import annotations

import ast
from typing import Any

from ..summary import FunctionInfo, ModuleSummary
from . import tables
from .fact_kinds import const_kind
from .refs import ref_of


def default_kinds(node: ast.AST) -> dict[str, Any]:
    """Parameter -> kind of its default value (fact_kinds.const_kind)."""
    if isinstance(node, ast.Lambda) or not hasattr(node, "args"):
        return {}
    a = node.args  # type: ignore[attr-defined]
    positional = a.posonlyargs + a.args
    out: dict[str, Any] = {}
    for arg, default in zip(positional[len(positional) - len(a.defaults):], a.defaults):
        out[arg.arg] = const_kind(default)
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        if default is not None:
            out[arg.arg] = const_kind(default)
    return out


def positional_count(node: ast.AST) -> int:
    a = node.args  # type: ignore[attr-defined]
    return len(a.posonlyargs) + len(a.args)


def vararg_name(node: ast.AST) -> str | None:
    a = node.args  # type: ignore[attr-defined]
    return a.vararg.arg if a.vararg is not None else None


def is_static(info: FunctionInfo) -> bool:
    node = info.node
    for deco in getattr(node, "decorator_list", ()):
        if isinstance(deco, ast.Name) and deco.id == "staticmethod":
            return True
    return False


def decorator_names(summary: ModuleSummary, node: ast.AST) -> tuple[str, ...]:
    out = []
    for deco in getattr(node, "decorator_list", ()):
        func = deco.func if isinstance(deco, ast.Call) else deco
        out.append(summary.imports.qualify(func) or ".".join(ref_of(func) or ("?",)))
    return tuple(out)


def abstract_stub(node: ast.AST) -> bool:
    """The body (after a docstring) is only `raise NotImplementedError(...)`: a method for subclasses to
    override, whose decorators state a contract rather than compile code."""
    body = getattr(node, "body", None)
    if not isinstance(body, list):
        return False  # a lambda
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def annotation_kinds(summary: ModuleSummary, node: ast.AST) -> dict[str, str]:
    if isinstance(node, ast.Lambda):
        return {}
    out = {}
    a = node.args  # type: ignore[attr-defined]
    for arg in a.posonlyargs + a.args + a.kwonlyargs:
        if arg.annotation is None:
            continue
        kind = _annotation_kind(summary, arg.annotation)
        if kind is not None:
            out[arg.arg] = kind
    return out


def _annotation_kind(summary: ModuleSummary, ann: ast.AST) -> str | None:
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        text = ann.value
        if text.endswith(tables.TENSOR_ANNOTATION_SUFFIXES) and ("tf." in text or "Tensor" in text):
            return "tensor"
        return {"int": "prim", "float": "prim", "str": "prim", "bool": "bool"}.get(text)
    qual = summary.imports.qualify(ann)
    if qual is None:
        return None
    if qual == "builtins.bool":
        return "bool"
    if qual in tables.PRIMITIVE_ANNOTATIONS:
        return "prim"
    if (qual.startswith(("tensorflow.", "keras.")) or "types" in qual) and qual.endswith(tables.TENSOR_ANNOTATION_SUFFIXES):
        return "tensor"
    return None


def hybrid_record(summary: ModuleSummary, info: FunctionInfo) -> tuple | None:
    site = info.hybrid
    if site is None:
        return None
    keywords = {name: summary.source.segment(value)[:200] for name, value in site.keywords.items()}
    has_call = isinstance(site.node, ast.Call) and site.kind == "decorator"
    return (site.kind, getattr(site.node, "lineno", info.line), tuple(sorted(keywords)), keywords, has_call)
