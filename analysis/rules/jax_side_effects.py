"""HYB101-HYB103: Python side effects in `jax.jit` code run only while JAX traces it."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..facts.paths import is_test_path
from ..model import Finding, Fix, FixSafety, Severity
from ._compiled import CompiledFunction, compiled_functions
from ._jax_side_effects_examples import (
    OUTER_STATE_IN_JIT_INVALID, OUTER_STATE_IN_JIT_VALID, PRINT_IN_JIT_INVALID, PRINT_IN_JIT_VALID,
    TRACER_LEAK_INVALID, TRACER_LEAK_VALID,
)
from ._traced_objects import has_fresh_self
from ._traced_values import possibly_traced, traced_values
from .base import ModuleContext, Rule
from .print_in_graph import _is_logger_call, _mentions_tracing, output_call_kind

JAX_REFERENCES = (
    "https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html#pure-functions",
    "https://docs.jax.dev/en/latest/debugging/print_breakpoint.html",
)
# Methods of list, dict, set and deque that change the container in place.
MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "add", "setdefault", "pop", "popitem",
                              "clear", "remove", "discard", "sort", "reverse", "appendleft", "extendleft"})


class PrintInJit(Rule):
    code = "HYB101"
    name = "print-in-jit"
    framework = "jax"
    severity = Severity.WARNING
    fix_safety = FixSafety.SUGGESTION
    requires_text = ("jit", "pmap")
    summary = "Python output in a jax.jit function runs once per compilation, not once per call."
    what = """
        Finds `print(...)`, `logging.*(...)` and `logger.*(...)` that show a traced value, in functions that
        `jax.jit` (or `jax.pmap`, `pjit`, `equinox.filter_jit`, Flax's `nnx.jit`) traces: decorated functions,
        functions of the same module wrapped by `jax.jit(f)`, `jax.jit(self.method)`, `jax.jit(lambda ...)`,
        `jax.jit(jax.vmap(f))`, `jax.jit(jax.grad(f))` or `jax.jit(partial(f, ...))`, and the functions of the
        module they call. A traced value is a non-static parameter of the jitted function (not in
        `static_argnums`/`static_argnames`, not bound by `partial`, not a custom derivative's
        `nondiff_argnums`) or anything computed from one, and every `jnp`/`lax`/`jax.random` result; along a
        call chain, a parameter of a called function is traced only where a call site passes it a traced
        value (one given constants, configuration or shapes at every call site is static). Shapes, dtypes,
        `len()` and `jax.tree.map(jnp.shape, tree)` are static. `warnings.warn` is left alone: a deprecation
        or configuration warning is meant to be emitted once; so is output under an `if` (a branch that
        works under jit tests a static Python value, so what it prints is a trace-time diagnostic). Test
        files are not checked (tests print inside jit on purpose, to observe tracing).
    """
    why = """
        `jax.jit` runs the Python body once to trace it into a jaxpr, then calls the compiled XLA program.
        A `print` therefore runs on the first call only (and again when a new shape or static value forces
        a retrace), and prints tracers (`JitTracer(float32[3])`), not values. Output that shows no traced
        value (`print("sampling")`, `print("shape", x.shape)`, `logging.info("config: %s", cfg)`) is not
        reported: what it prints is right, and once per trace is often what it is written for (a trace
        marker such as `print("JITTING step")`, a warning spelled as a print); a stray one costs only its
        repetition. A message that mentions tracing and shows a traced value is reported as info: it is the
        usual way to *detect* retracing.
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
    valid = PRINT_IN_JIT_VALID
    invalid = PRINT_IN_JIT_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return  # tests print and count inside jit on purpose, to observe tracing
        for cf in compiled_functions(ctx, "jax"):
            body = ctx.body(cf.fn)
            traced = None
            for call in body.calls:
                kind = output_call_kind(ctx.qualify(call.func))
                if kind is None and _is_logger_call(ctx, call):
                    kind = "logging"
                if kind is None or kind == "warnings":
                    continue  # a warning is meant to be emitted once (deprecations, configuration)
                if any(isinstance(a, ast.If) for a in body.ancestors(call)):
                    # A branch that works under jit tests a Python value (a tracer would raise, HYB104):
                    # output there is a trace-time diagnostic about static configuration, meant once.
                    continue
                traced = traced or possibly_traced(ctx, cf.fn)
                if not any(traced.is_traced(a) for a in list(call.args) + [k.value for k in call.keywords]):
                    # Constants, shapes, configuration: printed right, once per trace. A trace marker
                    # (`print("JITTING step")`) or a warning spelled as a print is meant to be printed once.
                    continue
                message = (f"`{ctx.source.segment(call.func)}` in jitted code runs once per trace, not on every "
                           f"call, and sees tracers instead of values{cf.via()}")
                fix = None
                if kind == "print":
                    fix = Fix('use jax.debug.print("... {}", x): runs on every call and prints values',
                              FixSafety.SUGGESTION)
                # A message about tracing is the usual way to *detect* retracing: info.
                severity = Severity.INFO if _mentions_tracing(call) else None
                yield ctx.report(self, call, message, fn=cf.fn, fix=fix, severity=severity)


def outer_stores(ctx: ModuleContext, cf: CompiledFunction) -> Iterator[tuple[ast.AST, str, ast.expr | None]]:
    """Stores to state outside the trace: (node, description, stored value or None).

    Only state known to outlive the trace counts: a global or nonlocal that no traced function binds,
    `self`, and containers (list/dict/set displays and constructors) bound at module level or in an
    enclosing function that is not itself traced. A method named `update` or `add` on anything else is
    not taken for a container mutation (`opt.update(grads, state)` is Optax's functional API).
    """
    body = ctx.body(cf.fn)
    declared = body.declared(ast.Global) | body.declared(ast.Nonlocal)
    local = body.local_names() - declared
    for node in body.nodes:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in declared:
                    if _binding(ctx, cf, target.id) != "trace":
                        yield node, f"assignment to outer variable `{target.id}`", node.value
                elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and \
                        target.value.id == "self" and cf.fn.name != "__init__" and not has_fresh_self(ctx, cf.fn):
                    # (an object constructed while tracing is itself created inside the trace, and so are
                    # the objects whose methods the trace calls only on what it constructed)
                    yield node, f"assignment to `self.{target.attr}`", node.value
                elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and \
                        target.value.id not in local and _binding(ctx, cf, target.value.id) == "container":
                    yield node, f"item assignment on outer `{target.value.id}`", node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in MUTATING_METHODS and isinstance(node.func.value, ast.Name):
            name = node.func.value.id
            if name not in local and _binding(ctx, cf, name) == "container":
                value = node.args[-1] if node.args else None
                yield node, f"`{name}.{node.func.attr}(...)` on outer `{name}`", value


_CONTAINER_CALLS = frozenset({"builtins.list", "builtins.dict", "builtins.set", "collections.defaultdict",
                              "collections.OrderedDict", "collections.deque", "collections.Counter"})


def _is_container(ctx: ModuleContext, value: ast.expr | None) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    return isinstance(value, ast.Call) and ctx.qualify(value.func) in _CONTAINER_CALLS


def _binding(ctx: ModuleContext, cf: CompiledFunction, name: str) -> str | None:
    """Where the outer `name` is bound: "trace" (in an enclosing function that is itself traced, so the
    object is created inside the trace), "container" (a container made outside the trace), "outer"
    (anything else outside), or None (not found)."""
    traced = {id(c.fn) for c in compiled_functions(ctx, "jax")}
    parent = cf.fn.parent
    while parent is not None:
        pbody = ctx.body(parent)
        if name in pbody.local_names() - pbody.declared(ast.Global) - pbody.declared(ast.Nonlocal):
            if id(parent) in traced:
                return "trace"
            values = [n.value for n in pbody.of_type(ast.Assign, ast.AnnAssign)
                      if any(isinstance(t, ast.Name) and t.id == name
                             for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
            return "container" if values and all(_is_container(ctx, v) for v in values) else "outer"
        parent = parent.parent
    values = _module_values(ctx).get(name)
    if values is None:
        return None
    return "container" if all(_is_container(ctx, v) for v in values) else "outer"


def _module_values(ctx: ModuleContext) -> dict[str, list[ast.expr | None]]:
    """Module-level name -> the values assigned to it at module level."""
    return ctx.shared("module-values", lambda: _assigned_at_module_level(ctx))


def _assigned_at_module_level(ctx: ModuleContext) -> dict[str, list[ast.expr | None]]:
    values: dict[str, list[ast.expr | None]] = {}
    for st in ctx.summary.source.tree.body:
        if isinstance(st, (ast.Assign, ast.AnnAssign)):
            for t in (st.targets if isinstance(st, ast.Assign) else [st.target]):
                if isinstance(t, ast.Name):
                    values.setdefault(t.id, []).append(st.value)
    return values


def _leaks(ctx: ModuleContext, cf: CompiledFunction, value: ast.expr | None) -> bool:
    return value is not None and cf.is_root and traced_values(ctx, cf.root).is_traced(value)


class OuterStateInJit(Rule):
    code = "HYB102"
    name = "outer-state-in-jit"
    framework = "jax"
    severity = Severity.WARNING
    requires_text = ("jit", "pmap")
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
    valid = OUTER_STATE_IN_JIT_VALID
    invalid = OUTER_STATE_IN_JIT_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return  # trace counters (`nonlocal n; n += 1`) are how tests check JAX's caching
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
    requires_text = ("jit", "pmap")
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
    valid = TRACER_LEAK_VALID
    invalid = TRACER_LEAK_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return  # tests leak tracers on purpose to check the error
        for cf in compiled_functions(ctx, "jax"):
            for node, what, value in outer_stores(ctx, cf):
                if _leaks(ctx, cf, value):
                    yield ctx.report(self, node, f"{what} stores a tracer: it outlives the trace and raises "
                                                 f"UnexpectedTracerError when used", fn=cf.fn)
