"""HYB002's core: the writes of one graph function to Python state that outlives a call of it.

What counts as outer (module globals, closure variables, object state, a tf.function's arguments), and which
statements and calls write it (stores, augmented assignments, container mutators, deletions). The rule
(outer_mutation.py) decides which graph functions to look at and reports what `OuterWrites.problems` finds.
The writes that are meant (made once, trace-time bookkeeping, consumed in the same trace) are
_write_exemptions.py.
"""
from __future__ import annotations

import ast
import weakref
from dataclasses import dataclass
from typing import Iterator

from ..body import FunctionBody
from ..facts.api_kinds import TENSOR, call_kind
from ..project import GraphFunction
from ..summary import FunctionInfo, ModuleSummary, enclosing_class
from ._write_exemptions import WriteExemptions, self_name_of
from .base import ModuleContext

# Methods that only containers have: reported on any outer receiver.
_CONTAINER_MUTATORS = frozenset({
    "append", "extend", "insert", "appendleft", "extendleft", "popleft", "setdefault", "popitem", "discard",
})
# Names also used by TF/Keras objects (`metric.update`, `layer.add`): reported only when the receiver is
# known to hold a Python container (bound to `[]`, `{}`, `set()`, `deque()`... where it is defined).
_AMBIGUOUS_MUTATORS = frozenset({"add", "update", "pop", "remove", "clear", "sort", "reverse"})

_CONTAINER_FACTORIES = frozenset({
    "builtins.list", "builtins.dict", "builtins.set", "collections.deque", "collections.defaultdict",
    "collections.OrderedDict", "collections.Counter",
})


@dataclass(frozen=True)
class _Outer:
    """What an expression's root refers to, when it outlives one call of the graph function."""

    kind: str  # "global" | "closure" | "self" | "argument"
    name: str  # the text shown in messages


class OuterWrites(WriteExemptions):
    """The outer-state writes of one graph function."""

    def __init__(self, ctx: ModuleContext, gf: GraphFunction) -> None:
        self.ctx = ctx
        self.gf = gf
        self.info = gf.info
        self.body: FunctionBody = ctx.body(gf.info)
        self.globals = self.body.declared(ast.Global)
        self.nonlocals = self.body.declared(ast.Nonlocal)
        self.params = set(gf.info.params)
        # `*args` / `**kwargs`: a tuple and dict Python builds afresh for each call, owned by no caller.
        arguments = gf.info.node.args
        self.star_params = {a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None}
        self.locals = self.body.local_names() - self.globals - self.nonlocals
        self.self_name = self_name_of(gf.info)
        self.rebound = {n.id for n in self.body.of_type(ast.Name) if isinstance(n.ctx, ast.Store)}
        self._parent_locals: dict[int, set[str]] = {}
        self._self_containers: set[str] | None = None
        self._self_fresh: bool | None = None

    # ---- what is outer ----------------------------------------------------------------------
    def outer(self, expr: ast.expr) -> _Outer | None:
        """The outer object `expr` belongs to (`history`, `self.steps`, `CFG.items[0]`), or None."""
        chain = 0
        root = expr
        first_attr = None  # `steps` of `self.steps.count`: names the object state in messages
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            if isinstance(root, ast.Attribute):
                first_attr = root.attr
            root = root.value
            chain += 1
        if not isinstance(root, ast.Name):
            return None
        name = root.id
        if name == self.self_name or (name not in self.locals and self._enclosing_self(name)):
            if first_attr is None:
                return None  # `self[...]`, or `self` itself: the object's own protocol, not its state
            if name == self.self_name and self.self_made_by_callers():
                return None  # `stream = SeedStream(seed); stream()` in graph code: an object of the trace
            return _Outer("self", f"{name}.{first_attr}")
        if chain == 0 and name in self.params and name not in self.rebound and name not in self.star_params \
                and self.gf.is_root \
                and self.info.hybrid is not None and self.info.hybrid.kind != "keras":
            return _Outer("argument", name)
        kind = self.free_name_kind(name)
        return _Outer(kind, name) if kind else None

    def self_made_by_callers(self) -> bool:
        if self._self_fresh is None:
            self._self_fresh = self.ctx.project.facts.instance_made_by_callers(self.info)
        return self._self_fresh

    def _enclosing_self(self, name: str) -> bool:
        """`self` of an enclosing method, used by a nested helper (`def body(i): self.log.append(i)`)."""
        parent = self.info.parent
        while parent is not None:
            if self_name_of(parent) == name:
                return True
            parent = parent.parent
        return False

    def free_name_kind(self, name: str) -> str | None:
        if name in self.globals:
            return "global"
        if name in self.nonlocals:
            return None if self._owner_traced(name) else "closure"
        if name in self.locals:
            return None
        parent = self.info.parent
        while parent is not None:
            if name in self.locals_of(parent):
                # Allocated by an enclosing function: outer only if that function is not itself traced
                # (then the object is created anew by the same trace, like a local).
                return None if self.ctx.project.in_graph(parent) else "closure"
            parent = parent.parent
        summary = self.ctx.summary
        if name in summary.classes or name in summary.top_functions:
            return None
        bound = summary.imports.names.get(name)
        if bound is not None and bound != f"{summary.module}.{name}" and bound != name:
            return None  # imported (a module, or an object we cannot see): not followed
        if bound is None and summary.imports.qualify_name(name) is not None:
            return None  # builtins, star imports
        return "global"

    def _owner_traced(self, name: str) -> bool:
        """Whether the enclosing function that owns the free variable `name` itself runs while tracing:
        then each trace makes a fresh frame (`i = -1; def c2t(x): nonlocal i; i += 1`), so the variable
        is per-trace scratch like a local, not state that outlives the call."""
        parent = self.info.parent
        while parent is not None:
            if name in self.locals_of(parent):
                return self.ctx.project.in_graph(parent) is not None
            parent = parent.parent
        return False

    def _side_output_of_fresh_function(self, name: str) -> bool:
        """`res = None; def flat(*a): nonlocal res; res = ...; f = tf.function(flat); f(...); use(res)`: the
        enclosing function makes a new tf.function on each call, so each call traces it afresh and the
        variable is set for that call; the enclosing function reads it and does not return the function
        (jax2tf's `call_tf` result treedef, P62-fixc). A function returned to be called again keeps one
        trace, and its closure goes stale (reported)."""
        parent = self.info.parent
        if parent is None or not self.gf.is_root or name not in self.locals_of(parent):
            return False
        body = self.ctx.body(parent)
        handles = {self.info.name}
        for st in body.of_type(ast.Assign):
            if isinstance(st.value, ast.Call) and self.ctx.qualify(st.value.func) == "tensorflow.function" \
                    and any(isinstance(a, ast.Name) and a.id == self.info.name for a in st.value.args):
                handles.update(t.id for t in st.targets if isinstance(t, ast.Name))
        made_here = len(handles) > 1 or any(
            self.ctx.qualify(d.func if isinstance(d, ast.Call) else d) == "tensorflow.function"
            for d in self.info.node.decorator_list)
        if not made_here:
            return False
        for ret in body.of_type(ast.Return):
            if ret.value is not None and any(isinstance(n, ast.Name) and n.id in handles for n in ast.walk(ret.value)):
                return False
        for call in body.calls:
            if isinstance(call.func, ast.Name) and call.func.id in handles and any(
                    isinstance(anc, (ast.For, ast.AsyncFor, ast.While)) for anc in body.ancestors(call)):
                return False  # called again and again in one call: later calls reuse the trace
        return any(n.id == name and isinstance(n.ctx, ast.Load) for n in body.of_type(ast.Name))

    def locals_of(self, fn: FunctionInfo) -> set[str]:
        found = self._parent_locals.get(id(fn))
        if found is None:
            body = self.ctx.body(fn)
            found = body.local_names() - body.declared(ast.Global) - body.declared(ast.Nonlocal)
            self._parent_locals[id(fn)] = found
        return found

    # ---- findings ---------------------------------------------------------------------------
    def problems(self) -> Iterator[tuple[ast.AST, str]]:
        yield from self.mutator_calls()
        yield from self.stores()

    def mutator_calls(self) -> Iterator[tuple[ast.AST, str]]:
        for call in self.body.calls:
            func = call.func
            if not isinstance(func, ast.Attribute):
                continue
            method = func.attr
            if method not in _CONTAINER_MUTATORS and method not in _AMBIGUOUS_MUTATORS:
                continue
            outer = self.outer(func.value)
            if outer is None:
                continue
            if method in _AMBIGUOUS_MUTATORS and not self.holds_container(func.value, outer):
                continue
            if outer.kind != "argument" and (self._guarded_fill(call) or self._rebound_before(func.value, call)):
                continue
            text = self.ctx.source.segment(func)
            if outer.kind == "argument":
                yield call, (
                    f"`{text}` modifies the Python argument `{outer.name}` of a tf.function; TensorFlow "
                    "rejects this (\"should not modify its Python input arguments\")"
                )
                continue
            leak = any(self.tensorish(a) for a in call.args)
            if outer.kind == "closure" and not leak and self._traced_for_output():
                continue  # a Python value handed out of a trace its enclosing function inspects
            yield call, (
                f"`{text}` changes {_describe(outer)} from graph code: it runs only while TensorFlow "
                f"traces the function, not on every call{_LEAK if leak else ''}"
            )

    def stores(self) -> Iterator[tuple[ast.AST, str]]:
        for st in self.body.of_type(ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete):
            targets = st.targets if isinstance(st, (ast.Assign, ast.Delete)) else [st.target]
            value = getattr(st, "value", None)
            for target in targets:
                message = self.store_problem(st, target, value)
                if message:
                    yield st, message
                    break

    def store_problem(self, st: ast.stmt, target: ast.expr, value: ast.expr | None) -> str | None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                found = self.store_problem(st, elt, value)
                if found:
                    return found
            return None
        aug = isinstance(st, ast.AugAssign)
        if isinstance(target, ast.Name):
            kind = "global" if target.id in self.globals else "nonlocal" if target.id in self.nonlocals else None
            if kind == "nonlocal" and (self._owner_traced(target.id) or (
                    not aug and self._side_output_of_fresh_function(target.id))):
                return None
            if kind is None or self.created_once(st, value):
                return None
            if not aug and self._trace_time_name(st, target.id, value):
                return None
            return (
                f"rebinding {kind} `{target.id}` in graph code happens only while TensorFlow traces the "
                f"function, not on every call{_LEAK if value is not None and self.tensorish(value) else ''}"
            )
        if isinstance(target, ast.Starred):
            return self.store_problem(st, target.value, value)
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            argument = self.outer(target.value)
            if argument is not None and argument.kind == "argument":
                # `items[4] = x`, `del table[k]` on a list/dict argument: TF 2.21 raises ValueError
                # ("should not modify its Python input arguments"), as for `items.append(x)` (issue 11)
                shown = ("del " if isinstance(st, ast.Delete) else "") + self.ctx.source.segment(target)
                return (f"`{shown}` modifies the Python argument `{argument.name}` of a tf.function; TensorFlow "
                        "rejects this (\"should not modify its Python input arguments\")")
        outer = self.outer(target)
        if outer is None or outer.kind == "argument":
            return None
        if isinstance(target, ast.Subscript) and self._rebound_before(target.value, st):
            return None  # `self.seen = {}` ... `for t in ts: self.seen[t.name] = True`: per-trace scratch
        text = self.ctx.source.segment(target)
        if isinstance(st, ast.Delete):
            return f"`del {text}` changes {_describe(outer)} only while tracing, not on every call"
        if not aug and self.created_once(st, value) and not (value is not None and self.tensorish(value)):
            return None  # lazy creation (`if key not in self.cache: self.cache[key] = tf.Variable(...)`)
        if not aug and value is not None and self._realias(value):
            return None  # `self.step = self.optimizer.iterations`: the same object on every trace
        if not aug and value is not None and (_static_shape(value) or _keys_of(value, self.locals)):
            return None  # `self.seq_len = x.shape[1]`: a new static shape means a new trace, which sets it again
        if outer.kind == "self" and not aug and self._per_trace_temporary(st, target):
            return None
        if not aug and isinstance(target, ast.Attribute) and self._saved_and_restored(target):
            return None
        if outer.kind == "closure" and not aug and not (value is not None and self.tensorish(value)) \
                and self._traced_for_output():
            return None  # a Python value handed out of a forced trace (`f.get_concrete_function(...)`)
        if aug and isinstance(target, ast.Attribute) and self._uniqueness_counter(target):
            return None
        if aug and isinstance(target, ast.Attribute):
            return (
                f"`{text} {_op_text(st)}= ...` in graph code runs only while TensorFlow traces the function: "
                "a Python counter stops changing after the first trace (a tf.Variable needs `.assign_add`)"
            )
        leak = value is not None and self.tensorish(value)
        return (
            f"assigning `{text}` in graph code changes {_describe(outer)} only while TensorFlow traces the "
            f"function, not on every call{_LEAK if leak else ''}"
        )

    # ---- evidence ---------------------------------------------------------------------------
    def holds_container(self, expr: ast.expr, outer: _Outer) -> bool:
        """Whether the receiver is bound to a Python container where it is defined."""
        if outer.kind == "argument":
            return True
        if isinstance(expr, ast.Name):
            if outer.kind == "global":
                return expr.id in _module_containers(self.ctx.summary, self.ctx)
            parent = self.info.parent
            while parent is not None:
                for st in self.ctx.body(parent).of_type(ast.Assign):
                    if any(isinstance(t, ast.Name) and t.id == expr.id for t in st.targets):
                        return _is_container(self.ctx, st.value)
                parent = parent.parent
            return False
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and expr.value.id == self.self_name
        ):
            return expr.attr in self.self_containers()
        return False

    def self_containers(self) -> set[str]:
        """Attributes some method of the class binds to a Python container (`self.cache = {}`)."""
        if self._self_containers is None:
            self._self_containers = self._find_self_containers()
        return self._self_containers

    def _find_self_containers(self) -> set[str]:
        cls = enclosing_class(self.info)
        if cls is None:
            return set()
        names: set[str] = set()
        for method in cls.methods.values():
            me = self_name_of(method)
            for st in self.ctx.body(method).of_type(ast.Assign, ast.AnnAssign):
                targets = st.targets if isinstance(st, ast.Assign) else [st.target]
                for t in targets:
                    if (
                        isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == me
                        and st.value is not None and _is_container(self.ctx, st.value)
                    ):
                        names.add(t.attr)
        return names

    def tensorish(self, expr: ast.expr, depth: int = 0) -> bool:
        """Likely a graph tensor: a TF op result, a tf.function argument, or arithmetic on one."""
        if depth > 4:
            return False
        if isinstance(expr, ast.Call):
            # tf.nest results are Python structures, tf.Variable an object kept on purpose (api_kinds).
            return call_kind(self.ctx.qualify(expr.func)) == TENSOR
        if isinstance(expr, ast.Name):
            if expr.id in self.params and expr.id != self.self_name and self.gf.is_root:
                return True
            for st in self.body.of_type(ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == expr.id for t in st.targets):
                    if self.tensorish(st.value, depth + 1):
                        return True
            return False
        if isinstance(expr, ast.BinOp):
            return self.tensorish(expr.left, depth + 1) or self.tensorish(expr.right, depth + 1)
        if isinstance(expr, ast.UnaryOp):
            return self.tensorish(expr.operand, depth + 1)
        if isinstance(expr, ast.Subscript):
            return self.tensorish(expr.value, depth + 1)
        if isinstance(expr, (ast.List, ast.Tuple)):
            return any(self.tensorish(e, depth + 1) for e in expr.elts)
        return False


_LEAK = (
    "; the value is a symbolic graph tensor, which cannot be used outside the function (return it instead)"
)


def _describe(outer: _Outer) -> str:
    if outer.kind == "self":
        return f"object state `{outer.name}`"
    if outer.kind == "closure":
        return f"closure variable `{outer.name}`"
    return f"module global `{outer.name}`"


def _op_text(st: ast.AugAssign) -> str:
    ops = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.MatMult: "@",
           ast.LShift: "<<", ast.RShift: ">>"}
    return ops.get(type(st.op), "")


_SHAPE_ATTRIBUTES = frozenset({"shape", "ndim", "ndims", "rank"})
_SHAPE_METHODS = frozenset({"get_shape", "as_list", "num_elements"})


def _static_shape(value: ast.expr) -> bool:
    """A static shape read (`x.shape`, `x.shape[1]`, `x.shape.rank`, `x.get_shape().as_list()`), or a
    tuple of them: fixed for the trace that stores it (tsgm's `train_step`, P53-growa)."""
    if isinstance(value, (ast.Tuple, ast.List)):
        return bool(value.elts) and all(_static_shape(e) for e in value.elts)
    if isinstance(value, ast.Attribute):
        return value.attr in _SHAPE_ATTRIBUTES
    if isinstance(value, ast.Subscript):
        return _static_shape(value.value)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in _SHAPE_METHODS:
        return value.func.attr == "get_shape" or _static_shape(value.func.value)
    return False


_KEY_COPIES = frozenset({"sorted", "list", "tuple"})


def _keys_of(value: ast.expr, local_names: set[str]) -> bool:
    """`sorted(list(features.keys()))` of a dict the trace itself builds: the structure of this trace's
    inputs, which a new structure retraces and stores again (tfdf's feature keys, P48-growb)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _KEY_COPIES \
            and len(value.args) == 1:
        value = value.args[0]
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "keys"
            and not value.args and isinstance(value.func.value, ast.Name) and value.func.value.id in local_names)


def _is_container(ctx: ModuleContext, value: ast.expr) -> bool:
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return True
    if isinstance(value, ast.Call):
        return ctx.qualify(value.func) in _CONTAINER_FACTORIES
    return False


# Module-level names bound to containers, computed once per module (only when an ambiguous mutator on a
# global needs it).
_CONTAINER_GLOBALS: "weakref.WeakKeyDictionary[ModuleSummary, frozenset[str]]" = weakref.WeakKeyDictionary()


def _module_containers(summary: ModuleSummary, ctx: ModuleContext) -> frozenset[str]:
    cached = _CONTAINER_GLOBALS.get(summary)
    if cached is None:
        names = set()
        for st in summary.source.tree.body:
            if isinstance(st, ast.Assign) and _is_container(ctx, st.value):
                names.update(t.id for t in st.targets if isinstance(t, ast.Name))
            elif isinstance(st, ast.AnnAssign) and st.value is not None and _is_container(ctx, st.value):
                if isinstance(st.target, ast.Name):
                    names.add(st.target.id)
        cached = frozenset(names)
        _CONTAINER_GLOBALS[summary] = cached
    return cached
