"""Value kinds (fact_kinds.py) of the expressions of one function body, for the extracted facts
(`KindInference`, a part of `FunctionWalker`): what a name, call, attribute or operation evaluates to,
from the body's own bindings, its parameters, the module's constants and the API tables (tables.py,
api_kinds.py)."""
from __future__ import annotations

import ast
from typing import Any

from ..imports import ImportTable
from . import api_kinds, tables
from .fact_kinds import (
    ALLOC, DATASET, KERAS, LIT_BOOL, LIT_NONE, LIT_NUM, LIT_SEQ, LIT_STR, LITERALS, LOOP_VARYING, NUMPY, OTHER,
    PRIMITIVE_KINDS, PY_SCALAR, TENSOR, merge_kinds,
)
from .refs import ref_of

_SHAPE_ATTRS = frozenset({"shape", "dtype", "name", "ndim", "device", "rank"})
_NOT_YET = object()


class KindInference:
    """Kinds of expressions, memoized per call and operation; reads the walker's bindings so far."""

    imports: ImportTable
    consts: dict[str, str]
    kinds: dict[str, Any]
    stores: set[str]
    param_set: frozenset[str]
    self_name: str | None
    kmemo: dict[int, Any]
    qcache: dict[tuple[str, ...], str | None]

    # ---- value kinds ------------------------------------------------------------------------------
    def kind(self, e: ast.AST) -> Any:  # noqa: C901 (one dispatch table, kept together on purpose)
        t = type(e)
        if t is ast.Call or t is ast.BinOp:
            # Memoized: the walk meets the same call/operation again (as an argument, then as a node).
            key = id(e)
            found = self.kmemo.get(key, _NOT_YET)
            if found is _NOT_YET:
                found = self.kmemo[key] = self._kind(e, t)
            return found
        return self._kind(e, t)

    def _kind(self, e: ast.AST, t: type) -> Any:  # noqa: C901
        if t is ast.Constant:
            v = e.value  # type: ignore[attr-defined]
            if v is None:
                return LIT_NONE
            if isinstance(v, bool):
                return LIT_BOOL
            if isinstance(v, (int, float, complex)):
                return LIT_NUM
            if isinstance(v, (str, bytes)):
                return LIT_STR
            return OTHER
        if t is ast.Name:
            name = e.id  # type: ignore[attr-defined]
            if name in self.kinds:
                return self.kinds[name]
            if name in self.param_set:
                return "s" if name == self.self_name else ("p", name)
            if name in self.consts:
                return self.consts[name]
            return OTHER
        if t is ast.Call:
            return self.call_kind(e)  # type: ignore[arg-type]
        if t is ast.Attribute:
            base = self.kind(e.value)  # type: ignore[attr-defined]
            if e.attr in _SHAPE_ATTRS:  # type: ignore[attr-defined]
                return OTHER
            if e.attr in api_kinds.VARIABLE_LIST_ATTRIBUTES:  # type: ignore[attr-defined]
                return TENSOR  # `model.trainable_variables`: a list of variables is tensor-like (issue 11)
            if base == TENSOR:
                return TENSOR
            if base == NUMPY:
                return NUMPY
            return OTHER
        if t is ast.Subscript:
            base = self.kind(e.value)  # type: ignore[attr-defined]
            if base in (TENSOR, NUMPY):
                return base
            if isinstance(base, tuple) and base[0] == "p":
                return base  # x[0] of a tensor parameter is a tensor; of a literal, a literal
            return OTHER
        if t is ast.BinOp:
            left, right = self.kind(e.left), self.kind(e.right)  # type: ignore[attr-defined]
            if TENSOR in (left, right):
                return TENSOR
            for side in (left, right):
                if isinstance(side, tuple) and side[0] == "p":
                    return side
            if left in PRIMITIVE_KINDS and right in PRIMITIVE_KINDS:
                return LOOP_VARYING if LOOP_VARYING in (left, right) else (
                    left if left == right and left in LITERALS else PY_SCALAR)
            if NUMPY in (left, right):
                return NUMPY
            return OTHER
        if t is ast.UnaryOp:
            inner = self.kind(e.operand)  # type: ignore[attr-defined]
            return inner if inner in PRIMITIVE_KINDS or inner == TENSOR or isinstance(inner, tuple) else OTHER
        if t in (ast.List, ast.Tuple, ast.Set):
            elts = [self.kind(x) for x in e.elts]  # type: ignore[attr-defined]
            if elts and all(k in LITERALS for k in elts):
                return LIT_SEQ
            if TENSOR in elts:
                return TENSOR  # a container of tensors is tensor-like (Hybridize: tensor containers)
            return ALLOC
        if t is ast.ListComp and self.kind(e.elt) == TENSOR:  # type: ignore[attr-defined]
            return TENSOR  # [tf.ones(n) for n in sizes]: a list of tensors, like a list display of tensors
        if t in (ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp):
            return ALLOC
        if t is ast.JoinedStr:
            return PY_SCALAR
        if t is ast.IfExp:
            a, b = self.kind(e.body), self.kind(e.orelse)  # type: ignore[attr-defined]
            return merge_kinds(a, b)
        if t in (ast.Compare, ast.BoolOp):
            return PY_SCALAR
        return OTHER

    def call_kind(self, call: ast.Call) -> Any:
        func = call.func
        qual = self.qualify(func)
        if qual is not None:
            if qual in tables.KERAS_INPUT_CALLS:
                return KERAS
            if tables.is_dataset_api(qual):
                return DATASET
            if tables.is_tensor_api(qual):
                return TENSOR
            if qual.startswith("numpy."):
                return NUMPY
            if qual.startswith("builtins."):
                short = qual[9:]
                if short in ("int", "float", "len", "round", "abs", "min", "max", "sum", "bool", "str"):
                    inner = [self.kind(a) for a in call.args]
                    if TENSOR in inner:
                        return OTHER
                    return LOOP_VARYING if LOOP_VARYING in inner else PY_SCALAR
                if short in ("list", "dict", "set", "tuple", "object", "bytearray"):
                    return ALLOC
                return OTHER
        if isinstance(func, ast.Attribute):
            base = self.kind(func.value)
            if base == DATASET and func.attr in tables.DATASET_METHODS:
                return DATASET
            listed = api_kinds.METHOD_KINDS.get(func.attr)
            if listed is not None:  # strategy.experimental_distribute_dataset(ds), tape.watched_variables()
                return DATASET if listed == api_kinds.DATASET else TENSOR
            if base == TENSOR:
                return NUMPY if func.attr in ("numpy", "tolist", "item") else TENSOR
            if base == NUMPY:
                return NUMPY
        ref = ref_of(func)
        if ref is not None:
            return ("r", ref)
        return OTHER

    def qualify(self, func: ast.AST, ref: tuple[str, ...] | None | object = None) -> str | None:
        """Import-qualified name, unless the chain starts at a local or parameter (which shadow imports)."""
        if ref is None:
            ref = ref_of(func)
        if ref is None:
            return None  # not a name chain (`f()()`): nothing an import could name
        root = ref[0]  # type: ignore[index]
        if root in self.param_set or root in self.stores:
            return None
        cache = self.qcache
        if ref in cache:
            return cache[ref]
        q = cache[ref] = self.imports.qualify(func)
        return q
