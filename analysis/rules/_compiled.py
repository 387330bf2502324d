"""Compiled context for JAX and PyTorch: the functions `jax.jit` or `torch.compile` trace, in one module.

TensorFlow's graph context comes from the whole-repository facts (analysis/facts). The JAX and PyTorch
rules use this smaller, module-local counterpart: the roots are the functions of the module that a
`jax.jit`/`torch.compile`/`torch.jit.trace` written in the same module traces (decorators,
`functools.partial(jax.jit, ...)` decorators, `g = jax.jit(f)`, `torch.compile(Model())`; for JAX also
`jax.pmap`/`pjit` (JAX_WRAPPERS), `jax.jit(self.step)`, `jax.jit(lambda ...)`, `jax.jit(Step(...))` and the
function inside `jax.jit(jax.vmap(f))`/`jax.jit(partial(f, ...))`), and the
compiled functions are the roots plus the functions of the same module they call, transitively.

Why module-local: a module's cached findings are keyed on its own content and the facts of what it
calls (analysis/pipeline/checking.py), not on who calls it; a root in another module would make those findings
stale. It also keeps the rules precise: a library function is not taken for jitted code because some
test somewhere jits it (issue 10's pattern 2). The price is recall: a `print` in a helper of another
module, reached from a jitted function, is not reported (docs/precision-jax-torch.md).

The traced values of a root are _traced_values.py; how the module calls its roots, _compiled_calls.py;
the module walk the JAX and PyTorch rules share, _module_index.py.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..facts.function_header import is_static
from ..facts.jax_values import CUSTOM_DERIVATIVES
from ..summary import FunctionInfo
from ._module_index import enclosing_function, module_calls, parent_of

if TYPE_CHECKING:
    from .base import ModuleContext

# What each compiling wrapper is, by qualified name: "jit" traces once per input signature with
# `static_argnums`/`static_argnames` static; "pmap" the same with `static_broadcasted_argnums`;
# "filter_jit" (equinox) treats every non-array argument as static. `pjit` (deprecated for `jax.jit`,
# the same `static_argnums`/`static_argnames`) is in older training code; `jax._src.api.jit` is how JAX's
# own modules spell jit.
JAX_WRAPPERS: dict[str, str] = {
    "jax.jit": "jit", "jax.api.jit": "jit", "jax._src.api.jit": "jit",
    "jax.experimental.pjit.pjit": "jit", "jax._src.pjit.pjit": "jit",
    "jax.pmap": "pmap", "jax.api.pmap": "pmap", "jax._src.api.pmap": "pmap",
    "equinox.filter_jit": "filter_jit", "equinox.filter_pmap": "filter_jit",
    # Libraries' own jit: Trax's backend-neutral `fastmath.jit` is `jax.jit` on JAX; Haliax's `named_jit`
    # is equinox.filter_jit with named-axis sharding.
    "trax.fastmath.jit": "jit", "trax.fastmath.ops.jit": "jit",
    "haliax.named_jit": "filter_jit", "haliax.partitioning.named_jit": "filter_jit",
    # Flax NNX's `nnx.jit` is jax.jit that also takes Modules, Optimizers and Rngs as arguments (their
    # state is split off and traced, the objects themselves are not arrays): which arguments are traced
    # is only known at the call, as for filter_jit.
    "flax.nnx.jit": "filter_jit",
}
TORCH_COMPILE = frozenset({"torch.compile"})
TORCH_TRACE = frozenset({"torch.jit.trace"})
# Transformations whose result calls the function it is given with the same parameters, traced the same
# way: `jax.jit(jax.vmap(f))` and `jax.jit(jax.grad(loss))` trace `f` and `loss`.
JAX_SAME_SIGNATURE = frozenset({
    "jax.vmap", "jax.grad", "jax.value_and_grad", "jax.checkpoint", "jax.remat", "jax.named_call",
    "jax.jacfwd", "jax.jacrev", "jax.hessian", "jax.custom_jvp", "jax.custom_vjp", "jax.ad_checkpoint.checkpoint",
    "equinox.filter_vmap", "equinox.filter_grad", "equinox.filter_value_and_grad",
})
FUNCTOOLS_PARTIAL = frozenset({"functools.partial"})
# Functions handed to these run on the host, on every call, outside the trace.
HOST_CALLBACKS = frozenset({"jax.debug.callback", "jax.pure_callback", "jax.experimental.io_callback",
                            "jax.experimental.host_callback.id_tap", "jax.experimental.host_callback.call",
                            "torch._dynamo.disable", "torch.compiler.disable"})


@dataclass(eq=False)
class CompiledRoot:
    """A function that a jit/compile/trace written in this module traces."""

    fn: FunctionInfo
    site: ast.AST  # the decorator expression or the wrapping call
    kind: str  # "jit" | "pmap" | "filter_jit" | "compile" | "trace"
    keywords: dict[str, ast.expr]
    static: frozenset[str] | None  # static parameter names; None when they cannot be read
    # The parameters a caller of the compiled function passes, in order: `fn.params` less those already
    # bound (`self` of `jax.jit(self.step)`, the arguments of `jax.jit(partial(f, a, k=1))`).
    call_params: tuple[str, ...] = ()
    spelled: str = ""  # the wrapper's qualified name as the module spells it (`flax.nnx.jit`), if known

    @property
    def framework(self) -> str:
        return "torch" if self.kind in ("compile", "trace") else "jax"

    @property
    def wrapper(self) -> str:
        """What messages call the wrapper: its qualified name (`flax.nnx.jit`), else its kind's usual one."""
        return self.spelled or _KIND_NAMES[self.kind]


_KIND_NAMES = {"jit": "jax.jit", "pmap": "jax.pmap", "filter_jit": "equinox.filter_jit",
               "compile": "torch.compile", "trace": "torch.jit.trace"}


@dataclass(eq=False)
class CompiledFunction:
    """A function whose body runs while a root traces, with the call chain from the root."""

    fn: FunctionInfo
    root: CompiledRoot
    chain: tuple[FunctionInfo, ...]

    @property
    def is_root(self) -> bool:
        return self.fn is self.root.fn

    def via(self) -> str:
        """'' for the root, else ' (reached from jax.jit `step` at line 12 via step -> log)'."""
        if self.is_root:
            return ""
        path = " -> ".join(f.qualname for f in self.chain)
        return f" (reached from {self.root.wrapper} `{self.root.fn.qualname}` at line {self.root.fn.line} via {path})"


def wrapper_kind(ctx: "ModuleContext", func: ast.expr) -> str | None:
    q = ctx.qualify(func)
    if q is None:
        return None
    kind = JAX_WRAPPERS.get(q)
    if kind is not None:
        return kind
    if q in TORCH_COMPILE:
        return "compile"
    if q in TORCH_TRACE:
        return "trace"
    return None


def _decorator_kind(ctx: "ModuleContext", dec: ast.expr) -> tuple[str, dict[str, ast.expr], ast.expr] | None:
    """`@jax.jit`, `@jax.jit(...)`, `@partial(jax.jit, ...)`, `@torch.compile(...)`: kind, keywords and
    the wrapper expression."""
    kind = wrapper_kind(ctx, dec)
    if kind is not None:
        return kind, {}, dec
    if not isinstance(dec, ast.Call):
        return None
    kind = wrapper_kind(ctx, dec.func)
    if kind is not None and not dec.args:
        return kind, {k.arg: k.value for k in dec.keywords if k.arg}, dec.func
    if ctx.qualify(dec.func) in FUNCTOOLS_PARTIAL and dec.args:
        kind = wrapper_kind(ctx, dec.args[0])
        if kind is not None:
            return kind, {k.arg: k.value for k in dec.keywords if k.arg}, dec.args[0]
    return None


def static_params(call_params: tuple[str, ...] | list[str], keywords: dict[str, ast.expr], kind: str,
                  bound: frozenset[str] = frozenset()) -> frozenset[str] | None:
    """Parameter names jit keeps static (static_argnums/static_argnames, pmap's static_broadcasted_argnums;
    `bound`: parameters a `partial` or a bound method already fixed, Python values); None if not literal.

    `call_params` are the parameters the caller passes: argument numbers count from the first of them."""
    params = list(call_params)
    static: set[str] = set(bound)
    argnums = keywords.get("static_broadcasted_argnums" if kind == "pmap" else "static_argnums")
    if argnums is not None:
        nums = _literal_ints(argnums)
        if nums is None:
            return None
        for n in nums:
            if -len(params) <= n < len(params):
                static.add(params[n])
    argnames = keywords.get("static_argnames")
    if argnames is not None:
        names = _literal_strs(argnames)
        if names is None:
            return None
        static.update(names)
    if kind == "filter_jit":
        return None  # which arguments are arrays is only known at the call
    return frozenset(static)


def nondiff_params(ctx: "ModuleContext", fn: FunctionInfo) -> frozenset[str]:
    """The parameters a `@partial(jax.custom_vjp, nondiff_argnums=...)` (or `custom_jvp`) decorator of `fn`
    declares non-differentiable: Python values (functions, configuration), not traced."""
    out: set[str] = set()
    params = [a.arg for a in fn.node.args.posonlyargs + fn.node.args.args]
    for dec in getattr(fn.node, "decorator_list", ()):
        if not isinstance(dec, ast.Call):
            continue
        wrapper = dec.args[0] if ctx.qualify(dec.func) in FUNCTOOLS_PARTIAL and dec.args else dec.func
        if ctx.qualify(wrapper) not in CUSTOM_DERIVATIVES:
            continue
        for kw in dec.keywords:
            nums = _literal_ints(kw.value) if kw.arg == "nondiff_argnums" else None
            out.update(params[n] for n in nums or () if -len(params) <= n < len(params))
    return frozenset(out)


def _literal_ints(node: ast.expr) -> list[int] | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) for v in value):
        return list(value)
    return None


def _literal_strs(node: ast.expr) -> list[str] | None:
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _function_named(ctx: "ModuleContext", name: str, line: int) -> FunctionInfo | None:
    """The function `name` visible at `line`: the innermost enclosing scope's definition wins."""
    best: FunctionInfo | None = None
    for fn in ctx.summary.functions:
        if fn.name != name or fn.cls is not None and fn.parent is None:
            continue
        parent = fn.parent
        if parent is not None:
            end = parent.node.end_lineno or parent.node.lineno
            if not parent.node.lineno <= line <= end:
                continue
        if best is None or (parent is not None and (best.parent is None or parent.node.lineno > best.parent.node.lineno)):
            best = fn
    return best


def _class_instances(ctx: "ModuleContext") -> dict[str, str]:
    """Variable or attribute name -> class name, for `x = Cls(...)` / `self.x = Cls(...)` in this module."""
    out: dict[str, str] = {}
    for node in ast.walk(ctx.summary.source.tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name):
            cls = node.value.func.id
            if cls in ctx.summary.classes:
                for target in node.targets:
                    key = _target_key(target)
                    if key is not None:
                        out[key] = cls
    return out


def _target_key(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def call_key(node: ast.expr) -> str | None:
    """How a call names a compiled function (`step`, `self.step`): the key of `compiled_callables`."""
    return _target_key(node)


@dataclass(frozen=True)
class _Traced:
    """A function a wrapping call traces, with the parameters its caller passes and those already bound."""

    fn: FunctionInfo
    call_params: tuple[str, ...]
    bound: frozenset[str] = frozenset()


def _roots_of_call(ctx: "ModuleContext", call: ast.Call, kind: str,
                   instances: dict[str, str] | None) -> tuple[list[_Traced], dict[str, str] | None]:
    """The functions a `jax.jit(f)` / `torch.compile(model)` call traces."""
    if not call.args:
        return [], instances
    target = call.args[0]
    if kind not in ("compile", "trace"):
        traced = _jax_traced(ctx, target, call, 0)
        return ([traced] if traced is not None else []), instances
    if isinstance(target, ast.Name):
        fn = _function_named(ctx, target.id, call.lineno)
        if fn is not None:
            return [_Traced(fn, tuple(fn.params))], instances
    # torch.compile(Model(...)) or torch.compile(model) with `model = Model(...)`: Model.forward.
    cls_name = None
    if isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id in ctx.summary.classes:
        cls_name = target.func.id
    else:
        key = _target_key(target)
        if key is not None:
            if instances is None:
                instances = _class_instances(ctx)
            cls_name = instances.get(key)
    if cls_name is None:
        return [], instances
    forward = ctx.summary.find_method(ctx.summary.classes[cls_name], "forward")
    return ([_Traced(forward, tuple(forward.params))] if forward is not None else []), instances


def _jax_traced(ctx: "ModuleContext", target: ast.expr, call: ast.Call, depth: int) -> _Traced | None:
    """What `jax.jit(target)` traces: a function of this module by name, a lambda, `self.method`, the
    `__call__` of `Cls(...)`, or the function inside `jax.vmap(f)`/`jax.grad(f)` (JAX_SAME_SIGNATURE) and
    `functools.partial(f, ...)`."""
    if depth > 8:
        return None
    if isinstance(target, ast.Name):
        rebound = _wrapping_rebinding(ctx, target)
        if rebound is not None:
            # `foo = partial(foo, flag=True)` (or `foo = jax.pmap(foo)`) before `jax.jit(foo)`: what the
            # name holds at the call, not the function of that name.
            return _jax_traced(ctx, rebound, call, depth + 1)
        fn = _function_named(ctx, target.id, call.lineno)
        return _Traced(fn, tuple(fn.params)) if fn is not None else None
    if isinstance(target, ast.Lambda):
        fn = lambda_function(ctx, target)
        return _Traced(fn, tuple(fn.params))
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"):
        method = _method_of_enclosing_class(ctx, call, target.attr)
        if method is None or not method.params:
            return None
        if is_static(method):
            return _Traced(method, tuple(method.params))  # `self.f` of a staticmethod binds nothing
        # A bound method: jit traces it with `self` fixed, a Python object, not a traced argument.
        return _Traced(method, tuple(method.params[1:]), frozenset(method.params[:1]))
    if not isinstance(target, ast.Call):
        return None
    if isinstance(target.func, ast.Name) and target.func.id in ctx.summary.classes:
        # jax.jit(Step(...)): a callable object of this module, traced through its `__call__`.
        method = ctx.summary.find_method(ctx.summary.classes[target.func.id], "__call__")
        if method is None or not method.params:
            return None
        return _Traced(method, tuple(method.params[1:]), frozenset(method.params[:1]))
    if not target.args:
        return None
    q = ctx.qualify(target.func)
    if q in JAX_SAME_SIGNATURE:
        return _jax_traced(ctx, target.args[0], call, depth + 1)
    if q in FUNCTOOLS_PARTIAL:
        inner = _jax_traced(ctx, target.args[0], call, depth + 1)
        if inner is None:
            return None
        given = target.args[1:]
        if any(isinstance(a, ast.Starred) for a in given) or any(k.arg is None for k in target.keywords):
            return None  # which parameters `*args`/`**kw` bind is only known at run time
        named = {k.arg for k in target.keywords if k.arg}
        fixed = inner.call_params[:len(given)]
        rest = tuple(p for p in inner.call_params[len(given):] if p not in named)
        return _Traced(inner.fn, rest, inner.bound | frozenset(fixed) | frozenset(named))
    return None


def _wrapping_rebinding(ctx: "ModuleContext", name: ast.Name) -> ast.expr | None:
    """The `functools.partial(...)`/`jax.vmap(...)`/`jax.pmap(...)` call that `name` was last assigned from
    in its own scope before it is read here (`foo = partial(foo, flag=True)`), else None: the name then
    holds a function of that name, or something the JAX rules do not follow."""
    scope = enclosing_function(ctx, name)
    body = scope.node.body if scope is not None else ctx.summary.source.tree.body
    here = (name.lineno, name.col_offset)
    last: ast.expr | None = None
    for stmt in _scope_statements(body):
        if (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0) > here:
            continue
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name.id for t in stmt.targets) \
                and (last is None or stmt.lineno > last.lineno):
            last = stmt.value
    if not isinstance(last, ast.Call) or not last.args:
        return None
    q = ctx.qualify(last.func)
    if q in JAX_WRAPPERS:
        return last.args[0]  # `foo = jax.pmap(foo)`: the function it compiles, called with the same arguments
    return last if q in FUNCTOOLS_PARTIAL or q in JAX_SAME_SIGNATURE else None


def _scope_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of one scope, nested blocks included, nested functions and classes not."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _scope_statements(getattr(stmt, field, []))
        for handler in getattr(stmt, "handlers", []):
            yield from _scope_statements(handler.body)


def _method_of_enclosing_class(ctx: "ModuleContext", node: ast.AST, name: str) -> FunctionInfo | None:
    """`name` looked up on the class whose method's body holds `node` (for `self.name`)."""
    fn = enclosing_function(ctx, node)
    while fn is not None and fn.parent is not None:
        fn = fn.parent
    if fn is None or fn.cls is None:
        return None
    return ctx.summary.find_method(fn.cls, name)


def lambda_function(ctx: "ModuleContext", node: ast.Lambda) -> FunctionInfo:
    """A FunctionInfo for a lambda that `jax.jit` traces (the module summary lists only named functions
    and tf.function lambdas), one per lambda node, its parent the function it is written in."""
    cache: dict[int, FunctionInfo] = ctx.shared("jit-lambdas", dict)
    found = cache.get(id(node))
    if found is None:
        found = next((f for f in ctx.summary.functions if f.node is node), None)
        if found is None:
            found = FunctionInfo("<lambda>", f"<lambda:{node.lineno}>", node, ctx.summary,
                                 parent=enclosing_function(ctx, node))
        cache[id(node)] = found
    return found


WRAPPERS = frozenset(JAX_WRAPPERS) | TORCH_COMPILE | TORCH_TRACE


def mentions(ctx: "ModuleContext", qualified: frozenset[str]) -> bool:
    """Whether the module's text spells one of `qualified` through its imports (`jnp.` for jax.numpy,
    `torch.compile`, a `from jax import jit` name). A cheap test that lets the rules skip the module walk
    in the many modules that import a framework but never compile anything."""
    text = ctx.source.text
    for local, target in ctx.summary.imports.names.items():
        for name in qualified:
            if name == target:
                spelled = local
            elif name.startswith(target + "."):
                spelled = local + name[len(target):]
            else:
                continue
            if spelled in text:
                return True
    return False


def compiled_roots(ctx: "ModuleContext") -> list[CompiledRoot]:
    """Every jit/compile/trace root of this module (computed once per module)."""
    return ctx.shared("compiled-roots", lambda: _find_compiled_roots(ctx))


def _find_compiled_roots(ctx: "ModuleContext") -> list[CompiledRoot]:
    roots: list[CompiledRoot] = []
    if not mentions(ctx, WRAPPERS):
        return roots
    seen: set[tuple[int, str]] = set()

    def add(traced: _Traced, site: ast.AST, kind: str, keywords: dict[str, ast.expr], wrapper: ast.expr) -> None:
        if (id(traced.fn), kind) in seen:
            return
        seen.add((id(traced.fn), kind))
        static = static_params(traced.call_params, keywords, kind, traced.bound)
        roots.append(CompiledRoot(traced.fn, site, kind, keywords, static, traced.call_params,
                                  ctx.qualify(wrapper) or ""))

    for fn in ctx.summary.functions:
        for dec in getattr(fn.node, "decorator_list", ()):
            found = _decorator_kind(ctx, dec)
            if found is not None:
                # A decorated method is called as `self.step(x)`, but jit wraps the plain function:
                # its argument numbers count `self` (`@partial(jax.jit, static_argnums=0)`).
                add(_Traced(fn, tuple(fn.params)), dec, found[0], found[1], found[2])
    instances: dict[str, str] | None = None
    for call in wrapper_calls(ctx):
        kind = wrapper_kind(ctx, call.func)
        assert kind is not None
        traced_fns, instances = _roots_of_call(ctx, call, kind, instances)
        for traced in traced_fns:
            add(traced, call, kind, {k.arg: k.value for k in call.keywords if k.arg}, call.func)
    return roots


def wrapper_calls(ctx: "ModuleContext") -> list[ast.Call]:
    """Every `jax.jit(...)`/`torch.compile(...)`/`torch.jit.trace(...)` call with an argument."""
    return ctx.shared("wrapper-calls", lambda: [
        c for c in module_calls(ctx) if c.args and wrapper_kind(ctx, c.func) is not None]
        if mentions(ctx, WRAPPERS) else [])


def compiled_functions(ctx: "ModuleContext", framework: str) -> list[CompiledFunction]:
    """Roots of `framework` ("jax" or "torch", not torch.jit.trace) and the same-module functions they call."""
    out: list[CompiledFunction] = []
    seen: set[int] = set()
    for root in compiled_roots(ctx):
        if root.framework != framework or root.kind == "trace":
            continue
        queue: list[tuple[FunctionInfo, tuple[FunctionInfo, ...]]] = [(root.fn, (root.fn,))]
        while queue:
            fn, chain = queue.pop(0)
            if id(fn) in seen:
                continue
            seen.add(id(fn))
            out.append(CompiledFunction(fn, root, chain))
            for callee, _node in traced_callees(ctx, fn):
                if id(callee) not in seen:
                    queue.append((callee, chain + (callee,)))
    return out


def traced_callees(ctx: "ModuleContext", fn: FunctionInfo) -> list[tuple[FunctionInfo, ast.AST]]:
    """The functions of this module that `fn`'s body runs while it is traced, with the node that calls
    them (an `ast.Call` whose function is the callee) or hands them on (`jax.vmap(f)`, `lax.scan(body, ...)`:
    the reference). Host callbacks and functions compilation is told to skip are left out."""
    return [(callee, node) for callee, node in callees_of(ctx, fn)
            if isinstance(callee, FunctionInfo) and callee.module.path == ctx.path
            and not _runs_outside_trace(ctx, callee, node)]


def callees_of(ctx: "ModuleContext", fn: FunctionInfo) -> list[tuple[FunctionInfo, ast.AST]]:
    """The project functions `fn` calls. A lambda made by `lambda_function` has no facts of its own: its
    calls are resolved as calls of the function it is written in (module level: by name)."""
    if not isinstance(fn.node, ast.Lambda) or ctx.project.fid_of(fn) is not None:
        return ctx.project.callees(fn)
    out: list[tuple[FunctionInfo, ast.AST]] = []
    for call in ctx.body(fn).calls:
        if fn.parent is not None:
            target = ctx.project.resolve_callee(fn.parent, call.func)
        elif isinstance(call.func, ast.Name):
            target = _function_named(ctx, call.func.id, call.lineno)
        else:
            target = None
        if target is not None:
            out.append((target, call))
    return out


def _runs_outside_trace(ctx: "ModuleContext", callee: FunctionInfo, node: ast.AST) -> bool:
    """A host callback (`jax.debug.callback(log, x)`) or a function compilation is told to skip."""
    parent = parent_of(ctx, node)
    if isinstance(parent, ast.Call) and node is not parent.func and ctx.qualify(parent.func) in HOST_CALLBACKS:
        return True
    for dec in getattr(callee.node, "decorator_list", ()):
        if ctx.qualify(dec.func if isinstance(dec, ast.Call) else dec) in HOST_CALLBACKS:
            return True
    return False

