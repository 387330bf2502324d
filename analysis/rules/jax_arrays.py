"""HYB105: in-place item assignment on a JAX array."""
from __future__ import annotations

import ast
import re
from typing import Iterable

from ..facts.jax_values import AUTOGRAPH_CONVERTERS
from ..fixes.catalog import fix_for
from ..model import Finding, FixSafety, Severity
from ..summary import FunctionInfo
from ._compiled import mentions
from ._dead_code import dead_under_constant, module_bool_constants
from ._module_index import enclosing_function, item_assignments, module_calls
from .base import Invalid, ModuleContext, Rule, Valid

# `x[i] op= v` -> `x = x.at[i].<method>(v)`
_AT_METHODS = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide", ast.Pow: "power"}
_JAX_NUMPY = frozenset({"jax.numpy"})
# `x[...] = v` or `x[...] op= v` somewhere in the text (a cheap test before the module walk).
_ITEM_STORE = re.compile(r"\]\s*(?:[-+*/%&|^@]|\*\*|//|<<|>>)?=(?!=)")
# jax.numpy functions that do not return an array.
_NOT_ARRAYS = frozenset({"shape", "ndim", "size", "dtype", "result_type", "issubdtype", "finfo", "iinfo",
                         "isscalar", "iscomplexobj", "vectorize", "vmap"})


def _makes_jax_array(ctx: ModuleContext, value: ast.expr, name: str) -> bool:
    """`jnp.zeros(...)`, `jnp.array(...)`, ..., or `name.at[...].set(...)`."""
    if not isinstance(value, ast.Call):
        return False
    q = ctx.qualify(value.func) or ""
    if q.startswith("jax.numpy.") and q.rsplit(".", 1)[1] not in _NOT_ARRAYS and q.count(".") == 2:
        return True
    func = value.func
    return (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Subscript)
            and isinstance(func.value.value, ast.Attribute) and func.value.value.attr == "at"
            and isinstance(func.value.value.value, ast.Name) and func.value.value.value.id == name)


def _autograph_converted(ctx: ModuleContext) -> set[tuple[str, int | None]]:
    """(name, id of the scope's function node or None at module level) of each function this module hands
    to a source converter by name (`run_autograph(fn)`): the code that runs is the rewritten one."""
    out: set[tuple[str, int | None]] = set()
    for call in module_calls(ctx):
        if call.args and isinstance(call.args[0], ast.Name) and ctx.qualify(call.func) in AUTOGRAPH_CONVERTERS:
            scope = enclosing_function(ctx, call)
            out.add((call.args[0].id, id(scope.node) if scope is not None else None))
    return out


def jax_array_locals(ctx: ModuleContext, fn: FunctionInfo) -> set[str]:
    """Locals of `fn` bound only to JAX arrays (every assignment to them makes one)."""
    body = ctx.body(fn)
    candidates: dict[str, bool] = {}
    for node in body.of_type(ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For, ast.With, ast.NamedExpr):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    ok = _makes_jax_array(ctx, node.value, target.id)
                    candidates[target.id] = candidates.get(target.id, True) and ok
                else:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                            candidates[sub.id] = False
        else:
            target = getattr(node, "target", None)
            for sub in ast.walk(target) if target is not None else ():
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                    candidates[sub.id] = False
            if isinstance(node, ast.With):
                for item in node.items:
                    for sub in ast.walk(item.optional_vars) if item.optional_vars is not None else ():
                        if isinstance(sub, ast.Name):
                            candidates[sub.id] = False
    excluded = set(fn.params) | body.declared(ast.Global) | body.declared(ast.Nonlocal)
    return {name for name, ok in candidates.items() if ok and name not in excluded}


class JaxArrayItemAssignment(Rule):
    code = "HYB105"
    name = "jax-array-item-assignment"
    framework = "jax"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    requires_text = ("jax",)
    summary = "JAX arrays are immutable: `x[i] = v` raises TypeError; use `x = x.at[i].set(v)`."
    what = """
        Finds item assignment (`x[i] = v`, `x[i] += v`) on a local variable that holds a JAX array: every
        assignment to it in the function is a `jax.numpy` call or an `x.at[...]` update.
    """
    why = """
        JAX arrays are immutable, in jitted code and outside it: item assignment raises `TypeError: JAX
        arrays are immutable and do not support in-place item assignment`. NumPy code moved to
        `jax.numpy` keeps this pattern and fails on its first run.
    """
    example = """
        import jax.numpy as jnp

        def one_hot(i, n):
            x = jnp.zeros(n)
            x[i] = 1.0
            return x
    """
    use_instead = """
        import jax.numpy as jnp

        def one_hot(i, n):
            x = jnp.zeros(n)
            x = x.at[i].set(1.0)
            return x
    """
    fix_doc = """
        Safe: `x[i] = v` becomes `x = x.at[i].set(v)` and `x[i] += v` becomes `x = x.at[i].add(v)`
        (`subtract`, `multiply`, `divide`, `power` for the other operators). The statement it replaces
        always raises, and the replacement performs the update the statement asked for, out of place.
        Chained assignments (`a = x[i] = v`) are reported without a fix.
    """
    references = ("https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html",
                  "https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html#in-place-updates")
    valid = (
        Valid("""
            import numpy as np

            def one_hot(i, n):
                x = np.zeros(n)
                x[i] = 1.0
                return x
        """, note="a NumPy array is mutable"),
        Valid("""
            import jax.numpy as jnp
            import numpy as np

            def one_hot(i, n, host):
                x = jnp.zeros(n)
                if host:
                    x = np.zeros(n)
                x[i] = 1.0
                return x
        """, note="not only a JAX array"),
        Valid("""
            import jax.numpy as jnp

            def update(x, i):
                x[i] = 1.0
                return x
        """, note="a parameter's type is unknown"),
        Valid("""
            import jax.numpy as jnp

            def one_hot(i, n):
                x = jnp.zeros(n)
                return x.at[i].set(1.0)
        """, note="functional update"),
        Valid("""
            import jax.numpy as np

            JAX_MODE = True

            def one_hot(i, n):
                x = np.zeros(n)
                if JAX_MODE:
                    x = x.at[i].set(1.0)
                else:
                    x[i] = 1.0
                return x

            def lu_rows(n):
                if JAX_MODE:
                    return np.eye(n)
                out = np.empty((n, n))
                out[0] = 1.0
                return out
        """, note="the NumPy branches of a generated JAX backend: dead under the module constant JAX_MODE"),
        Valid("""
            import jax.numpy as jnp
            from pennylane.capture.autograph import run_autograph

            def build():
                def fn():
                    x = jnp.zeros(5)
                    for i in range(5):
                        x[i] = i
                    return x
                return run_autograph(fn)
        """, note="PennyLane's AutoGraph rewrites the item assignment into `x = x.at[i].set(i)`"),
    )
    invalid = (
        Invalid("""
            import jax.numpy as jnp

            def one_hot(i, n):
                x = jnp.zeros(n)
                x[i] = 1.0
                return x
        """, lines=(5,)),
        Invalid("""
            import jax
            import jax.numpy as jnp

            @jax.jit
            def bump(v):
                out = jnp.array(v)
                out[0, 1:] += 2 * v[0]
                return out
        """, lines=(7,)),
        Invalid("""
            from jax import numpy as jnp

            def grid(n):
                g = jnp.ones((n, n))
                g = g.at[0].set(0.0)
                g[:, 0] *= 3
                return g
        """, lines=(6,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if not _ITEM_STORE.search(ctx.source.text) or not mentions(ctx, _JAX_NUMPY):
            return
        arrays: dict[int, set[str]] = {}
        consts = module_bool_constants(ctx.source.tree)
        rewritten = _autograph_converted(ctx)
        for node in item_assignments(ctx):
            fn = enclosing_function(ctx, node)
            if fn is None or isinstance(fn.node, ast.Lambda):
                continue
            if (fn.name, id(fn.parent.node) if fn.parent is not None else None) in rewritten:
                continue  # AutoGraph turns its `x[i] = v` into `x = x.at[i].set(v)` before JAX sees it
            if dead_under_constant(ctx.body(fn), node, consts):
                continue  # `if JAX_MODE: x = x.at[i].set(v) else: x[i] = v` with `JAX_MODE = True`
            if id(fn) not in arrays:
                arrays[id(fn)] = jax_array_locals(ctx, fn)
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)):
                    continue
                name = target.value.id
                if name not in arrays[id(fn)]:
                    continue
                fixable = len(targets) == 1 and (isinstance(node, ast.Assign) or type(node.op) in _AT_METHODS)
                fix = fix_for(self.code, FixSafety.SAFE, "the original statement always raises TypeError") \
                    if fixable else None
                yield ctx.report(self, node, f"`{name}` is a JAX array: item assignment raises TypeError "
                                 f"(JAX arrays are immutable); use `{name} = {name}.at[...]"
                                 f".{self._method(node)}(...)`", fn=fn, fix=fix)

    @staticmethod
    def _method(node: ast.Assign | ast.AugAssign) -> str:
        return "set" if isinstance(node, ast.Assign) else _AT_METHODS.get(type(node.op), "set")
