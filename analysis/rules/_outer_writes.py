"""HYB002's core: the writes of one graph function to Python state that outlives a call of it.

Which statements and calls write outer state (stores, augmented assignments, container mutators,
deletions) and what the finding says. The rule (outer_mutation.py) decides which graph functions to look
at and reports what `OuterWrites.problems` finds. `OuterWrites` is made of parts: what counts as outer
(module globals, closure variables, object state, a tf.function's arguments) is _outer_names.py; whether a
receiver holds a Python container or a value is a tensor, _value_evidence.py; the writes that are meant
(made once, trace-time bookkeeping, consumed in the same trace), _write_exemptions.py.
"""
from __future__ import annotations

import ast
from typing import Iterator

from ..body import FunctionBody
from ..project import GraphFunction
from ._outer_names import Outer, OuterNames
from ._value_evidence import ValueEvidence
from ._write_exemptions import WriteExemptions, self_name_of
from .base import ModuleContext

# Methods that only containers have: reported on any outer receiver.
_CONTAINER_MUTATORS = frozenset({
    "append", "extend", "insert", "appendleft", "extendleft", "popleft", "setdefault", "popitem", "discard",
})
# Names also used by TF/Keras objects (`metric.update`, `layer.add`): reported only when the receiver is
# known to hold a Python container (bound to `[]`, `{}`, `set()`, `deque()`... where it is defined).
_AMBIGUOUS_MUTATORS = frozenset({"add", "update", "pop", "remove", "clear", "sort", "reverse"})


class OuterWrites(OuterNames, ValueEvidence, WriteExemptions):
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
            if kind == "nonlocal" and not aug and self._private_nonlocal(st, target.id):
                return None  # read only by this function, after storing it: a per-trace local (P1-tffalse)
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
        if outer.kind == "global" and self._scoped_container(target):
            return None  # a memo its module installs around each trace and restores after it (P3-tffalse)
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
        if outer.kind == "self" and not aug and self._unobserved(target):
            return None  # no code reads the attribute: nothing sees that only traces set it (P1-tfmava)
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


_LEAK = (
    "; the value is a symbolic graph tensor, which cannot be used outside the function (return it instead)"
)


def _describe(outer: Outer) -> str:
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
