"""Local facts of one module, in ONE pass over each function body, as plain data (no AST).

The result (`ModuleFacts`, a dict of str/int/tuple/list/dict/None) is what the on-disk cache stores and
what the project-level fixpoints (`project_facts.py`) run over, so a warm re-analysis never needs the
trees of unchanged files. Everything that depends on other modules (what a call refers to, whether a
parameter is a tensor) is recorded *symbolically* here and resolved later:

* a reference `ref` is the dotted chain a call or callback is written with, as a tuple of names:
  `("helper",)`, `("self", "dense")`, `("utils", "helper")`, `("super", "call")`; None when the callee
  is not a name chain (`f()()`, `fns[0](x)`);
* a value kind is one of the strings in `KINDS` or a tuple `("p", name)` (the value of parameter
  `name`) or `("r", ref)` (the result of calling `ref`).

Record layouts are documented where they are built (`_FunctionWalker.record`).
"""
from __future__ import annotations

import ast
import re
from typing import Any

from ..imports import TF_FUNCTION
from ..summary import FunctionInfo, ModuleSummary
from . import api_kinds, precondition_scans, tables

# Bump when the shape or meaning of the records changes: it is part of every cache key.
FACTS_VERSION = 12

# Value kinds.
TENSOR, DATASET, KERAS, ALLOC, NUMPY, OTHER = "t", "ds", "k", "a", "np", "o"
FUNCTION = "fn"  # a Python function object (a nested def), which a tf.function cannot return
LIT_BOOL, LIT_NUM, LIT_STR, LIT_SEQ, LIT_NONE = "lb", "ln", "ls", "lq", "l0"
LOOP_VARYING, PY_SCALAR = "lv", "ps"
LITERALS = frozenset({LIT_BOOL, LIT_NUM, LIT_STR, LIT_SEQ, LIT_NONE})
# Python values that make a tf.function trace once per distinct value (F-LIT).
PRIMITIVE_KINDS = LITERALS | {LOOP_VARYING, PY_SCALAR}
KINDS = {
    TENSOR: "tensor", DATASET: "tf.data dataset", KERAS: "KerasTensor", ALLOC: "fresh Python object",
    NUMPY: "NumPy array", OTHER: "unknown", LIT_BOOL: "bool literal", LIT_NUM: "number literal",
    LIT_STR: "string literal", LIT_SEQ: "literal sequence", LIT_NONE: "None", LOOP_VARYING: "loop-varying Python value",
    PY_SCALAR: "Python scalar", FUNCTION: "Python function",
}

_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DATASET_NAME = re.compile(r"(^|_)(ds|dataset|datasets|data)(_|$)|dataset", re.I)
_STRATEGY_NAME = re.compile(r"strategy|strat$", re.I)
_STRATEGY_OPS = frozenset({"run", "reduce", "gather", "all_reduce"})
_LOGGER_NAME = re.compile(r"log", re.I)
# Fields that never hold code worth visiting (contexts, operators, comments).
_NOT_CHILDREN = frozenset({"ctx", "op", "ops", "type_comment", "kind", "conversion", "names", "type_ignores"})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_HANDLED = frozenset({
    ast.Name, ast.Call, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign,
    ast.AugAssign, ast.For, ast.AsyncFor, ast.While, ast.Return, ast.Global, ast.Nonlocal, ast.Delete, ast.BinOp,
    ast.Compare,
    ast.Lambda, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.withitem, ast.ExceptHandler,
    ast.Import, ast.ImportFrom,
})
_SHAPE_ATTRS = frozenset({"shape", "dtype", "name", "ndim", "device", "rank"})


def ref_of(expr: ast.AST) -> tuple[str, ...] | None:
    """`a.b.c` -> ("a", "b", "c"); `super().m` -> ("super", "m"); None for anything else."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
    elif (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "super"
          and parts):
        parts.append("super")
    else:
        return None
    parts.reverse()
    return tuple(parts)


_NOT_YET = object()
_QUAL_INFO: dict[str, tuple] = {}
_NO_INFO = (None, False, False, False)


def _qual_info(qual: str) -> tuple:
    """(Python effect kind, is a tensor op, is a heavy op, is NumPy non-random) for a qualified name, memoized."""
    info = _QUAL_INFO.get(qual)
    if info is None:
        tensor = tables.is_tensor_api(qual)
        info = _QUAL_INFO[qual] = (
            tables.python_effect_of_call(qual), tensor, tensor and tables.is_heavy_tensor_api(qual),
            qual.startswith("numpy.") and not qual.startswith("numpy.random."),
        )
    return info


def _merge(old: Any, new: Any) -> Any:
    if old is None or old == new:
        return new
    if old == TENSOR or new == TENSOR:
        return TENSOR
    if old in PRIMITIVE_KINDS and new in PRIMITIVE_KINDS:
        return PY_SCALAR
    return OTHER


class _FunctionWalker:
    """Walks one function body (or the module's top-level statements) once and records its facts."""

    def __init__(self, summary: ModuleSummary, info: FunctionInfo | None, consts: dict[str, str]) -> None:
        self.summary = summary
        self.imports = summary.imports
        self.info = info
        self.consts = consts
        node = info.node if info is not None else None
        self.params: list[str] = info.params if info is not None else []
        self.self_name = (self.params[0] if info is not None and info.is_method and self.params
                          and not _is_static(info) else None)
        self.param_set = frozenset(self.params)
        self.kinds: dict[str, Any] = {}  # local name -> value kind
        self.stores: set[str] = set()  # every locally bound name
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.calls: list[tuple] = []
        self.callbacks: list[tuple] = []
        self.effects: list[tuple] = []
        self.pending: list[tuple[str, str, int, str]] = []  # (kind, root name, line, detail)
        self.eager_only: list[tuple] = []
        self.numpy_params: list[tuple] = []
        self.scanned: list[ast.AST] = []  # calls, loops, comprehensions: what precondition_scans looks at
        self.returns: list[Any] = []
        self.inst: dict[str, tuple] = {}
        self.aliases: dict[str, tuple] = {}
        self.self_attrs: dict[str, tuple] = {}
        self.self_loads: set[str] = set()
        self.ops = 0
        self.heavy = 0
        self.param_ops = 0
        self.loops = 0
        self.node = node
        self.kmemo: dict[int, Any] = {}
        self.qcache: dict[tuple[str, ...], str | None] = summary.__dict__.setdefault("_facts_qcache", {})

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
            return _merge(a, b)
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

    # ---- the walk ---------------------------------------------------------------------------------
    def walk(self, stmts: list[ast.stmt], module_level: bool = False) -> None:
        stack: list[tuple[ast.AST, bool]] = [(s, False) for s in reversed(stmts)]
        pop, push = stack.pop, stack.append
        while stack:
            node, in_loop = pop()
            t = type(node)
            if t not in _HANDLED:
                pass  # most nodes (attributes, subscripts, compares, ifs...): just their children
            elif t is ast.Name:
                if type(node.ctx) is ast.Store:  # type: ignore[attr-defined]
                    self.store_name(node)  # type: ignore[arg-type]
                continue
            elif t is ast.Call:
                self.call(node, in_loop)  # type: ignore[arg-type]
                self.scanned.append(node)
            elif t in _DEFS:
                if module_level:
                    continue  # definitions and class bodies are their own records
                self.stores.add(node.name)  # type: ignore[attr-defined]
                if t is not ast.ClassDef:
                    self.kinds[node.name] = FUNCTION  # type: ignore[attr-defined]
                for deco in node.decorator_list:  # type: ignore[attr-defined]
                    push((deco, in_loop))
                continue
            elif t is ast.Assign:
                value_kind = self.kind(node.value)  # type: ignore[attr-defined]
                for target in node.targets:  # type: ignore[attr-defined]
                    self.assign(target, value_kind, node.value, node.lineno)  # type: ignore[attr-defined]
            elif t is ast.AnnAssign or t is ast.AugAssign:
                if node.value is not None:  # type: ignore[attr-defined]
                    vk = self.kind(node.value) if t is ast.AnnAssign else _merge(  # type: ignore[attr-defined]
                        self.kind(node.target), self.kind(node.value))  # type: ignore[attr-defined]
                    if t is ast.AugAssign and in_loop and vk in PRIMITIVE_KINDS:
                        vk = LOOP_VARYING  # `tries += 1` in a loop: a new Python value every iteration
                    self.assign(node.target, vk, node.value, node.lineno)  # type: ignore[attr-defined]
            elif t is ast.For or t is ast.AsyncFor:
                self.loops += 1
                self.scanned.append(node)
                self.loop_target(node.target, node.iter)  # type: ignore[attr-defined]
                push((node.iter, in_loop))  # type: ignore[attr-defined]
                for st in reversed(node.orelse):  # type: ignore[attr-defined]
                    push((st, in_loop))
                for st in reversed(node.body):  # type: ignore[attr-defined]
                    push((st, True))
                continue
            elif t is ast.While:
                self.loops += 1
                push((node.test, True))  # type: ignore[attr-defined]
                for st in reversed(node.orelse):  # type: ignore[attr-defined]
                    push((st, in_loop))
                for st in reversed(node.body):  # type: ignore[attr-defined]
                    push((st, True))
                continue
            elif t is ast.Return:
                if node.value is not None:  # type: ignore[attr-defined]
                    self.returns.append(self.kind(node.value))  # type: ignore[attr-defined]
            elif t is ast.Global:
                self.globals.update(node.names)  # type: ignore[attr-defined]
                continue
            elif t is ast.Nonlocal:
                self.nonlocals.update(node.names)  # type: ignore[attr-defined]
                continue
            elif t is ast.Delete:
                for target in node.targets:  # type: ignore[attr-defined]
                    self.store_target(target, node.lineno)  # type: ignore[attr-defined]
            elif t is ast.BinOp:
                left, right = self.kind(node.left), self.kind(node.right)  # type: ignore[attr-defined]
                if TENSOR in (left, right):
                    self.ops += 1
                elif isinstance(left, tuple) or isinstance(right, tuple):
                    self.param_ops += 1
            elif t is ast.Compare:
                # `x > limit` is a tensor op when either side is a tensor (AutoGraph's tf.cond tests too).
                kinds = [self.kind(node.left)] + [self.kind(c) for c in node.comparators]  # type: ignore[attr-defined]
                if TENSOR in kinds:
                    self.ops += 1
                elif any(isinstance(k, tuple) for k in kinds):
                    self.param_ops += 1
            elif t is ast.Lambda:
                for a in node.args.args:  # type: ignore[attr-defined]
                    self.stores.add(a.arg)
                push((node.body, in_loop))  # type: ignore[attr-defined]
                continue
            elif t in (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp):
                self.scanned.append(node)
                for gen in node.generators:  # type: ignore[attr-defined]
                    self.loop_target(gen.target, gen.iter)
                in_loop = True
            elif t is ast.withitem and node.optional_vars is not None:  # type: ignore[attr-defined]
                self.assign(node.optional_vars, self.kind(node.context_expr), node.context_expr,  # type: ignore[attr-defined]
                            getattr(node.context_expr, "lineno", 0))  # type: ignore[attr-defined]
            elif t is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
                self.stores.add(node.name)  # type: ignore[attr-defined]
            elif t is ast.Import or t is ast.ImportFrom:
                continue  # imports are in the module's import table (summary.py), also inside functions
            if t is ast.Attribute:
                inner = node
                value = node.value  # type: ignore[attr-defined]
                while type(value) is ast.Attribute:
                    inner = value
                    value = value.value
                if type(value) is ast.Name:
                    if value.id == self.self_name and self.self_name is not None:
                        self.self_loads.add(inner.attr)  # type: ignore[attr-defined]  # may be a @property
                elif type(value) is not ast.Constant:
                    push((value, in_loop))
                continue
            if t is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is not ast.Name:
                    push((func, in_loop))
                for child in node.args:  # type: ignore[attr-defined]
                    ct = type(child)
                    if ct is not ast.Constant and ct is not ast.Name:
                        push((child, in_loop))
                for kw in node.keywords:  # type: ignore[attr-defined]
                    ct = type(kw.value)
                    if ct is not ast.Constant and ct is not ast.Name:
                        push((kw.value, in_loop))
                continue
            fields = _CHILD_FIELDS.get(t)
            if fields is None:
                fields = _CHILD_FIELDS[t] = tuple(f for f in t._fields if f not in _NOT_CHILDREN)
            for field in fields:
                value = getattr(node, field, None)
                if value is None:
                    continue
                if type(value) is list:
                    for child in reversed(value):
                        ct = type(child)
                        if ct is ast.Constant or (ct is ast.Name and type(child.ctx) is ast.Load):
                            continue
                        if isinstance(child, ast.AST):
                            push((child, in_loop))
                else:
                    ct = type(value)
                    if ct is ast.Constant or (ct is ast.Name and type(value.ctx) is ast.Load):
                        continue
                    if isinstance(value, ast.AST):
                        push((value, in_loop))

    # ---- bindings ---------------------------------------------------------------------------------
    def store_name(self, node: ast.Name) -> None:
        name = node.id
        if name in self.globals:
            self.effects.append(("global-write", "global", node.lineno, name))
        elif name in self.nonlocals:
            self.effects.append(("nonlocal-write", "global", node.lineno, name))
        self.stores.add(name)

    def assign(self, target: ast.AST, value_kind: Any, value: ast.AST, line: int) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            self.kinds[name] = _merge(self.kinds.get(name), value_kind)
            if isinstance(value, ast.Call):
                ref = ref_of(value.func)
                if ref is not None and value_kind == ("r", ref):
                    self.inst[name] = ref
            elif isinstance(value, (ast.Name, ast.Attribute)):
                ref = ref_of(value)
                if ref is not None:
                    self.aliases[name] = ref
        elif isinstance(target, (ast.Tuple, ast.List)):
            element = value_kind if value_kind in (TENSOR, NUMPY) else OTHER
            for elt in target.elts:
                self.assign(elt.value if isinstance(elt, ast.Starred) else elt, element, value, line)
        elif isinstance(target, ast.Attribute):
            if (self.self_name is not None and isinstance(target.value, ast.Name)
                    and target.value.id == self.self_name and isinstance(value, ast.Call)):
                ref = ref_of(value.func)
                if ref is not None:
                    self.self_attrs[target.attr] = ref
            self.store_target(target, line)
        elif isinstance(target, ast.Subscript):
            self.store_target(target, line)

    def store_target(self, target: ast.AST, line: int) -> None:
        kind = "attr-write" if isinstance(target, ast.Attribute) else "item-write"
        root = target
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if isinstance(root, ast.Name):
            self.pending.append((kind, root.id, line, _text(target)))
        elif isinstance(target, ast.Name):
            self.store_name(target)

    def loop_target(self, target: ast.AST, iterable: ast.AST) -> None:
        element: Any = OTHER
        index_target: ast.AST | None = None
        if isinstance(iterable, ast.Call):
            qual = self.qualify(iterable.func)
            if qual == "builtins.range":
                element = LOOP_VARYING
            elif qual == "builtins.enumerate" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                index_target, target = target.elts
                inner = self.kind(iterable.args[0]) if iterable.args else OTHER
                element = TENSOR if inner in (TENSOR, DATASET) else (
                    inner if isinstance(inner, tuple) and inner[0] == "p" else OTHER)
            else:
                inner = self.kind(iterable)
                element = TENSOR if inner in (TENSOR, DATASET) else OTHER
        else:
            inner = self.kind(iterable)
            if inner in (TENSOR, DATASET):
                element = TENSOR
            elif inner == LIT_SEQ:
                element = LOOP_VARYING
        if index_target is not None:
            self.assign(index_target, LOOP_VARYING, iterable, 0)
        self.assign(target, element, iterable, 0)

    # ---- calls ------------------------------------------------------------------------------------
    def call(self, call: ast.Call, in_loop: bool) -> None:
        func = call.func
        ref = ref_of(func)
        qual = self.qualify(func, ref) if ref is not None else None
        kind = self.kind
        star = False
        if call.args:
            args = tuple(kind(a) for a in call.args if type(a) is not ast.Starred)
            star = len(args) != len(call.args)
        else:
            args = ()
        if call.keywords:
            kwargs = tuple((k.arg, kind(k.value)) for k in call.keywords if k.arg is not None)
            star = star or len(kwargs) != len(call.keywords)
        else:
            kwargs = ()
        recv = self.receiver(ref)
        self.calls.append((ref, qual, call.lineno, call.col_offset, in_loop, args, kwargs, recv, star))
        attr = func.attr if type(func) is ast.Attribute else None
        # Local effects of library calls (project calls are followed by the project fixpoint).
        info = _qual_info(qual) if qual is not None else _NO_INFO
        effect = info[0]
        if effect is not None:
            self.effects.append((effect, "world", call.lineno, qual or ""))
        elif attr is not None and ref is not None and attr in tables.LOGGING_METHODS and len(ref) == 2 \
                and recv == "free" and _LOGGER_NAME.search(ref[0]):
            self.effects.append(("print", "world", call.lineno, ".".join(ref)))
        elif attr is not None and attr in tables.CONTAINER_MUTATORS and ref is not None and (
                qual is None or self._module_bound(ref[0])):
            self.pending.append(("mutation", ref[0], call.lineno, ".".join(ref)))
        # Tensor work.
        if info[1]:
            self.ops += 1
            if info[2]:
                self.heavy += 1
        elif attr is not None and qual is None and (recv == "tensor" or attr in tables.TENSOR_METHODS):
            self.ops += 1
        elif attr in _STRATEGY_OPS and ref is not None and len(ref) >= 2 and _STRATEGY_NAME.search(ref[-2]):
            # `strategy.run(step, args)` runs a replica step (its callback is often a model method the call
            # graph cannot resolve) and `strategy.reduce(...)` is a collective: TensorFlow computation
            # (TF Graphics' distributed_step, issue 10).
            self.ops += 1
        if attr is not None and attr in tables.EAGER_ONLY_METHODS:
            self.eager_only.append((call.lineno, attr, ref))
        if info[3]:
            for k in args:
                if type(k) is tuple and k[0] == "p":
                    self.numpy_params.append((call.lineno, k[1]))
                    break
        # Callbacks: functions handed to other calls.
        candidates = [a for a in call.args if type(a) is ast.Name or type(a) is ast.Attribute]
        if call.keywords:
            candidates += [k.value for k in call.keywords
                           if type(k.value) is ast.Name or type(k.value) is ast.Attribute]
        if not candidates:
            return
        via = None
        for arg in candidates:
            cb = ref_of(arg)
            if cb is None or (len(cb) == 1 and cb[0] in self.kinds and cb[0] not in self.aliases
                               and self.kinds[cb[0]] != FUNCTION):
                continue
            if len(cb) == 1 and cb[0] in self.param_set:
                continue
            if via is None:
                via = self.callback_via(call, qual, attr)
            self.callbacks.append((cb, arg.lineno, arg.col_offset, in_loop, via))

    def _module_bound(self, name: str) -> bool:
        """A module-level variable of this module (not an import)."""
        mod = self.summary.module
        return self.imports.names.get(name) == (f"{mod}.{name}" if mod else name)

    def callback_via(self, call: ast.Call, qual: str | None, attr: str | None) -> str:
        if qual in tables.PY_FUNCTION_CALLS:
            return "py_function"
        if qual in TF_FUNCTION:
            return "tf_function"
        if attr is not None and isinstance(call.func, ast.Attribute):
            receiver = call.func.value
            if attr in tables.TFDATA_CALLBACK_METHODS:
                rk = self.kind(receiver)
                if rk == DATASET or (qual or "").startswith("tensorflow.data."):
                    return "tfdata"
                chain = ref_of(receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
                if chain and _DATASET_NAME.search(chain[-1]):
                    return "tfdata?"  # named like a dataset: speculative (reported as such)
            if attr == "run":
                chain = ref_of(receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
                if (qual or "").startswith("tensorflow.distribute.") or (chain and _STRATEGY_NAME.search(chain[-1])):
                    return "strategy"
        return "arg"

    def receiver(self, ref: tuple[str, ...] | None) -> str:
        if ref is None or len(ref) < 2:
            return ""
        root = ref[0]
        if root == self.self_name:
            return "self"
        if root == "super":
            return "super"
        if root in self.kinds:
            k = self.kinds[root]
            if k in (ALLOC,) or (isinstance(k, tuple) and k[0] == "r"):
                return "alloc"
            if k in (TENSOR, NUMPY, DATASET, KERAS):
                return "tensor"
            if isinstance(k, tuple) and k[0] == "p":
                return "param"
            return "local"
        if root in self.param_set:
            return "param"
        if root in self.stores:
            return "local"
        return "free"

    # ---- the record -------------------------------------------------------------------------------
    def finish_effects(self) -> None:
        exempt_self = (self.info is not None and self.info.name == "build" and self.info.cls is not None)
        for kind, root, line, detail in self.pending:
            if root == self.self_name and self.self_name is not None:
                if exempt_self:
                    continue  # Keras lazy weight creation in build() (runs once, by design)
                self.effects.append((kind, "self", line, detail))
                continue
            k = self.kinds.get(root)
            if root in self.kinds and not (isinstance(k, tuple) and k[0] == "p"):
                continue  # an object this function made or got from a call: local
            if isinstance(k, tuple) and k[0] == "p":
                self.effects.append((kind, "p:" + k[1], line, detail))
            elif root in self.param_set:
                self.effects.append((kind, "p:" + root, line, detail))
            elif root in self.stores and root not in self.globals:
                continue
            else:
                self.effects.append((kind, "global", line, detail))

    def record(self, index_of: dict[int, int]) -> dict[str, Any]:
        """One function's facts.

        q/n/l/el: qualname, name, first and last line; p: parameters; self: the receiver parameter of a
        method; cls: qualname of the class of a method; par: index of the enclosing function; nest: nested
        function name -> index; hy: (kind, line, keyword names, {keyword: source}) when hybrid; deco:
        decorator qualified names; ann: parameter -> "tensor"|"prim"|"bool" from annotations; dflt:
        parameter -> kind of its default; calls: (ref, qual, line, col, in_loop, arg kinds, keyword kinds,
        receiver kind, has *args/**kwargs); cbs: (ref, line, col, in_loop, via); fx: local Python side
        effects (kind, target, line, detail); ops/heavy/pops: tensor ops, heavy ops, arithmetic on
        parameters; eo: eager-only calls (line, method, ref); npp: NumPy on parameters (line, param);
        ret: kinds returned; inst/alias/sattr: local instances, local function aliases, self attributes
        set from constructor calls; loops: number of loops; sload: attributes read from `self` (property
        getters run there); stub: the body only raises NotImplementedError (an abstract method); gm: calls
        a switch that turns eager execution off (`tables.GRAPH_MODE_SWITCHES`), present only when true.
        badn/titer: non-string `name` arguments and tensor parameter iteration, added by
        `precondition_scans.scan` (present only when found).
        """
        self.finish_effects()
        info = self.info
        rec: dict[str, Any] = {
            "calls": self.calls, "cbs": self.callbacks, "fx": self.effects, "ops": self.ops, "heavy": self.heavy,
            "pops": self.param_ops, "eo": self.eager_only, "npp": self.numpy_params, "ret": self.returns,
            "inst": self.inst, "alias": self.aliases, "sattr": self.self_attrs, "loops": self.loops,
            "sload": sorted(self.self_loads),
        }
        if any(call[1] in tables.GRAPH_MODE_SWITCHES for call in self.calls):
            rec["gm"] = True  # turns eager execution off (a TF1 program): kept when the raw calls are dropped
        if info is None:
            rec.update(q="<module>", n="<module>", l=1, el=1, p=[], np=0, va=None, self=None,
                       cls=None, par=None, nest={}, hy=None, deco=(), ann={}, dflt={})
            return rec
        node = info.node
        rec.update(
            q=info.qualname, n=info.name, l=info.line, el=getattr(node, "end_lineno", info.line) or info.line,
            p=self.params, np=_positional_count(node), va=_vararg(node), self=self.self_name, cls=info.cls.qualname if info.cls is not None else None,
            par=index_of.get(id(info.parent)) if info.parent is not None else None,
            nest={name: index_of[id(fn)] for name, fn in info.nested.items() if id(fn) in index_of},
            hy=_hybrid_record(self.summary, info), deco=_decorators(self.summary, node),
            ann=_annotations(self.summary, node), dflt=self.defaults(node), stub=_abstract_stub(node),
        )
        return rec

    def defaults(self, node: ast.AST) -> dict[str, Any]:
        if isinstance(node, ast.Lambda) or not hasattr(node, "args"):
            return {}
        a = node.args  # type: ignore[attr-defined]
        positional = a.posonlyargs + a.args
        out: dict[str, Any] = {}
        for arg, default in zip(positional[len(positional) - len(a.defaults):], a.defaults):
            out[arg.arg] = _const_kind(default)
        for arg, default in zip(a.kwonlyargs, a.kw_defaults):
            if default is not None:
                out[arg.arg] = _const_kind(default)
        return out


def _positional_count(node: ast.AST) -> int:
    a = node.args  # type: ignore[attr-defined]
    return len(a.posonlyargs) + len(a.args)


def _vararg(node: ast.AST) -> str | None:
    a = node.args  # type: ignore[attr-defined]
    return a.vararg.arg if a.vararg is not None else None


def _const_kind(e: ast.AST) -> str:
    if isinstance(e, ast.Constant):
        v = e.value
        if v is None:
            return LIT_NONE
        if isinstance(v, bool):
            return LIT_BOOL
        if isinstance(v, (int, float)):
            return LIT_NUM
        if isinstance(v, (str, bytes)):
            return LIT_STR
    if isinstance(e, ast.UnaryOp) and isinstance(e.operand, ast.Constant):
        return LIT_NUM
    if isinstance(e, (ast.Tuple, ast.List)) and all(isinstance(x, ast.Constant) for x in e.elts):
        return LIT_SEQ
    return OTHER


def _text(node: ast.AST) -> str:
    ref = ref_of(node)
    if ref is not None:
        return ".".join(ref)
    if isinstance(node, ast.Subscript):
        return _text(node.value) + "[...]"
    return type(node).__name__


def _is_static(info: FunctionInfo) -> bool:
    node = info.node
    for deco in getattr(node, "decorator_list", ()):
        if isinstance(deco, ast.Name) and deco.id == "staticmethod":
            return True
    return False


def _decorators(summary: ModuleSummary, node: ast.AST) -> tuple[str, ...]:
    out = []
    for deco in getattr(node, "decorator_list", ()):
        func = deco.func if isinstance(deco, ast.Call) else deco
        out.append(summary.imports.qualify(func) or ".".join(ref_of(func) or ("?",)))
    return tuple(out)


def _abstract_stub(node: ast.AST) -> bool:
    """The body (after a docstring) is only `raise NotImplementedError(...)`: a method for subclasses to
    override, whose decorators state a contract rather than compile code."""
    body = getattr(node, "body", None)
    if not isinstance(body, list):
        return False  # a lambda
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Raise) or body[0].exc is None:
        return False
    exc = body[0].exc
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _annotations(summary: ModuleSummary, node: ast.AST) -> dict[str, str]:
    if isinstance(node, ast.Lambda):
        return {}
    out = {}
    a = node.args  # type: ignore[attr-defined]
    for arg in a.posonlyargs + a.args + a.kwonlyargs:
        if arg.annotation is None:
            continue
        kind = _annotation_kind(summary, arg.annotation)
        if kind is not None:
            out[arg.arg] = kind
    return out


def _annotation_kind(summary: ModuleSummary, ann: ast.AST) -> str | None:
    if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
        text = ann.value
        if text.endswith(tables.TENSOR_ANNOTATION_SUFFIXES) and ("tf." in text or "Tensor" in text):
            return "tensor"
        return {"int": "prim", "float": "prim", "str": "prim", "bool": "bool"}.get(text)
    qual = summary.imports.qualify(ann)
    if qual is None:
        return None
    if qual == "builtins.bool":
        return "bool"
    if qual in tables.PRIMITIVE_ANNOTATIONS:
        return "prim"
    if (qual.startswith(("tensorflow.", "keras.")) or "types" in qual) and qual.endswith(tables.TENSOR_ANNOTATION_SUFFIXES):
        return "tensor"
    return None


def _hybrid_record(summary: ModuleSummary, info: FunctionInfo) -> tuple | None:
    site = info.hybrid
    if site is None:
        return None
    keywords = {name: summary.source.segment(value)[:200] for name, value in site.keywords.items()}
    has_call = isinstance(site.node, ast.Call) and site.kind == "decorator"
    return (site.kind, getattr(site.node, "lineno", info.line), tuple(sorted(keywords)), keywords, has_call)


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound once to a literal (`BATCH = 32`): passing one passes a literal."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for st in tree.body:
        if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
            name = st.targets[0].id
            kind = _const_kind(st.value)
            if name in seen or kind == OTHER:
                out.pop(name, None)
            else:
                out[name] = kind
            seen.add(name)
    return out


def module_binding_counts(tree: ast.Module) -> dict[str, int]:
    """How often each name is bound at module level: 1 per plain assignment, 2 per other binding
    (`x += 1`, `for x in ...`), so that 1 means "bound once, by a top-level `x = ...`"."""
    bound: dict[str, int] = {}
    for st in tree.body:
        targets = st.targets if isinstance(st, ast.Assign) else [st.target] if isinstance(
            st, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)) else []
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    bound[node.id] = bound.get(node.id, 0) + (1 if isinstance(st, ast.Assign) else 2)
    return bound


def _module_tensors(tree: ast.Module, kinds: dict[str, Any]) -> dict[str, str]:
    """Module-level names bound once, by a top-level assignment, to a tensor, a container of tensors or a
    tf.data dataset (their kind as the module-level walk computed it)."""
    return {name: kinds[name] for name, count in module_binding_counts(tree).items()
            if count == 1 and kinds.get(name) in (TENSOR, DATASET)}


def _unresolved_hybrid_sites(summary: ModuleSummary, index_of: dict[int, int]) -> list[tuple]:
    """`tf.function(utils.step)` whose target lives in another module: resolved by the project."""
    out = []
    for site in summary.hybrid_sites:
        if site.kind == "call" and site.target is None and site.target_expr is not None:
            ref = ref_of(site.target_expr)
            if ref is not None:
                enclosing = index_of.get(id(site.enclosing)) if site.enclosing is not None else None
                out.append((ref, enclosing, getattr(site.node, "lineno", 1), tuple(sorted(k for k in site.keywords))))
    return out


def extract_module(summary: ModuleSummary) -> dict[str, Any]:
    """The module's facts: imports, classes, and one record per function plus one for module level."""
    index_of = {id(fn): i for i, fn in enumerate(summary.functions)}
    consts = _module_constants(summary.source.tree)
    top = _FunctionWalker(summary, None, consts)
    top.walk(summary.source.tree.body, module_level=True)
    # Functions read module-level tensors and datasets (`X = tf.random.normal(...)`, `DATASET = ...batch(32)`)
    # as globals: passing one passes a tensor (issue 15).
    consts = {**consts, **_module_tensors(summary.source.tree, top.kinds)}
    records = []
    for fn in summary.functions:
        walker = _FunctionWalker(summary, fn, consts)
        node = fn.node
        walker.walk([node.body] if isinstance(node, ast.Lambda) else node.body)  # type: ignore[list-item]
        record = walker.record(index_of)
        record.update(precondition_scans.scan(summary, fn, walker.scanned, walker.stores))  # badn/titer
        records.append(record)
    records.append(top.record(index_of))
    classes = {}
    for name, cls in summary.classes.items():
        classes[name] = {
            "q": cls.qualname, "l": cls.node.lineno, "bases": list(cls.bases), "bnames": list(cls.base_names),
            "m": {m: index_of[id(f)] for m, f in cls.methods.items() if id(f) in index_of},
        }
    # Methods of nested classes still need their class's methods for `self.x` lookups.
    nested_classes: dict[str, dict[str, Any]] = {}
    for fn in summary.functions:
        if fn.cls is not None and fn.cls.name not in summary.classes or (
                fn.cls is not None and summary.classes.get(fn.cls.name) is not fn.cls):
            entry = nested_classes.setdefault(fn.cls.qualname, {
                "q": fn.cls.qualname, "l": fn.cls.node.lineno, "bases": list(fn.cls.bases),
                "bnames": list(fn.cls.base_names), "m": {}})
            entry["m"][fn.name] = index_of[id(fn)]
    return {
        "v": FACTS_VERSION, "path": summary.path, "module": summary.module, "pkg": summary.imports.is_package,
        "imports": dict(summary.imports.names), "stars": list(summary.imports.star_modules),
        "classes": classes, "nclasses": nested_classes,
        "top": {name: index_of[id(fn)] for name, fn in summary.top_functions.items() if id(fn) in index_of},
        "aliases": {name: index_of[id(fn)] for name, fn in summary.hybrid_aliases.items() if id(fn) in index_of},
        "hsites": _unresolved_hybrid_sites(summary, index_of),
        "all": _dunder_all(summary.source.tree),
        "fns": records,
        "lines": len(summary.source.lines),
    }


def _dunder_all(tree: ast.Module) -> list[str] | None:
    for st in tree.body:
        if isinstance(st, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in st.targets):
            if isinstance(st.value, (ast.List, ast.Tuple)):
                return [e.value for e in st.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return None
