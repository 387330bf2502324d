"""Traced values of a `jax.jit` root, for the JAX rules.

The traced-value classifier (`TracedValues`) answers "does this expression hold a tracer?" for the
parameters of a `jax.jit` root that are not static, and for locals computed from them. It says yes
only on evidence (the parameter itself, arithmetic and comparisons on it, `jnp`/`lax` calls on it,
`jax.Array`'s own methods: the tables of facts/jax_api.py),
and no for what JAX keeps static while tracing: `.shape`, `.ndim`, `.dtype`, `len()`, `isinstance`,
`is None`.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterator

from ..facts.jax_api import ARRAY_ATTRS, ARRAY_METHODS, AT_METHODS
from ..facts.jax_api import STATIC_ATTRS as STATIC_ATTRS  # HYB101 reads it from here
from ._compiled import CompiledRoot

if TYPE_CHECKING:
    from .base import ModuleContext

# Calls whose value JAX knows while tracing (shapes and types, not data).
_STATIC_CALLS = frozenset({
    "builtins.len", "builtins.isinstance", "builtins.type", "builtins.hasattr", "builtins.getattr",
    "builtins.callable", "builtins.id", "builtins.repr", "builtins.str",
    "jax.numpy.shape", "jax.numpy.ndim", "jax.numpy.size", "jax.numpy.result_type", "jax.numpy.issubdtype",
    "jax.numpy.iscomplexobj", "jax.numpy.isscalar", "jax.numpy.dtype", "jax.numpy.finfo", "jax.numpy.iinfo",
})


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
            return node.attr in ARRAY_ATTRS and self.is_traced(node.value)
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
