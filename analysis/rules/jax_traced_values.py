"""HYB104 and HYB108: Python and NumPy asking a tracer for its value inside `jax.jit`."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..model import Finding, Severity
from ._compiled import CompiledRoot, compiled_roots
from ._none_branches import untraced_nodes
from ._traced_values import traced_values
from .base import Invalid, ModuleContext, Rule, Valid

_CONVERSIONS = {"builtins.bool": "bool()", "builtins.int": "int()", "builtins.float": "float()",
                "builtins.range": "range()", "builtins.complex": "complex()"}
_VALUE_METHODS = frozenset({"item", "tolist", "__array__"})
# NumPy functions that do not convert a tracer: they describe shape or type, or NumPy hands the call to
# the argument's own method (`np.sum(x)` calls `x.sum()`), which jax.Array has. Measured on jax 0.10.2 /
# NumPy 2 (docs/framework-facts.md): all of these run under jax.jit; np.exp, np.clip, np.dot, np.where,
# np.asarray, np.concatenate, ... raise TracerArrayConversionError.
_NUMPY_NO_CONVERSION = frozenset({
    "shape", "ndim", "size", "dtype", "result_type", "issubdtype", "finfo", "iinfo", "isscalar", "iscomplexobj",
    "sum", "mean", "max", "min", "amax", "amin", "prod", "any", "all", "std", "var", "argmax", "argmin", "round",
    "reshape", "transpose", "squeeze", "cumsum", "cumprod", "searchsorted", "repeat",
})


def _jit_roots(ctx: ModuleContext) -> Iterator[CompiledRoot]:
    for root in compiled_roots(ctx):
        if root.kind in ("jit", "pmap") and root.static is not None:
            yield root


class PythonControlFlowOnTracer(Rule):
    code = "HYB104"
    name = "python-control-flow-on-tracer"
    framework = "jax"
    severity = Severity.ERROR
    requires_text = ("jit", "pmap")
    summary = "Python `if`/`while`/`bool()`/`int()`/`float()` on a traced value fails under jax.jit."
    what = """
        Finds `if`, `while` and conditional expressions whose condition is computed from a non-static
        argument of a `jax.jit` function, and `bool()`, `int()`, `float()`, `range()` of such values.
        Shapes, dtypes, `len()`, `isinstance` and `is None` tests are static and not reported; so are
        arguments listed in `static_argnums`/`static_argnames` and arguments with defaults that no call of
        the jitted function passes (a call this module makes, or any call of a decorated one). Code under
        `if p is None:` is left alone when `p` defaults to None and every call of the jitted function
        passes it (None is None while tracing: that branch is not traced).
    """
    why = """
        Under `jax.jit` every non-static argument is a tracer, an abstract array with a shape and a dtype
        but no value. Python needs a concrete value to choose a branch or build an `int`, so the call
        raises `TracerBoolConversionError` or `ConcretizationTypeError` when the function is first called.
    """
    example = """
        import jax

        @jax.jit
        def relu(x):
            if x > 0:
                return x
            return 0.0
    """
    use_instead = """
        import jax
        import jax.numpy as jnp

        @jax.jit
        def relu(x):
            return jnp.where(x > 0, x, 0.0)  # or jax.lax.cond, or static_argnums for a Python flag
    """
    references = (
        "https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError",
        "https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError",
        "https://docs.jax.dev/en/latest/control-flow.html",
    )
    valid = (
        Valid("""
            from functools import partial

            import jax

            @partial(jax.jit, static_argnames="training")
            def apply(x, training):
                if training:
                    return x * 0.5
                return x
        """, note="a static argument is a Python value while tracing"),
        Valid("""
            import jax

            @jax.jit
            def pad(x):
                if x.shape[0] < 8 and x.ndim == 1 and len(x) > 0:
                    return x * 2
                return x
        """, note="shapes are static"),
        Valid("""
            import jax

            @jax.jit
            def f(x, mask=None):
                if mask is not None:
                    return x * mask
                return x
        """, note="`is None` tests and defaulted arguments"),
        Valid("""
            import jax

            def f(x):
                if x > 0:
                    return x
                return -x
        """, note="not jitted"),
        Valid("""
            import jax
            import jax.numpy as jnp

            @jax.jit
            def forward_dynamics(model, data):
                if model.floating_base():
                    return data.base_acceleration
                return jnp.zeros(6)
        """, note="a method of the project's own pytree (a robot model's static structure), not jax.Array's"),
        Valid("""
            import jax

            class Generators:
                @staticmethod
                def build(theta, num_wires, interface):
                    return [theta * w for w in range(num_wires)]

                def run(self, theta):
                    return jax.jit(self.build, static_argnums=[1, 2])(theta, 3, "jax")
        """, note="`self.build` of a staticmethod binds no `self`: argument 1 is `num_wires`"),
        Valid("""
            import functools

            import jax

            def make():
                def foo(x, y, flag):
                    return x * 2 + y if flag else x + y
                foo = functools.partial(foo, flag=True)
                return jax.jit(foo)
        """, note="`flag` is bound by the partial the name holds: a Python value"),
        Valid("""
            import jax

            @jax.jit
            def add(left, right, scale=None):
                if scale == None:
                    return left + right
                return left + scale * right

            @jax.jit
            def sub(left, right):
                return add(left, right, -1)
        """, note="`tracer == None` is a Python bool: jax.Array's `==` leaves None to Python"),
        Valid("""
            from functools import partial

            import numpy as np
            from jax import jit, lax

            @partial(jit, inline=True)
            def threefry_2x32(keypair, count):
                key1, key2 = keypair
                if not lax.dtype(key1) == lax.dtype(key2) == lax.dtype(count) == np.uint32:
                    raise TypeError("threefry_2x32 requires uint32 arguments")
                return count
        """, note="`lax.dtype(x)` (JAX before 0.4.14) is the dtype, known while tracing "
                  "(jax 0.2.28's PRNG, P1-jaxtrue)"),
    )
    invalid = (
        Invalid("""
            import jax

            @jax.jit
            def clip_norm(x):
                y = x.at[0].set(0.0)
                if y.sum() > 1.0:
                    return y / y.sum()
                return y
        """, lines=(6,), note="jax.Array's methods and `.at[...]` updates return arrays"),
        Invalid("""
            import jax

            @jax.jit
            def relu(x):
                if x > 0:
                    return x
                return 0.0
        """, lines=(5,)),
        Invalid("""
            import jax
            import jax.numpy as jnp

            @jax.jit
            def norm(x):
                total = jnp.sum(x ** 2)
                while total > 1.0:
                    total = total / 2
                return total
        """, lines=(7,), note="a local computed from an argument"),
        Invalid("""
            import jax

            def repeat(x, n):
                out = x
                for _ in range(int(n)):
                    out = out + x
                return out

            fast = jax.jit(repeat)
        """, lines=(5,), note="int() of a non-static argument"),
        Invalid("""
            import jax
            import jax.numpy as jnp

            @jax.jit
            def shrink(x, limit=1.0):
                if limit > 0:
                    return x * limit
                return x

            y = shrink(jnp.ones(3), 2.0)
        """, lines=(6,), note="a defaulted argument that a call passes is traced"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for root in _jit_roots(ctx):
            traced = traced_values(ctx, root)
            if not traced.names:
                continue
            body = ctx.body(root.fn)
            untraced = untraced_nodes(ctx, root)
            for node in body.of_type(ast.If, ast.While, ast.IfExp):
                if traced.is_traced(node.test) and id(node) not in untraced:
                    kind = {ast.If: "if", ast.While: "while", ast.IfExp: "conditional expression"}[type(node)]
                    yield ctx.report(self, node.test, f"Python `{kind}` on a traced value raises "
                                     "TracerBoolConversionError under jax.jit: use jax.lax.cond/jnp.where, or "
                                     "mark the argument static (static_argnums/static_argnames)", fn=root.fn)
            for call in body.calls:
                conversion = _CONVERSIONS.get(ctx.qualify(call.func) or "")
                if conversion and id(call) not in untraced and any(traced.is_traced(a) for a in call.args):
                    yield ctx.report(self, call, f"`{conversion}` of a traced value raises "
                                     "ConcretizationTypeError under jax.jit: keep it an array, or mark the "
                                     "argument static (static_argnums/static_argnames)", fn=root.fn)


class NumpyOnTracer(Rule):
    code = "HYB108"
    name = "numpy-on-tracer"
    framework = "jax"
    severity = Severity.ERROR
    requires_text = ("jit", "pmap")
    summary = "NumPy functions, `.item()` and `.tolist()` need concrete values and fail on jax.jit tracers."
    what = """
        Finds `np.*(...)` calls with an argument computed from a non-static argument of a `jax.jit`
        function, and `.item()`/`.tolist()` on such values. NumPy calls that only read a shape or a dtype,
        and those NumPy hands to the array's own method (`np.sum(x)` is `x.sum()`), are not reported; nor is
        code under `if p is None:` when `p` defaults to None and every call of the jitted function passes it.
    """
    why = """
        NumPy converts its arguments to `numpy.ndarray`, which needs the data; a tracer has none, so
        `np.exp(x)` raises `TracerArrayConversionError` and `x.item()` raises `ConcretizationTypeError`
        when the jitted function is first called. `jax.numpy` has the same functions and traces them.
    """
    example = """
        import jax
        import numpy as np

        @jax.jit
        def energy(x):
            return np.exp(-x ** 2)
    """
    use_instead = """
        import jax
        import jax.numpy as jnp

        @jax.jit
        def energy(x):
            return jnp.exp(-x ** 2)
    """
    references = (
        "https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerArrayConversionError",
        "https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError",
    )
    valid = (
        Valid("""
            import jax
            import jax.numpy as jnp

            @jax.jit
            def energy(x):
                return jnp.exp(-x ** 2)
        """, note="jax.numpy traces"),
        Valid("""
            import jax
            import numpy as np

            @jax.jit
            def energy(x):
                return np.sum(x ** 2) + np.max(x)
        """, note="np.sum(x) calls x.sum(), which traces"),
        Valid("""
            import jax
            import numpy as np

            @jax.jit
            def scale(x):
                return x * np.sqrt(2.0) / np.prod(x.shape)
        """, note="NumPy on constants and shapes"),
        Valid("""
            import jax
            import numpy as np

            @jax.jit
            def energy(x):
                return (x ** 2).sum()

            value = energy(np.ones(3)).item()
        """, note="outside the jitted function"),
        Valid("""
            import jax
            import numpy as np

            def accumulate(x, *, state=None):
                if state is None:
                    return np.asarray(x).cumsum()
                return x + state

            accumulate_jit = jax.jit(accumulate)

            def run(x, state=None):
                kernel = accumulate if state is None else accumulate_jit
                return kernel(x, state=state)
        """, note="a `state is None` branch for eager calls: the jitted variant is only called with a state, "
                  "and None is None while tracing"),
    )
    invalid = (
        Invalid("""
            import jax
            import numpy as np

            @jax.jit
            def energy(x):
                return np.exp(-x ** 2)
        """, lines=(6,)),
        Invalid("""
            import jax

            @jax.jit
            def loss(x):
                value = (x ** 2).sum()
                print_value = value.item()
                return value
        """, lines=(6,)),
        Invalid("""
            import numpy as np
            import jax

            def clip(x, limit):
                return np.asarray(x).clip(0, limit)

            fast_clip = jax.jit(clip)
        """, lines=(5,)),
        Invalid("""
            import jax
            import numpy as np

            def accumulate(x, *, state=None):
                if state is None:
                    return np.asarray(x).cumsum()
                return x + state

            accumulate_jit = jax.jit(accumulate)

            def run(x):
                return accumulate_jit(x)
        """, lines=(6,), note="a call of the jitted function leaves `state` None: the branch is traced"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for root in _jit_roots(ctx):
            traced = traced_values(ctx, root)
            if not traced.names:
                continue
            untraced = untraced_nodes(ctx, root)
            for call in ctx.body(root.fn).calls:
                if id(call) in untraced:
                    continue  # a `p is None` branch no call of the jitted function takes
                q = ctx.qualify(call.func) or ""
                if q.startswith("numpy.") and q.split(".")[1] not in _NUMPY_NO_CONVERSION and \
                        any(traced.is_traced(a) for a in list(call.args) + [k.value for k in call.keywords]):
                    yield ctx.report(self, call, f"`{ctx.source.segment(call.func)}` converts a tracer to a NumPy "
                                     "array: raises TracerArrayConversionError under jax.jit (use jax.numpy)",
                                     fn=root.fn)
                elif isinstance(call.func, ast.Attribute) and call.func.attr in _VALUE_METHODS and \
                        traced.is_traced(call.func.value):
                    yield ctx.report(self, call, f"`.{call.func.attr}()` needs the value of a tracer: raises "
                                     "ConcretizationTypeError under jax.jit", fn=root.fn)
