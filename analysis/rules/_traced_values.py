"""Traced values of jitted code, for the JAX rules.

One classifier (`TracedValues`) answers "does this expression hold a tracer?" in one of two strengths:

- certain (`traced_values(ctx, root)`, HYB103/HYB104/HYB108, which report errors and so need evidence):
  yes only for the non-static parameters of a `jax.jit` root and what is computed from them by
  arithmetic, comparisons, `jnp`/`lax` calls and `jax.Array`'s own methods (a method of a project's
  own pytree class, `model.number_of_joints()`, may well return a static value);
- possible (`possibly_traced(ctx, fn)`, HYB101, which asks whether output shows a tracer): yes for
  anything that may hold or spell a traced value — what any call computes from one, containers and
  f-strings holding one, every `jnp`/`lax`/`jax.random` call (staged into the trace, constants too) —
  in the root and in every function of the module it calls.

Both say no for what JAX keeps static while tracing (the tables of analysis/facts/jax_values.py):
`.shape`, `.ndim`, `.dtype`, `len()`, `isinstance`, `is None`, `jax.tree.map(jnp.shape, tree)`.

Along call chains a parameter is possibly traced only where a call site in traced code passes a possibly
traced value; one given only Python values (constants, configuration, shapes) at every call site is
static. A function handed on by reference (`jax.vmap(f)(x)`, `lax.while_loop(cond, body, init)`) has no
call site to read: all its parameters may be traced.
"""
from __future__ import annotations

import ast
from collections import deque
from typing import TYPE_CHECKING, Iterable, Iterator

from ..facts.jax_values import (
    ARRAY_ATTRS, ARRAY_FUNCTION_PREFIXES, ARRAY_METHODS, AT_METHODS, STAGED_FUNCTION_PREFIXES, STATIC_ATTRS,
    STATIC_CALLS, TEXT_OF_VALUE_CALLS, TREE_MAP_CALLS,
)
from ..summary import FunctionInfo
from ._compiled import CompiledRoot, compiled_functions, compiled_roots, nondiff_params, traced_callees
from ._compiled_calls import defaulted_arguments

if TYPE_CHECKING:
    from .base import ModuleContext

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class TracedValues:
    """Which expressions of a traced function hold tracers: parameters given as traced, the enclosing
    traced function's locals it reads (`outer`, possible strength only) and what is computed from them.

    `possible=False`: certain, on evidence; `possible=True`: may hold or show a traced value.
    """

    def __init__(self, ctx: "ModuleContext", fn: FunctionInfo, params: Iterable[str], *, possible: bool,
                 outer: Iterable[str] = ()) -> None:
        self.ctx = ctx
        self.possible = possible
        self.names: set[str] = set(params)
        body = ctx.body(fn)
        if possible:
            self.names |= set(outer) - body.local_names()
            self._bind_possible(body.nodes)
            return
        # Locals assigned from traced values, in source order (one pass is enough for straight-line code).
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

    def _bind_possible(self, nodes: list[ast.AST]) -> None:
        """Every local some assignment (or loop, `with`, walrus) may give a traced value, whatever the
        order: repeated until nothing is added (a loop body assigns before it reads)."""
        bindings: list[tuple[list[ast.expr], ast.expr]] = []
        for node in nodes:
            if isinstance(node, ast.Assign):
                bindings.append((node.targets, node.value))
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                bindings.append(([node.target], node.value))
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                bindings.append(([node.target], node.iter))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                bindings.append(([node.optional_vars], node.context_expr))
        changed = True
        while changed:
            changed = False
            for targets, value in bindings:
                if self.is_traced(value):
                    before = len(self.names)
                    for target in targets:
                        self._bind(target)
                    changed |= len(self.names) != before

    def _bind(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.names.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._bind(elt)
        elif isinstance(target, ast.Starred):
            self._bind(target.value)
        elif self.possible and isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            self.names.add(target.value.id)  # `d["k"] = x`: the container now holds a tracer

    def is_traced(self, node: ast.AST) -> bool:
        """Whether `node` holds a tracer (certainly, or possibly for a `possible` classifier)."""
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, ast.Attribute):
            if node.attr in STATIC_ATTRS:
                return False
            return (self.possible or node.attr in ARRAY_ATTRS) and self.is_traced(node.value)
        if isinstance(node, ast.Subscript):
            # `table[i]` with a traced index gathers from the table inside the trace.
            return self.is_traced(node.value) or self.possible and self.is_traced(node.slice)
        if isinstance(node, ast.BinOp):
            return self.is_traced(node.left) or self.is_traced(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.is_traced(node.operand)
        if isinstance(node, ast.BoolOp):
            return any(self.is_traced(v) for v in node.values)
        if isinstance(node, ast.Compare):
            if any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
                return False
            if _compares_with_none(node):
                return False  # jax.Array's `==`/`!=` leave None to Python: a bool (measured on jax 0.10.2)
            return any(self.is_traced(v) for v in [node.left, *node.comparators])
        if isinstance(node, ast.IfExp):
            return self.is_traced(node.body) or self.is_traced(node.orelse)
        if isinstance(node, ast.Call):
            return self._call_is_traced(node)
        if not self.possible:
            return False
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return any(self.is_traced(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            return any(self.is_traced(e) for e in [*node.keys, *node.values] if e is not None)
        if isinstance(node, (ast.Starred, ast.FormattedValue, ast.NamedExpr)):
            return self.is_traced(node.value)
        if isinstance(node, ast.JoinedStr):
            return any(self.is_traced(v) for v in node.values)
        if isinstance(node, ast.Slice):
            return any(self.is_traced(p) for p in (node.lower, node.upper, node.step) if p is not None)
        if isinstance(node, (ast.Lambda, *_COMPREHENSIONS)):
            return self._reads_traced(node)
        return False

    def _reads_traced(self, node: ast.AST, params: frozenset[str] = frozenset()) -> bool:
        """A lambda or comprehension that reads a traced name (closes over a tracer, or iterates one)."""
        return any(isinstance(sub, ast.Name) and sub.id in self.names and sub.id not in params
                   for sub in ast.walk(node))

    def _call_is_traced(self, call: ast.Call) -> bool:
        q = self.ctx.qualify(call.func)
        if q in STATIC_CALLS and not (self.possible and q in TEXT_OF_VALUE_CALLS):
            return False
        args = list(call.args) + [k.value for k in call.keywords]
        if self.possible:
            if q is not None and q.startswith(STAGED_FUNCTION_PREFIXES):
                return True  # staged into the trace: a tracer even of constants (`jnp.zeros(2)`)
            if q in TREE_MAP_CALLS and args:
                return self._tree_map_is_traced(args[0], args[1:])
            # An unknown call may return what it is given, or compute from it.
            return self.is_traced(call.func) or any(self.is_traced(a) for a in args)
        if q is not None and q.startswith(ARRAY_FUNCTION_PREFIXES):
            return any(self.is_traced(a) for a in args)
        func = call.func
        if not isinstance(func, ast.Attribute) or q is not None:
            return False
        if func.attr in ARRAY_METHODS:
            # x.sum(), x.astype(...), x.reshape(...): jax.Array's methods return arrays. Another method of a
            # traced pytree (`model.number_of_joints()`) is the project's own, and may well be static.
            return self.is_traced(func.value)
        target = func.value
        if func.attr in AT_METHODS and isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute) \
                and target.value.attr == "at":
            return self.is_traced(target.value.value)  # x.at[i].set(v): a new array
        return False

    def _tree_map_is_traced(self, fn: ast.expr, trees: list[ast.expr]) -> bool:
        """`jax.tree.map(fn, *trees)`: what `fn` returns for traced leaves (`jnp.shape`: static)."""
        leaves_traced = any(self.is_traced(t) for t in trees)
        if self.ctx.qualify(fn) in STATIC_CALLS - TEXT_OF_VALUE_CALLS:
            return False
        if isinstance(fn, ast.Lambda):
            params = frozenset(a.arg for a in fn.args.posonlyargs + fn.args.args)
            if self._reads_traced(fn.body, params):
                return True
            if not leaves_traced:
                return False
            saved = set(self.names)
            self.names |= params
            try:
                return self.is_traced(fn.body)
            finally:
                self.names = saved
        return leaves_traced or self.is_traced(fn)

    def traced_in(self, node: ast.AST) -> Iterator[ast.AST]:
        """Sub-expressions of `node` that are traced names (for messages)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and sub.id in self.names:
                yield sub


def _compares_with_none(node: ast.Compare) -> bool:
    """`x == None` / `x != None`: Python's identity fallback, never a tracer."""
    operands = [node.left, *node.comparators]
    return all(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops) and \
        any(isinstance(v, ast.Constant) and v.value is None for v in operands)


def _root_params(root: CompiledRoot, possible: bool) -> set[str]:
    """The parameters of a root that hold tracers. Certain: the non-static ones without a default (a
    parameter with a default is often left out by callers and then is a Python constant; `traced_values`
    adds those a call passes), none where the static ones cannot be read. Possible: every non-static one,
    all of them where that cannot be read (`equinox.filter_jit`, `nnx.jit`: whatever is an array is traced)."""
    fn = root.fn.node
    args = fn.args
    if not possible and (root.static is None or isinstance(fn, ast.Lambda)):
        return set()
    names = set(root.fn.params) - (root.static or frozenset()) - {"self", "cls"}
    if possible:
        return names
    positional = args.posonlyargs + args.args
    with_default = {a.arg for a in positional[len(positional) - len(args.defaults):]} if args.defaults else set()
    with_default |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None}
    extra = {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    return names - with_default - extra


def traced_values(ctx: "ModuleContext", root: CompiledRoot) -> TracedValues:
    """What certainly holds a tracer in the body of a `jax.jit` root."""
    return ctx.shared(("traced-values", id(root)), lambda: _certainly_traced(ctx, root))


def _certainly_traced(ctx: "ModuleContext", root: CompiledRoot) -> TracedValues:
    params = _root_params(root, False)
    if root.static is not None and not isinstance(root.fn.node, ast.Lambda):
        # A defaulted parameter that a call of the jitted function passes (not static) is a tracer.
        params |= defaulted_arguments(ctx, root).passed - root.static
    return TracedValues(ctx, root.fn, params, possible=False)


def possibly_traced(ctx: "ModuleContext", fn: FunctionInfo) -> TracedValues:
    """What may hold a tracer in a function that JAX traces (a root or a function of the module it calls)."""
    found = _along_call_chains(ctx).get(id(fn))
    if found is None:  # not traced code: nothing is known of its parameters
        found = TracedValues(ctx, fn, set(fn.params) - {"self", "cls"}, possible=True)
    return found


def _along_call_chains(ctx: "ModuleContext") -> dict[int, TracedValues]:
    """The possibly traced values of every function JAX traces in this module, by id of its FunctionInfo.

    A fixpoint over the call graph: a root starts with its non-static parameters; each call site in traced
    code adds the callee's parameters it passes a possibly traced value; a function is visited again only
    when what it is given grows (its parameters, or the traced locals of the function it is nested in),
    and then its callees and nested functions are."""
    return ctx.shared("possibly-traced", lambda: _possibly_traced_fixpoint(ctx))


def _possibly_traced_fixpoint(ctx: "ModuleContext") -> dict[int, TracedValues]:
    traced = {id(cf.fn): cf.fn for cf in compiled_functions(ctx, "jax")}
    # Parameters no call site makes traced: a jitted function's static ones (a traced argument there would
    # fail to hash), a custom derivative's nondiff_argnums, the receiver.
    static: dict[int, set[str]] = {fid: set(nondiff_params(ctx, fn)) | {"self", "cls"} for fid, fn in traced.items()}
    given: dict[int, set[str]] = {}
    for root in compiled_roots(ctx):
        if id(root.fn) in traced:
            given.setdefault(id(root.fn), set()).update(_root_params(root, True) - static[id(root.fn)])
    for root in compiled_roots(ctx):
        if id(root.fn) in traced:
            static[id(root.fn)] |= root.static or set()
    nested: dict[int, list[int]] = {}
    for fid, fn in traced.items():
        if fn.parent is not None:
            nested.setdefault(id(fn.parent), []).append(fid)
    out: dict[int, TracedValues] = {}
    queue = deque(given)
    queued = set(queue)
    while queue:
        fid = queue.popleft()
        queued.discard(fid)
        fn = traced[fid]
        outer = out[id(fn.parent)].names if fn.parent is not None and id(fn.parent) in out else ()
        values = TracedValues(ctx, fn, given.get(fid, set()), possible=True, outer=outer)
        previous = out.get(fid)
        out[fid] = values
        if previous is not None and previous.names == values.names:
            continue  # nothing new to hand on
        follow: list[int] = [c for c in nested.get(fid, ()) if c in out]
        for callee, node in traced_callees(ctx, fn):
            cid = id(callee)
            if cid not in traced:
                continue
            passed = _passed(ctx, values, callee, node) - static[cid]
            known = given.setdefault(cid, set())
            if cid not in out or not passed <= known:
                known |= passed
                follow.append(cid)
        for cid in follow:
            if cid not in queued:
                queue.append(cid)
                queued.add(cid)
    return out


def _passed(ctx: "ModuleContext", caller: TracedValues, callee: FunctionInfo, node: ast.AST) -> set[str]:
    """The parameters of `callee` that the call `node` may give a traced value; all of them when `node`
    hands the function on (`jax.vmap(f)`, `lax.scan(body, ...)`) instead of calling it."""
    args = callee.node.args
    if not isinstance(node, ast.Call):
        return set(callee.params)
    positional = [a.arg for a in args.posonlyargs + args.args]
    if positional and _receiver_bound(ctx, callee, node):
        positional = positional[1:]  # `self.m(x)`, `Cls(x)`, `model(x)`: the receiver is the first parameter
    keyword = set(positional) | {a.arg for a in args.kwonlyargs}
    out: set[str] = set()
    for i, arg in enumerate(node.args):
        if isinstance(arg, ast.Starred):
            if caller.is_traced(arg.value):  # how many it spreads is known at run time only
                out.update(positional[i:])
                out.update(a.arg for a in (args.vararg,) if a is not None)
            break
        if not caller.is_traced(arg):
            continue
        if i < len(positional):
            out.add(positional[i])
        elif args.vararg is not None:
            out.add(args.vararg.arg)
    for kw in node.keywords:
        if not caller.is_traced(kw.value):
            continue
        if kw.arg is None:
            out.update(callee.params)  # `**kwargs`: which names it holds is known at run time only
        elif kw.arg in keyword:
            out.add(kw.arg)
        elif args.kwarg is not None:
            out.add(args.kwarg.arg)
    return out


def _receiver_bound(ctx: "ModuleContext", callee: FunctionInfo, call: ast.Call) -> bool:
    """Whether the call gives `callee`'s first parameter implicitly (a method called on an object or a
    class, a constructor, a callable instance) rather than as its first argument (`Cls.method(obj, x)`)."""
    if not callee.is_method:
        return False
    decorators = {ctx.qualify(d) for d in getattr(callee.node, "decorator_list", ())}
    if "builtins.staticmethod" in decorators:
        return False
    func = call.func
    through_class = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
        func.value.id in ctx.summary.classes
    return not through_class or "builtins.classmethod" in decorators
