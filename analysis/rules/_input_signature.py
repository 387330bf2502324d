"""The `input_signature` a tf.function's call sites prove (HYB008's second refactoring, issue 15).

A signature is *known from facts* only when every call site of the function is in the same module, is a
plain call passing every parameter positionally, and each argument's rank and dtype follow from how it
is built: `tf.ones/zeros/random.*([d0, d1, ...], dtype=...)`, `tf.range(...)` of ints or with a dtype,
`tf.cast(x, dtype)`, slices (`x[:n]`, which keep the rank) and local names bound once to one of those.
All call sites must agree. Every dimension becomes `None`: the shapes are what varies.
"""
from __future__ import annotations

import ast
from typing import Callable

from ..body import FunctionBody
from ..summary import FunctionInfo
from ._hybrid_call_sites import _module_body
from .base import ModuleContext

Spec = tuple[int, str]  # (rank, dtype name)
Qualify = Callable[[ast.AST], "str | None"]

_FLOAT_BUILDERS = frozenset({"tensorflow.ones", "tensorflow.zeros", "tensorflow.random.normal",
                             "tensorflow.random.uniform", "tensorflow.random.truncated_normal"})
_DTYPES = frozenset({"float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                     "bool", "string", "complex64", "complex128"})


def known_signature(ctx: ModuleContext, callee: FunctionInfo) -> list[Spec] | str:
    """The specs of the callee's parameters, in order, or the fact that is missing (in words)."""
    fn = callee.node
    if callee.cls is not None or not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return "only module-level functions get an input_signature automatically"
    args = fn.args
    if args.vararg or args.kwarg or args.kwonlyargs or args.defaults or args.posonlyargs:
        return "it has defaults, *args, **kwargs or keyword-only parameters"
    params = [a.arg for a in args.args]
    project = ctx.project
    sites = project.callers_of(callee)
    if not sites or not params:
        return "no known call site passes it tensors"
    specs: list[Spec] | None = None
    for caller, site in sites:
        where = f"{site.path}:{site.line}"  # type: ignore[attr-defined]
        if site.via != "call" or site.path != ctx.path:  # type: ignore[attr-defined]
            return f"it is also called at {where}, whose arguments this module does not show"
        body = _module_body(project, ctx.summary) if caller is None else project.body(caller)  # type: ignore[arg-type]
        call = next((c for c in body.calls if (c.lineno, c.col_offset) == (site.line, site.col)), None)  # type: ignore[attr-defined]
        if call is None or call.keywords or len(call.args) != len(params) \
                or any(isinstance(a, ast.Starred) for a in call.args):
            return f"the call at {where} does not pass every parameter positionally"
        these = [spec_of(arg, body, ctx.qualify) for arg in call.args]
        for param, spec in zip(params, these):
            if spec is None:
                return f"the rank and dtype of `{param}` at {where} are not known"
        if specs is not None and these != specs:
            return "its call sites pass tensors of different ranks or dtypes"
        specs = these  # type: ignore[assignment]
    return specs or "no known call site passes it tensors"


def signature_text(specs: list[Spec], tf: str) -> str:
    return "[" + ", ".join(f"{tf}.TensorSpec([{', '.join(['None'] * rank)}], {tf}.{dtype})"
                           for rank, dtype in specs) + "]"


def spec_of(expr: ast.AST, body: FunctionBody, qualify: Qualify, depth: int = 0) -> Spec | None:
    """(rank, dtype) of a tensor expression when its construction shows both, else None."""
    if depth > 6:
        return None
    if isinstance(expr, ast.Name):
        values = [st.value for st in body.of_type(ast.Assign)
                  if len(st.targets) == 1 and isinstance(st.targets[0], ast.Name) and st.targets[0].id == expr.id]
        stores = [n for n in body.of_type(ast.Name) if n.id == expr.id and not isinstance(n.ctx, ast.Load)]
        if len(values) != 1 or len(stores) != 1:
            return None  # a loop target, a parameter or rebound: not one construction
        return spec_of(values[0], body, qualify, depth + 1)
    if isinstance(expr, ast.Subscript):
        parts = expr.slice.elts if isinstance(expr.slice, ast.Tuple) else [expr.slice]
        if all(isinstance(p, ast.Slice) for p in parts):
            return spec_of(expr.value, body, qualify, depth + 1)
        return None
    if not isinstance(expr, ast.Call):
        return None
    q = qualify(expr.func) or ""
    keywords = {k.arg: k.value for k in expr.keywords if k.arg}
    if q in _FLOAT_BUILDERS:
        shape = expr.args[0] if expr.args else keywords.get("shape")
        if not isinstance(shape, (ast.List, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in shape.elts):
            return None
        dtype = _dtype(keywords["dtype"], qualify) if "dtype" in keywords else "float32"
        return (len(shape.elts), dtype) if dtype else None
    if q == "tensorflow.range":
        if "dtype" in keywords:
            dtype = _dtype(keywords["dtype"], qualify)
            return (1, dtype) if dtype else None
        return (1, "int32") if expr.args and all(_is_int(a, body, qualify) for a in expr.args) else None
    if q == "tensorflow.cast" and len(expr.args) == 2:
        inner, dtype = spec_of(expr.args[0], body, qualify, depth + 1), _dtype(expr.args[1], qualify)
        return (inner[0], dtype) if inner and dtype else None
    return None


def _dtype(expr: ast.AST, qualify: Qualify) -> str | None:
    if isinstance(expr, ast.Constant) and expr.value in _DTYPES:
        return str(expr.value)
    q = qualify(expr) or ""
    name = q.rsplit(".", 1)[-1]
    return name if q == f"tensorflow.{name}" and name in _DTYPES else None


def _is_int(expr: ast.AST, body: FunctionBody, qualify: Qualify) -> bool:
    """An int literal, `len(...)`, or a loop variable of `for n in range(...)`."""
    if isinstance(expr, ast.Constant):
        return type(expr.value) is int
    if isinstance(expr, ast.Call):
        return qualify(expr.func) == "builtins.len"
    if isinstance(expr, ast.Name):
        loops = [f for f in body.of_type(ast.For) if isinstance(f.target, ast.Name) and f.target.id == expr.id]
        stores = [n for n in body.of_type(ast.Name) if n.id == expr.id and not isinstance(n.ctx, ast.Load)]
        return len(loops) == 1 and len(stores) == 1 and isinstance(loops[0].iter, ast.Call) \
            and qualify(loops[0].iter.func) == "builtins.range"
    return False
