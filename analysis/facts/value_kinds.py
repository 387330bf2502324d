"""Is this expression a tensor, a Python value, or unknown? One function body's answer, from `api_kinds`.

Seeds are names known to hold tensors (a tf.function's parameters, say); names assigned from an
expression of a known kind take that kind (a name ever assigned a tensor stays a tensor). Rules report
only on positive evidence (`is_tensor`): an unknown value is never taken for a tensor.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterable

from .api_kinds import (
    VARIABLE, LAYER, OBJECTS, PYTHON, PYTHON_LIKE, STATIC_ATTRIBUTES, STATIC_METHODS, STRUCTURE, STRUCTURES, TENSOR,
    SOURCE_MIRRORING_METHODS, TENSOR_LIKE, UNKNOWN, attribute_kind, call_kind, element_kind, is_nest_call,
    method_kind, mirrored_kind,
)

Qualify = Callable[[ast.AST], "str | None"]
_CONTAINERS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_IDENTITY_OPS = (ast.Is, ast.IsNot, ast.In, ast.NotIn)
_PASSES = 3  # straight-line propagation needs two; a loop-carried assignment a third


class LocalKinds:
    """Kinds of the expressions of one function body."""

    def __init__(self, qualify: Qualify, tensors: Iterable[str] = (), python: dict[str, str] | None = None) -> None:
        self.qualify = qualify
        self.tensors: set[str] = set(tensors)
        self.python: dict[str, str] = dict(python or {})  # name -> PYTHON or one of STRUCTURES
        self.objects: dict[str, str] = {}  # name -> DATASET or LAYER (every binding agrees)
        self.variables: set[str] = set()  # names bound to a tf.Variable (tensors too)
        # Names bound to a Python structure somewhere in the body (even if a tensor elsewhere: `values =
        # []; ...; values = tf.stack(values)`): iterating one may be Python iteration.
        self.ever_structure: set[str] = set()

    @classmethod
    def of(cls, qualify: Qualify, body_nodes: Iterable[ast.AST], seeds: Iterable[str]) -> "LocalKinds":
        """Seeds plus names assigned in the body, to a fixpoint over a bounded number of passes."""
        nodes = list(body_nodes)
        seed_set = set(seeds)
        item_assigned = _item_assigned(nodes)
        kinds = cls(qualify, seed_set - _used_as_structure(qualify, nodes) - item_assigned)
        kinds.ever_structure |= item_assigned
        assigns = [n for n in nodes if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For,
                                                      ast.AsyncFor, ast.comprehension))]
        python_candidates: dict[str, str] = {}
        object_candidates: dict[str, str] = {}
        for _ in range(_PASSES):
            before = len(kinds.tensors) + len(kinds.objects) + len(kinds.python)
            for node in assigns:
                if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    pairs = _loop_targets(node.target, node.iter, kinds)
                else:
                    value = node.value
                    if value is None:
                        continue
                    kind = kinds.kind(value)
                    if isinstance(node, ast.AugAssign) and kinds.kind(node.target) in TENSOR_LIKE:
                        kind = TENSOR
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    pairs = [pair for t in targets for pair in _unpacked(t, value, kind, kinds)]
                    if _slice_of_structure(value, kinds):
                        # `head = grads[:k]` of a name that is a list somewhere: maybe a list too
                        kinds.ever_structure.update(t.id for t in targets if isinstance(t, ast.Name))
                for t, k in pairs:
                    if not isinstance(t, ast.Name):
                        continue
                    if k in OBJECTS:
                        object_candidates.setdefault(t.id, k)
                        if object_candidates[t.id] == k:
                            kinds.objects[t.id] = k
                        continue
                    if t.id in object_candidates:
                        object_candidates[t.id] = UNKNOWN  # also bound to something else: no claim
                        kinds.objects.pop(t.id, None)
                    if k in TENSOR_LIKE:
                        kinds.tensors.add(t.id)
                        if k != TENSOR:
                            kinds.variables.add(t.id)
                    elif k in PYTHON_LIKE:
                        python_candidates.setdefault(t.id, k)
                        if k in STRUCTURES:
                            kinds.ever_structure.add(t.id)
                            if t.id in seed_set:
                                kinds.tensors.discard(t.id)  # a parameter re-bound to a tuple: not a tensor
                    else:
                        python_candidates[t.id] = UNKNOWN  # also assigned something unknown: no claim
            # Visible to the next pass: `rows = tf.unstack(x)` makes `rows[0]` a tensor.
            kinds.python = {n: k for n, k in python_candidates.items() if k != UNKNOWN and n not in kinds.tensors}
            if len(kinds.tensors) + len(kinds.objects) + len(kinds.python) == before:
                break
        return kinds

    def is_tensor(self, expr: ast.AST) -> bool:
        return self.kind(expr) in TENSOR_LIKE

    def maybe_structure(self, expr: ast.AST) -> bool:
        """A name that some statement of the body binds to a Python structure."""
        return isinstance(expr, ast.Name) and expr.id in self.ever_structure

    def is_python(self, expr: ast.AST) -> bool:
        return self.kind(expr) in PYTHON_LIKE

    def kind(self, e: ast.AST) -> str:
        if isinstance(e, ast.Constant):
            return PYTHON
        if isinstance(e, ast.Name):
            if e.id in self.tensors:
                return VARIABLE if e.id in self.variables else TENSOR
            if e.id in self.objects:
                return self.objects[e.id]
            return self.python.get(e.id, UNKNOWN)
        if isinstance(e, _CONTAINERS):
            return STRUCTURE
        if isinstance(e, ast.JoinedStr):
            return PYTHON
        if isinstance(e, ast.Call):
            return self._call(e)
        if isinstance(e, ast.Attribute):
            if e.attr in STATIC_ATTRIBUTES:
                return PYTHON
            receiver = self.kind(e.value)
            listed = attribute_kind(e.attr, receiver)
            if listed != UNKNOWN:
                return listed
            return PYTHON if receiver == PYTHON else UNKNOWN
        if isinstance(e, ast.Subscript):
            inner = self.kind(e.value)
            if inner in TENSOR_LIKE:
                return TENSOR  # x[0] of a tensor is a tensor
            if inner in STRUCTURES and inner != STRUCTURE:
                # vars[0] of a list of variables is a variable; vars[1:] is still the list
                return inner if isinstance(e.slice, ast.Slice) else element_kind(inner)
            return PYTHON if inner == PYTHON else UNKNOWN  # x.shape[0] is an int (or None)
        if isinstance(e, ast.BinOp):
            return _combine(self.kind(e.left), self.kind(e.right))
        if isinstance(e, ast.UnaryOp):
            return self.kind(e.operand) if not isinstance(e.op, ast.Not) else _truth(self.kind(e.operand))
        if isinstance(e, ast.Compare):
            if all(isinstance(op, _IDENTITY_OPS) for op in e.ops):
                return PYTHON  # `is None`, `in`: Python bools even on tensors
            return _combine_all([self.kind(e.left), *(self.kind(c) for c in e.comparators)], truth=True)
        if isinstance(e, ast.BoolOp):
            return _combine_all([self.kind(v) for v in e.values], truth=False)
        if isinstance(e, ast.IfExp):
            body, orelse = self.kind(e.body), self.kind(e.orelse)
            if TENSOR in (body, orelse):
                return TENSOR
            return body if body == orelse else UNKNOWN
        if isinstance(e, ast.NamedExpr):
            return self.kind(e.value)
        if isinstance(e, ast.Starred):
            return self.kind(e.value)
        return UNKNOWN

    def _call(self, call: ast.Call) -> str:
        q = self.qualify(call.func)
        kind = call_kind(q)
        if kind != UNKNOWN:
            return kind
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in STATIC_METHODS:
                return PYTHON
            receiver = self.kind(func.value)
            if receiver == PYTHON:
                return PYTHON  # a method of a static value: x.shape.as_list(), dtype.is_compatible_with()
            if func.attr in SOURCE_MIRRORING_METHODS:
                position, keyword = SOURCE_MIRRORING_METHODS[func.attr]
                sources = call.args[position] if len(call.args) > position else \
                    next((k.value for k in call.keywords if k.arg == keyword), None)
                if sources is not None:
                    return mirrored_kind(self.kind(sources))
            return method_kind(func.attr, receiver)
        if self.kind(func) == LAYER:
            return TENSOR  # calling a Keras layer or model gives its output tensor
        return UNKNOWN


def _unpacked(target: ast.expr, value: ast.expr, kind: str, kinds: "LocalKinds") -> list[tuple[ast.expr, str]]:
    """(name target, kind) pairs of an assignment; `a, b = [], []` unpacks element by element."""
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) \
            and len(target.elts) == len(value.elts):
        return [pair for t, v in zip(target.elts, value.elts) for pair in _unpacked(t, v, kinds.kind(v), kinds)]
    if isinstance(target, (ast.Tuple, ast.List)):
        # `a, b = tf.split(x, 2)`, `kernel, bias = layer.weights`: each name takes the element kind
        element = element_kind(kind, destructured=True)
        return [(t.value if isinstance(t, ast.Starred) else t, element) for t in target.elts]
    return [(target, kind)]


def _loop_targets(target: ast.expr, iterable: ast.expr, kinds: "LocalKinds") -> list[tuple[ast.expr, str]]:
    """(name target, kind) pairs of a `for` loop or comprehension: the iterable's element kind, unpacked
    through `zip(...)` and `enumerate(...)` when the target is a tuple."""
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(iterable, ast.Call) and not iterable.keywords:
        q = kinds.qualify(iterable.func)
        if q == "builtins.zip" and len(iterable.args) == len(target.elts):
            return [pair for t, a in zip(target.elts, iterable.args) for pair in _loop_targets(t, a, kinds)]
        if q == "builtins.enumerate" and len(target.elts) == 2 and len(iterable.args) == 1:
            return [(target.elts[0], PYTHON), *_loop_targets(target.elts[1], iterable.args[0], kinds)]
    container = kinds.kind(iterable)
    if isinstance(target, (ast.Tuple, ast.List)):
        element = element_kind(container, destructured=True)
        return [(t.value if isinstance(t, ast.Starred) else t, element) for t in target.elts]
    return [(target, element_kind(container))]


def _slice_of_structure(value: ast.expr, kinds: "LocalKinds") -> bool:
    """`name` or `name[a:b]` of a name the body binds to a Python structure somewhere."""
    if isinstance(value, ast.Subscript) and isinstance(value.slice, ast.Slice):
        value = value.value
    return kinds.maybe_structure(value)


def _item_assigned(nodes: list[ast.AST]) -> set[str]:
    """Names whose items are assigned (`grads[i:j] = ...`, `d[k] += 1`): tf.Tensor and tf.Variable do not
    support item assignment (TypeError on TensorFlow 2.21), so such a name holds a Python container (or a
    NumPy array), at least where it is assigned into; iterating it is Python iteration."""
    out: set[str] = set()
    for node in nodes:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        out.update(t.value.id for t in targets if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name))
    return out


# `len()` is left out: AutoGraph converts it for tensors too.
_STRUCTURE_TESTS = frozenset({"builtins.list", "builtins.tuple", "builtins.zip", "builtins.dict"})


def _used_as_structure(qualify: Qualify, nodes: list[ast.AST]) -> set[str]:
    """Names the body treats as Python structures: `isinstance(p, (list, tuple))`, `len(p)`, `zip(p, q)`,
    `tf.nest.*(p)`. A parameter used that way is not assumed to be a tensor."""
    out: set[str] = set()
    for node in nodes:
        if not isinstance(node, ast.Call) or not node.args:
            continue
        q = qualify(node.func)
        if q == "builtins.isinstance" and len(node.args) == 2 and isinstance(node.args[0], ast.Name):
            types = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            if any(qualify(t) in ("builtins.list", "builtins.tuple", "builtins.dict") for t in types):
                out.add(node.args[0].id)
        elif q in _STRUCTURE_TESTS or is_nest_call(q):
            out.update(a.id for a in node.args if isinstance(a, ast.Name))
    return out


def _truth(kind: str) -> str:
    """`not x`: AutoGraph makes it tf.logical_not for a tensor; Python's bool otherwise."""
    if kind in TENSOR_LIKE:
        return TENSOR
    return PYTHON if kind in PYTHON_LIKE else UNKNOWN


def _combine(a: str, b: str) -> str:
    if a in TENSOR_LIKE or b in TENSOR_LIKE:
        return TENSOR
    if a == PYTHON and b == PYTHON:
        return PYTHON
    if a in PYTHON_LIKE and b in PYTHON_LIKE:
        return STRUCTURE  # list + list, tuple * int
    return UNKNOWN


def _combine_all(kinds: list[str], *, truth: bool) -> str:
    if any(k in TENSOR_LIKE for k in kinds):
        return TENSOR
    if all(k in PYTHON_LIKE for k in kinds):
        return PYTHON if truth or all(k == PYTHON for k in kinds) else STRUCTURE
    return UNKNOWN
