"""HYB106 and HYB107: code that makes `jax.jit` trace and compile again and again."""
from __future__ import annotations

import ast
from typing import Iterable

from ..facts.paths import is_test_path
from ..model import Finding, Severity
from ._compiled import FUNCTOOLS_PARTIAL, compiled_functions, wrapper_calls, wrapper_kind
from ._compiled_calls import bound_arguments, compiled_calls_in_loops
from ._loops import iterates_literal, loop_counters
from ._module_index import enclosing_function, in_loop, parent_chain, parent_of
from .base import Invalid, ModuleContext, Rule, Valid

JIT_CACHE_REFERENCE = "https://docs.jax.dev/en/latest/jit-compilation.html#caching"


def fresh_callable(ctx: ModuleContext, target: ast.expr, loop: ast.For | ast.While) -> str | None:
    """'a lambda' / 'a functools.partial' / 'function `g` defined in the loop' when `target` is a new
    object on every iteration of `loop`, else None."""
    if isinstance(target, ast.Lambda):
        return "a lambda"
    if isinstance(target, ast.Call) and ctx.qualify(target.func) in FUNCTOOLS_PARTIAL:
        return "a functools.partial"
    if isinstance(target, ast.Name):
        for fn in ctx.summary.functions:
            if fn.name == target.id and not isinstance(fn.node, ast.Lambda) and loop in parent_chain(ctx, fn.node):
                return f"function `{fn.name}` defined in the loop"
    return None


_CONTAINER_ADDS = frozenset({"append", "add", "insert", "setdefault"})


def kept_beyond_iteration(ctx: ModuleContext, call: ast.Call, loop: ast.For | ast.While) -> bool:
    """Whether the loop keeps the jitted function it makes for later calls instead of using it once: stored
    (`fns[k] = jax.jit(f)`, `fns.append(jax.jit(f))`) or bound to a name the loop hands on other than by
    calling it (`f_jit = jax.jit(f)` then `out.append(Constraint(fun=f_jit))`). One compilation per item,
    each then called many times, is the point of such a loop (one jitted function per constraint, say)."""
    parent = parent_of(ctx, call)
    if isinstance(parent, ast.Call) and call in parent.args and isinstance(parent.func, ast.Attribute):
        return parent.func.attr in _CONTAINER_ADDS
    if not isinstance(parent, ast.Assign) or parent.value is not call or len(parent.targets) != 1:
        return False
    target = parent.targets[0]
    if isinstance(target, (ast.Attribute, ast.Subscript)):
        return True
    if not isinstance(target, ast.Name):
        return False
    for node in ast.walk(loop):
        if isinstance(node, ast.Name) and node.id == target.id and isinstance(node.ctx, ast.Load):
            user = parent_of(ctx, node)
            if not (isinstance(user, ast.Call) and user.func is node):
                return True
    return False


class JitInLoop(Rule):
    code = "HYB106"
    name = "jit-in-loop"
    framework = "jax"
    # Info, by the precision policy (docs/precision.md): its one finding on real code (jax 0.2.28's
    # per-device `barrier_wait`, a rarely called test helper) was judged debatable.
    severity = Severity.INFO
    requires_text = ("jit",)
    summary = "jax.jit of a lambda, partial or inner function created in a loop traces and compiles on every iteration."
    what = """
        Finds `jax.jit(...)` (or `equinox.filter_jit`) inside a loop body when what it wraps is created
        anew on every iteration: a lambda, a `functools.partial`, or a function defined in the loop.
        Loops over a literal list of cases and test files are left alone (one compilation per case is
        the point there).
    """
    why = """
        JAX caches compiled programs per wrapped function object. `jax.jit(f)` of the same module-level
        `f` in a loop hits the cache, but a new lambda, partial or inner function is a new key: every
        iteration traces and compiles again, which costs far more than the computation it speeds up.
    """
    example = """
        import jax

        def train(xs, scale):
            out = []
            for x in xs:
                out.append(jax.jit(lambda v: v * scale)(x))
            return out
    """
    use_instead = """
        import jax

        def train(xs, scale):
            step = jax.jit(lambda v, s: v * s)  # created once, outside the loop
            return [step(x, scale) for x in xs]
    """
    references = (JIT_CACHE_REFERENCE,)
    valid = (
        Valid("""
            import jax

            def double(v):
                return v * 2

            def run(xs):
                out = []
                for x in xs:
                    out.append(jax.jit(double)(x))
                return out
        """, note="a module-level function is one cache key"),
        Valid("""
            import jax

            def run(xs, scale):
                step = jax.jit(lambda v: v * scale)
                for x in xs:
                    step(x)
        """, note="created once"),
        Valid("""
            import jax

            def run(x):
                for act in (jax.nn.relu, jax.nn.tanh):
                    jax.jit(lambda v: act(v))(x)
        """, note="one compilation per listed case is deliberate"),
        Valid("""
            import jax

            def constraint_functions(constraints, x0):
                out = []
                for c in constraints:
                    def fun(x):
                        return c.value(x)
                    fun_jit = jax.jit(fun)
                    fun_jit(x0)  # compiled here, once per constraint
                    out.append(dict(fun=fun_jit, bound=c.bound))
                return out
        """, note="one jitted function per item, kept for the many calls after the loop"),
        Valid({"tests/test_ops.py": """
            import jax

            def test_scales():
                for s in range(3):
                    assert jax.jit(lambda v: v * s)(1.0) == s
        """}, path="tests/test_ops.py", note="tests compile per case on purpose"),
    )
    invalid = (
        Invalid("""
            import jax

            def train(xs, scale):
                out = []
                for x in xs:
                    out.append(jax.jit(lambda v: v * scale)(x))
                return out
        """, lines=(6,)),
        Invalid("""
            from functools import partial

            import jax

            def loss(w, x, scale):
                return (w * x * scale).sum()

            def fit(w, xs):
                for i, x in enumerate(xs):
                    grad = jax.jit(partial(loss, scale=2.0))(w, x)
                    w = w - 0.1 * grad
                return w
        """, lines=(10,)),
        Invalid("""
            import jax

            state = 0.0
            while state < 10:
                def step(s):
                    return s + 1
                state = jax.jit(step)(state)
        """, lines=(7,), note="at module level, a function defined in the loop"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return
        for call in wrapper_calls(ctx):
            kind = wrapper_kind(ctx, call.func)
            if kind not in ("jit", "filter_jit"):
                continue
            loop = in_loop(ctx, call, None)
            if loop is None or iterates_literal(loop):
                continue
            what = fresh_callable(ctx, call.args[0], loop)
            if what is not None and not kept_beyond_iteration(ctx, call, loop):
                yield ctx.report(self, call, f"`{ctx.source.segment(call.func)}` of {what} runs on every loop "
                                 "iteration: each new function object traces and compiles again; create the "
                                 "jitted function once, before the loop")


class VaryingStaticArgument(Rule):
    code = "HYB107"
    name = "varying-static-argument"
    framework = "jax"
    severity = Severity.WARNING
    requires_text = ("static_arg",)
    summary = "A loop counter passed as a static argument of jax.jit compiles once per value."
    what = """
        Finds calls of a `jax.jit` function of this module, inside a loop, that pass a `range`/`enumerate`
        index or a `+=` counter of that loop in a `static_argnums`/`static_argnames` position.
    """
    why = """
        Static arguments are part of the compilation cache key: every distinct value traces and compiles
        the function again. A value that changes on every iteration means a compilation per iteration;
        as a traced (non-static) argument it would compile once.
    """
    example = """
        from functools import partial

        import jax

        @partial(jax.jit, static_argnums=1)
        def scale(x, step):
            return x * step

        for step in range(10):
            scale(1.0, step)
    """
    use_instead = """
        import jax

        @jax.jit
        def scale(x, step):  # step is traced: one compilation for every value
            return x * step

        for step in range(10):
            scale(1.0, step)
    """
    references = ("https://docs.jax.dev/en/latest/_autosummary/jax.jit.html", JIT_CACHE_REFERENCE)
    valid = (
        Valid("""
            import jax

            @jax.jit
            def scale(x, step):
                return x * step

            for step in range(10):
                scale(1.0, step)
        """, note="a traced argument"),
        Valid("""
            from functools import partial

            import jax

            @partial(jax.jit, static_argnames="mode")
            def apply(x, mode):
                return x * 2 if mode == "double" else x

            for i in range(10):
                apply(float(i), mode="double")
        """, note="the static argument does not change"),
        Valid("""
            from functools import partial

            import jax

            @partial(jax.jit, static_argnums=1)
            def apply(x, mode):
                return x

            for mode in ("train", "eval"):
                apply(1.0, mode)
        """, note="a few listed values"),
        Valid("""
            from functools import partial

            import jax

            @partial(jax.jit, static_argnums=(1, 2))
            def block(m, k, n):
                return m[k:n].sum()

            @jax.jit
            def total(m):
                out = 0.0
                for i in range(m.shape[0] - 1):
                    out += block(m, i, m.shape[0])
                return out
        """, note="the loop runs while the outer jit traces: once per compilation of `total`, not per call"),
    )
    invalid = (
        Invalid("""
            from functools import partial

            import jax

            @partial(jax.jit, static_argnums=1)
            def scale(x, step):
                return x * step

            for step in range(10):
                scale(1.0, step)
        """, lines=(10,)),
        Invalid("""
            import jax

            def unroll(x, n):
                for _ in range(n):
                    x = x * 2
                return x

            fast = jax.jit(unroll, static_argnames=("n",))

            def run(x):
                n = 1
                while n < 64:
                    x = fast(x, n=n)
                    n += 1
                return x
        """, lines=(13,)),
        Invalid("""
            from functools import partial

            import jax

            class Model:
                @partial(jax.jit, static_argnums=(0, 2))
                def step(self, x, epoch):
                    return x / (1 + epoch)

                def fit(self, x):
                    for epoch, _ in enumerate(range(5)):
                        x = self.step(x, epoch)
                    return x
        """, lines=(12,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        traced = None
        for call, root, loops in compiled_calls_in_loops(ctx):
            if root.kind != "jit" or not root.static:
                continue
            if traced is None:
                traced = {id(cf.fn.node) for cf in compiled_functions(ctx, "jax")}
            caller = enclosing_function(ctx, call)
            if caller is not None and id(caller.node) in traced:
                continue  # the loop runs while an outer jit traces: unrolled once per outer compilation
            counters = loop_counters(loops, ctx.qualify)
            for param, arg in bound_arguments(root, call):
                if param in root.static and isinstance(arg, ast.Name) and arg.id in counters:
                    yield ctx.report(self, arg, f"`{arg.id}` changes on every iteration but is static argument "
                                     f"`{param}` of jitted `{root.fn.qualname}`: one compilation per value "
                                     "(make it a traced argument)", fn=root.fn)
