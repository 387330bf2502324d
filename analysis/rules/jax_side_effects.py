"""HYB101-HYB103: Python side effects in `jax.jit` code run only while JAX traces it."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..model import Finding, Fix, FixSafety, Severity
from ._compiled import CompiledFunction, compiled_functions, traced_values
from .base import Invalid, ModuleContext, Rule, Valid
from .print_in_graph import _is_logger_call, _mentions_tracing, output_call_kind

JAX_REFERENCES = (
    "https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html#pure-functions",
    "https://docs.jax.dev/en/latest/debugging/print_breakpoint.html",
)
# Methods of list, dict and set that change the container in place.
MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "add", "setdefault", "pop", "popitem",
                              "clear", "remove", "discard", "sort", "reverse", "__setitem__"})


class PrintInJit(Rule):
    code = "HYB101"
    name = "print-in-jit"
    framework = "jax"
    severity = Severity.WARNING
    fix_safety = FixSafety.SUGGESTION
    requires_text = ("jit",)
    summary = "Python output in a jax.jit function runs once per compilation, not once per call."
    what = """
        Finds `print(...)`, `logging.*(...)`, `logger.*(...)` and `warnings.warn(...)` in functions that
        `jax.jit` (or `equinox.filter_jit`) traces: decorated functions, functions wrapped by
        `jax.jit(f)` in the same module, and the functions of the module they call.
    """
    why = """
        `jax.jit` runs the Python body once to trace it into a jaxpr, then calls the compiled XLA program.
        A `print` therefore runs on the first call only (and again when a new shape or static value forces
        a retrace), and prints tracers (`JitTracer(float32[3])`), not values. A message that
        mentions tracing is reported as info: it is the usual way to *detect* retracing.
    """
    example = """
        import jax

        @jax.jit
        def step(x):
            print("x =", x)
            return x * 2
    """
    use_instead = """
        import jax

        @jax.jit
        def step(x):
            jax.debug.print("x = {}", x)
            return x * 2
    """
    fix_doc = """
        Suggestion only: `jax.debug.print` runs on every call and prints values, but it takes a format
        string (`"x = {}"`) instead of separate arguments, so the call must be rewritten by hand.
    """
    references = JAX_REFERENCES
    valid = (
        Valid("""
            import jax

            @jax.jit
            def step(x):
                jax.debug.print("x = {}", x)
                return x * 2
        """, note="jax.debug.print runs on every call"),
        Valid("""
            import jax

            def eager(x):
                print("not traced", x)
                return x

            step = jax.jit(lambda x: x * 2)
        """, note="eager code may print"),
        Valid("""
            import jax

            def log(x):
                print("host value", x)

            @jax.jit
            def step(x):
                jax.debug.callback(log, x)
                return x * 2
        """, note="a jax.debug.callback runs on the host on every call"),
        Valid("""
            import jax

            @jax.grad
            def loss(x):
                print("grad traces on every call", x)
                return (x ** 2).sum()
        """, note="jax.grad alone re-traces on every call, so the print runs every time"),
    )
    invalid = (
        Invalid("""
            import jax

            @jax.jit
            def step(x):
                print("x =", x)
                return x * 2
        """, lines=(5,)),
        Invalid("""
            import logging
            from functools import partial

            import jax

            logger = logging.getLogger(__name__)

            def report(x):
                logger.info("loss %s", x)

            @partial(jax.jit, static_argnums=1)
            def step(x, n):
                report(x)
                return x * n
        """, lines=(9,), note="a helper called from the jitted function"),
        Invalid("""
            import jax
            import jax.numpy as jnp

            def update(params, grads):
                print("updating")
                return params - 0.1 * grads

            fast_update = jax.jit(update)
        """, lines=(5,), note="jax.jit(f) in the same module"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for cf in compiled_functions(ctx, "jax"):
            for call in ctx.body(cf.fn).calls:
                kind = output_call_kind(ctx.qualify(call.func))
                if kind is None and _is_logger_call(ctx, call):
                    kind = "logging"
                if kind is None:
                    continue
                message = (f"`{ctx.source.segment(call.func)}` in jitted code runs once per trace, not on every "
                           f"call, and sees tracers instead of values{cf.via()}")
                fix = None
                if kind == "print":
                    fix = Fix('use jax.debug.print("... {}", x): runs on every call and prints values',
                              FixSafety.SUGGESTION)
                severity = Severity.INFO if _mentions_tracing(call) else None
                yield ctx.report(self, call, message, fn=cf.fn, fix=fix, severity=severity)


def outer_stores(ctx: ModuleContext, cf: CompiledFunction) -> Iterator[tuple[ast.AST, str, ast.expr | None]]:
    """Stores to state outside the function: (node, description, stored value or None)."""
    body = ctx.body(cf.fn)
    declared = body.declared(ast.Global) | body.declared(ast.Nonlocal)
    local = body.local_names() - declared
    for node in body.nodes:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in declared:
                    yield node, f"assignment to outer variable `{target.id}`", node.value
                elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    yield node, f"assignment to `self.{target.attr}`", node.value
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
                        target.value.id not in local:
                    yield node, f"item assignment on outer `{target.value.id}`", node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in MUTATING_METHODS and isinstance(node.func.value, ast.Name):
            name = node.func.value.id
            if name in local or ctx.qualify(node.func.value) is not None and name not in declared and \
                    name not in _module_names(ctx):
                continue
            value = node.args[-1] if node.args else None
            yield node, f"`{name}.{node.func.attr}(...)` on outer `{name}`", value


def _module_names(ctx: ModuleContext) -> frozenset[str]:
    """Names bound by module-level assignments (the outer containers jitted code may mutate)."""
    cached = getattr(ctx.summary, "_module_assigned", None)
    if cached is None:
        names = set()
        for st in ctx.summary.source.tree.body:
            if isinstance(st, (ast.Assign, ast.AnnAssign)):
                for t in (st.targets if isinstance(st, ast.Assign) else [st.target]):
                    if isinstance(t, ast.Name):
                        names.add(t.id)
        cached = ctx.summary._module_assigned = frozenset(names)  # type: ignore[attr-defined]
    return cached


def _leaks(ctx: ModuleContext, cf: CompiledFunction, value: ast.expr | None) -> bool:
    return value is not None and cf.is_root and traced_values(ctx, cf.root).is_traced(value)


class OuterStateInJit(Rule):
    code = "HYB102"
    name = "outer-state-in-jit"
    framework = "jax"
    severity = Severity.WARNING
    requires_text = ("jit",)
    summary = "Changing outer Python state from jitted code happens once per trace, not once per call."
    what = """
        Finds assignments to globals, nonlocals and `self` attributes, item assignments and in-place
        container methods (`append`, `update`, ...) on state outside the function, in functions that
        `jax.jit` traces. Stores of traced values are HYB103.
    """
    why = """
        JAX traces the Python body once and replays the compiled program afterwards; Python side effects
        are not part of the program. A counter incremented or a list appended in a jitted function
        changes on the first call only, so the program's state silently stops matching its calls.
    """
    example = """
        import jax

        calls = 0

        @jax.jit
        def step(x):
            global calls
            calls += 1
            return x * 2
    """
    use_instead = """
        import jax

        @jax.jit
        def step(x, calls):
            return x * 2, calls + 1
    """
    references = JAX_REFERENCES
    valid = (
        Valid("""
            import jax

            @jax.jit
            def step(x):
                parts = []
                parts.append(x * 2)
                return parts[0]
        """, note="a list created inside the trace is local"),
        Valid("""
            import jax

            history = []

            def step(x):
                history.append(x)
                return x * 2
        """, note="not jitted"),
        Valid("""
            import jax

            @jax.jit
            def step(x, state):
                state = dict(state)
                state["x"] = x
                return state
        """, note="a copy made inside the function"),
    )
    invalid = (
        Invalid("""
            import jax

            calls = 0

            @jax.jit
            def step(x):
                global calls
                calls += 1
                return x * 2
        """, lines=(8,)),
        Invalid("""
            import jax

            seen = []

            def record(name):
                seen.append(name)

            @jax.jit
            def step(x):
                record("step")
                return x * 2
        """, lines=(6,), note="in a helper called from the jitted function"),
        Invalid("""
            from functools import partial

            import jax

            class Trainer:
                @partial(jax.jit, static_argnums=0)
                def step(self, x):
                    self.steps = 1
                    return x * 2
        """, lines=(8,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for cf in compiled_functions(ctx, "jax"):
            for node, what, value in outer_stores(ctx, cf):
                if _leaks(ctx, cf, value):
                    continue  # HYB103
                yield ctx.report(self, node, f"{what} in jitted code runs once per trace, not on every call"
                                             f"{cf.via()}", fn=cf.fn)


class TracerLeak(Rule):
    code = "HYB103"
    name = "tracer-leak"
    framework = "jax"
    severity = Severity.ERROR
    requires_text = ("jit",)
    summary = "A traced value stored outside a jax.jit function leaks a tracer (UnexpectedTracerError)."
    what = """
        Finds a value computed from a jitted function's traced arguments stored where it outlives the
        trace: a global or nonlocal, a `self` attribute, an outer list or dict.
    """
    why = """
        Inside `jax.jit` the arguments are tracers, abstract stand-ins that exist only while JAX traces.
        A tracer stored outside the function is garbage: using it later raises
        `UnexpectedTracerError` ("Encountered an unexpected tracer"), and the stored value is never
        updated by later calls, which run the compiled program without the Python body.
    """
    example = """
        import jax

        last = []

        @jax.jit
        def step(x):
            y = x * 2
            last.append(y)
            return y
    """
    use_instead = """
        import jax

        @jax.jit
        def step(x):
            y = x * 2
            return y, y  # return what the caller needs to keep
    """
    references = ("https://docs.jax.dev/en/latest/errors.html#jax.errors.UnexpectedTracerError",)
    valid = (
        Valid("""
            import jax

            last = []

            @jax.jit
            def step(x):
                y = x * 2
                return y

            last.append(step(1.0))
        """, note="the result is stored outside, after the call"),
        Valid("""
            import jax

            shapes = []

            @jax.jit
            def step(x):
                shapes.append(x.shape)
                return x * 2
        """, note="shapes are static Python values (HYB102 reports the trace-time append)"),
        Valid("""
            import jax

            @jax.jit
            def step(x):
                acc = []
                acc.append(x * 2)
                return acc[0]
        """, note="a local list"),
    )
    invalid = (
        Invalid("""
            import jax

            last = []

            @jax.jit
            def step(x):
                y = x * 2
                last.append(y)
                return y
        """, lines=(8,)),
        Invalid("""
            import jax

            cache = None

            @jax.jit
            def step(x):
                global cache
                cache = x + 1
                return x
        """, lines=(8,)),
        Invalid("""
            from functools import partial

            import jax
            import jax.numpy as jnp

            class Model:
                @partial(jax.jit, static_argnums=0)
                def __call__(self, x):
                    self.activations = jnp.tanh(x)
                    return self.activations
        """, lines=(9,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for cf in compiled_functions(ctx, "jax"):
            for node, what, value in outer_stores(ctx, cf):
                if _leaks(ctx, cf, value):
                    yield ctx.report(self, node, f"{what} stores a tracer: it outlives the trace and raises "
                                                 f"UnexpectedTracerError when used", fn=cf.fn)
