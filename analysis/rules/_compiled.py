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

The traced-value classifier (`TracedValues`) answers "does this expression hold a tracer?" for the
parameters of a `jax.jit` root that are not static, and for locals computed from them. It says yes
only on evidence (the parameter itself, arithmetic and comparisons on it, `jnp`/`lax` calls on it),
and no for what JAX keeps static while tracing: `.shape`, `.ndim`, `.dtype`, `len()`, `isinstance`,
`is None`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..summary import FunctionInfo

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

# Attributes and calls whose value JAX knows while tracing (shapes and types, not data).
STATIC_ATTRS = frozenset({"shape", "ndim", "dtype", "size", "sharding", "aval", "weak_type", "itemsize",
                          "nbytes"})
_ARRAY_ATTRS = frozenset({"T", "mT", "real", "imag"})
_STATIC_CALLS = frozenset({
    "builtins.len", "builtins.isinstance", "builtins.type", "builtins.hasattr", "builtins.getattr",
    "builtins.callable", "builtins.id", "builtins.repr", "builtins.str",
    "jax.numpy.shape", "jax.numpy.ndim", "jax.numpy.size", "jax.numpy.result_type", "jax.numpy.issubdtype",
    "jax.numpy.iscomplexobj", "jax.numpy.isscalar", "jax.numpy.dtype", "jax.numpy.finfo", "jax.numpy.iinfo",
})
# Array methods that return a value as large as the data (a tracer under jit).
_STATIC_METHODS = frozenset({"keys", "items", "values", "get"})


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
        fn = _function_named(ctx, target.id, call.lineno)
        return _Traced(fn, tuple(fn.params)) if fn is not None else None
    if isinstance(target, ast.Lambda):
        fn = lambda_function(ctx, target)
        return _Traced(fn, tuple(fn.params))
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"):
        method = _method_of_enclosing_class(ctx, call, target.attr)
        if method is None or not method.params:
            return None
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
    cache = getattr(ctx.summary, "_jit_lambdas", None)
    if cache is None:
        cache = ctx.summary._jit_lambdas = {}  # type: ignore[attr-defined]
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
    cached = getattr(ctx.summary, "_compiled_roots", None)
    if cached is not None:
        return cached
    roots: list[CompiledRoot] = []
    if not mentions(ctx, WRAPPERS):
        ctx.summary._compiled_roots = roots  # type: ignore[attr-defined]
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
    ctx.summary._compiled_roots = roots  # type: ignore[attr-defined]
    return roots


def wrapper_calls(ctx: "ModuleContext") -> list[ast.Call]:
    """Every `jax.jit(...)`/`torch.compile(...)`/`torch.jit.trace(...)` call with an argument."""
    cached = getattr(ctx.summary, "_wrapper_calls", None)
    if cached is not None:
        return cached
    out = [c for c in module_calls(ctx) if c.args and wrapper_kind(ctx, c.func) is not None] \
        if mentions(ctx, WRAPPERS) else []
    ctx.summary._wrapper_calls = out  # type: ignore[attr-defined]
    return out


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
            for callee, node in callees_of(ctx, fn):
                if callee.module.path != ctx.path or id(callee) in seen or not isinstance(callee, FunctionInfo):
                    continue
                if _runs_outside_trace(ctx, callee, node):
                    continue
                queue.append((callee, chain + (callee,)))
    return out


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


def in_loop(ctx: "ModuleContext", node: ast.AST, scope: ast.AST | None) -> ast.For | ast.While | None:
    """The innermost for/while loop of `scope` whose body holds `node` (not its iterable), if any."""
    parents = _parents(ctx)
    current = node
    while True:
        parent = parents.get(id(current))
        if parent is None or parent is scope or isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                      ast.Lambda, ast.ClassDef)):
            return None
        if isinstance(parent, (ast.For, ast.AsyncFor, ast.While)) and current in parent.body:
            return parent  # type: ignore[return-value]
        current = parent


def _index(ctx: "ModuleContext") -> tuple[list[ast.Call], dict[int, ast.AST], list[ast.Assign | ast.AugAssign]]:
    """Every call of the module (source order), every node's parent, and every item assignment
    (`x[i] = v`, `x[i] += v`): one walk per module, shared by the JAX and PyTorch rules (a module walk
    costs about as much as parsing it)."""
    cached = getattr(ctx.summary, "_call_index", None)
    if cached is None:
        calls: list[ast.Call] = []
        stores: list[ast.Assign | ast.AugAssign] = []
        parents: dict[int, ast.AST] = {}
        stack: list[ast.AST] = [ctx.summary.source.tree]
        while stack:
            node = stack.pop()
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
                if isinstance(child, ast.Call):
                    calls.append(child)
                elif isinstance(child, ast.Subscript) and isinstance(child.ctx, ast.Store) and \
                        isinstance(node, (ast.Assign, ast.AugAssign)):
                    stores.append(node)
                stack.append(child)
        calls.sort(key=lambda c: (c.lineno, c.col_offset))
        stores.sort(key=lambda c: (c.lineno, c.col_offset))
        cached = ctx.summary._call_index = (calls, parents, stores)  # type: ignore[attr-defined]
    return cached


def module_calls(ctx: "ModuleContext") -> list[ast.Call]:
    return _index(ctx)[0]


def item_assignments(ctx: "ModuleContext") -> list[ast.Assign | ast.AugAssign]:
    return _index(ctx)[2]


def _parents(ctx: "ModuleContext") -> dict[int, ast.AST]:
    return _index(ctx)[1]


def enclosing_function(ctx: "ModuleContext", node: ast.AST) -> FunctionInfo | None:
    """The function whose own body holds `node` (None at module or class level)."""
    for parent in parent_chain(ctx, node):
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return _function_infos(ctx).get(id(parent))
        if isinstance(parent, ast.ClassDef):
            return None
    return None


def _function_infos(ctx: "ModuleContext") -> dict[int, FunctionInfo]:
    cached = getattr(ctx.summary, "_function_infos", None)
    if cached is None:
        cached = ctx.summary._function_infos = {id(f.node): f for f in ctx.summary.functions}  # type: ignore[attr-defined]
    return cached


def parent_chain(ctx: "ModuleContext", node: ast.AST) -> list[ast.AST]:
    """The ancestors of `node`, innermost first."""
    parents = _parents(ctx)
    out = []
    current = parents.get(id(node))
    while current is not None:
        out.append(current)
        current = parents.get(id(current))
    return out


def parent_of(ctx: "ModuleContext", node: ast.AST) -> ast.AST | None:
    return _parents(ctx).get(id(node))


class TracedValues:
    """Which expressions of a `jax.jit` root hold tracers: its non-static parameters and what is computed from them."""

    def __init__(self, ctx: "ModuleContext", root: CompiledRoot) -> None:
        self.ctx = ctx
        self.names: set[str] = set()
        fn = root.fn.node
        if root.static is None or isinstance(fn, ast.Lambda):
            return
        args = fn.args
        positional = args.posonlyargs + args.args
        with_default = {a.arg for a in positional[len(positional) - len(args.defaults):]} if args.defaults else set()
        with_default |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
        for name in root.fn.params:
            # A parameter with a default is often left out by callers and then is a Python constant.
            if name in root.static or name in with_default or name in ("self", "cls"):
                continue
            self.names.add(name)
        if args.vararg is not None:
            self.names.discard(args.vararg.arg)
        if args.kwarg is not None:
            self.names.discard(args.kwarg.arg)
        # Locals assigned from traced values, in source order (one pass is enough for straight-line code).
        body = ctx.body(root.fn)
        for node in body.nodes:
            if isinstance(node, ast.Assign) and self.is_traced(node.value):
                for target in node.targets:
                    self._bind(target)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and node.value is not None and self.is_traced(node.value):
                self._bind(node.target)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.names.discard(target.id)  # rebound to something not traced

    def _bind(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind(elt)

    def is_traced(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, ast.Attribute):
            return node.attr in _ARRAY_ATTRS and self.is_traced(node.value)
        if isinstance(node, ast.Subscript):
            return self.is_traced(node.value)
        if isinstance(node, ast.BinOp):
            return self.is_traced(node.left) or self.is_traced(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.is_traced(node.operand)
        if isinstance(node, ast.BoolOp):
            return any(self.is_traced(v) for v in node.values)
        if isinstance(node, ast.Compare):
            if any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
                return False
            return any(self.is_traced(v) for v in [node.left, *node.comparators])
        if isinstance(node, ast.IfExp):
            return self.is_traced(node.body) or self.is_traced(node.orelse)
        if isinstance(node, ast.Call):
            return self._call_is_traced(node)
        return False

    def _call_is_traced(self, call: ast.Call) -> bool:
        q = self.ctx.qualify(call.func)
        if q in _STATIC_CALLS:
            return False
        args = list(call.args) + [k.value for k in call.keywords]
        if q is not None and q.startswith(("jax.numpy.", "jax.lax.", "jax.nn.", "jax.scipy.")):
            return any(self.is_traced(a) for a in args)
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr not in _STATIC_METHODS and q is None:
            # x.sum(), x.astype(...), x.reshape(...): array methods return arrays.
            return self.is_traced(func.value)
        return False

    def traced_in(self, node: ast.AST) -> Iterator[ast.AST]:
        """Sub-expressions of `node` that are traced names (for messages)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in self.names:
                yield sub


def traced_values(ctx: "ModuleContext", root: CompiledRoot) -> TracedValues:
    cache = getattr(ctx.summary, "_traced_values", None)
    if cache is None:
        cache = ctx.summary._traced_values = {}  # type: ignore[attr-defined]
    found = cache.get(id(root))
    if found is None:
        found = cache[id(root)] = TracedValues(ctx, root)
    return found


def compiled_callables(ctx: "ModuleContext") -> dict[str, CompiledRoot]:
    """How code of this module calls its compiled functions: `step` or `self.step` -> the root.

    A decorated function is called by its name (`self.name` for a method); `fast = jax.jit(f)` by the
    name it is bound to.
    """
    cached = getattr(ctx.summary, "_compiled_callables", None)
    if cached is not None:
        return cached
    out: dict[str, CompiledRoot] = {}
    for root in compiled_roots(ctx):
        if root.site in getattr(root.fn.node, "decorator_list", ()):
            out[f"self.{root.fn.name}" if root.fn.cls is not None and root.fn.parent is None else root.fn.name] = root
            continue
        parent = parent_of(ctx, root.site)
        if isinstance(parent, ast.Assign):
            for target in parent.targets:
                key = _target_key(target)
                if key is not None:
                    out[key] = root
    ctx.summary._compiled_callables = out  # type: ignore[attr-defined]
    return out


def call_key(node: ast.expr) -> str | None:
    return _target_key(node)


def compiled_calls_in_loops(ctx: "ModuleContext") -> Iterator[tuple[ast.Call, CompiledRoot, list[ast.For | ast.While]]]:
    """Calls of this module's compiled functions written inside loops, with the enclosing loops of the
    same function (innermost first)."""
    callables = compiled_callables(ctx)
    if not callables:
        return
    for node in module_calls(ctx):
        key = call_key(node.func)
        root = callables.get(key) if key is not None else None
        if root is None:
            continue
        loops = []
        loop = in_loop(ctx, node, None)
        while loop is not None:
            loops.append(loop)
            loop = in_loop(ctx, loop, None)
        if loops:
            yield node, root, loops


def bound_arguments(root: CompiledRoot, call: ast.Call) -> Iterator[tuple[str, ast.expr]]:
    """(parameter name, argument) for the positional and keyword arguments of a call of `root`."""
    params = list(root.call_params)
    if root.site in getattr(root.fn.node, "decorator_list", ()) and root.fn.is_method \
            and params[:1] in (["self"], ["cls"]):
        params = params[1:]  # a decorated method called as `self.step(x)`
    for i, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            return
        if i < len(params):
            yield params[i], arg
    for kw in call.keywords:
        if kw.arg is not None:
            yield kw.arg, kw.value
