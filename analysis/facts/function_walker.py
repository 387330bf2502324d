"""The one walk over a function body (or a module's top-level statements) that records its local facts
(`FunctionWalker`); what each node contributes lives in its parts: `KindInference` (value kinds),
`Bindings` (names bound, writes, and the side effects they make) and `CallSites` (calls and callbacks);
the fields of the definition itself come from function_header.py.
"""
from __future__ import annotations

import ast
from typing import Any

from ..summary import FunctionInfo, ModuleSummary
from . import tables
from .bindings import Bindings
from .call_sites import CallSites
from .fact_kinds import FUNCTION, LOOP_VARYING, PRIMITIVE_KINDS, TENSOR, merge_kinds
from .attribute_uses import call_reads_attributes
from .function_header import (
    abstract_stub, annotation_kinds, decorator_names, default_kinds, hybrid_record, is_static, positional_count,
    vararg_name,
)

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
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


class FunctionWalker(Bindings, CallSites):
    """Walks one function body (or the module's top-level statements) once and records its facts."""

    def __init__(self, summary: ModuleSummary, info: FunctionInfo | None, consts: dict[str, str]) -> None:
        self.summary = summary
        self.imports = summary.imports
        self.info = info
        self.consts = consts
        node = info.node if info is not None else None
        self.params: list[str] = info.params if info is not None else []
        self.self_name = (self.params[0] if info is not None and info.is_method and self.params
                          and not is_static(info) else None)
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
        # Attribute names read (any receiver) and named by string arguments, `self.<attr>` stores, dynamic
        # attribute access (attribute_uses.py): HYB002's "no code reads this attribute" (P1-tfmava).
        self.attr_reads: set[str] = set()
        self.attr_stores: set[str] = set()
        self.attr_dynamic = False
        self.ops = 0
        self.heavy = 0
        self.param_ops = 0
        self.loops = 0
        self.node = node
        self.kmemo: dict[int, Any] = {}
        self.qcache: dict[tuple[str, ...], str | None] = summary.__dict__.setdefault("_facts_qcache", {})


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
                if call_reads_attributes(node, self.attr_reads):  # type: ignore[arg-type]
                    self.attr_dynamic = True
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
                if t is ast.AugAssign and type(node.target) is ast.Attribute:  # type: ignore[attr-defined]
                    self.attr_reads.add(node.target.attr)  # type: ignore[attr-defined]  # `x.n += 1` reads n
                if node.value is not None:  # type: ignore[attr-defined]
                    vk = self.kind(node.value) if t is ast.AnnAssign else merge_kinds(  # type: ignore[attr-defined]
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
                if type(node.ctx) is ast.Load:  # type: ignore[attr-defined]
                    self.attr_reads.add(node.attr)  # type: ignore[attr-defined]
                elif (type(node.ctx) is ast.Store and type(value) is ast.Name  # type: ignore[attr-defined]
                      and value.id == self.self_name and self.self_name is not None):
                    self.attr_stores.add(node.attr)  # type: ignore[attr-defined]
                while type(value) is ast.Attribute:
                    inner = value
                    self.attr_reads.add(value.attr)
                    value = value.value
                if "__dict__" in self.attr_reads:
                    self.attr_dynamic = True  # `obj.__dict__`: every attribute, by its name as data
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

    # ---- the record -------------------------------------------------------------------------------
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
        aw/dyn: attributes a method stores on its receiver (present when any), attribute access by computed
        names (present only when true); the module's `ar` holds the attribute names its code reads
        (attribute_uses.py).
        """
        self.finish_effects()
        info = self.info
        rec: dict[str, Any] = {
            "calls": self.calls, "cbs": self.callbacks, "fx": self.effects, "ops": self.ops, "heavy": self.heavy,
            "pops": self.param_ops, "eo": self.eager_only, "npp": self.numpy_params, "ret": self.returns,
            "inst": self.inst, "alias": self.aliases, "sattr": self.self_attrs, "loops": self.loops,
            "sload": sorted(self.self_loads),
        }
        if self.attr_stores and info is not None:
            rec["aw"] = sorted(self.attr_stores)  # `self.<attr> = ...` stores (a method's own receiver)
        if self.attr_dynamic:
            rec["dyn"] = True  # dynamic attribute access: present only when true
        if any(call[1] in tables.GRAPH_MODE_SWITCHES for call in self.calls):
            rec["gm"] = True  # turns eager execution off (a TF1 program): kept when the raw calls are dropped
        if info is None:
            rec.update(q="<module>", n="<module>", l=1, el=1, p=[], np=0, va=None, self=None,
                       cls=None, par=None, nest={}, hy=None, deco=(), ann={}, dflt={})
            return rec
        node = info.node
        rec.update(
            q=info.qualname, n=info.name, l=info.line, el=getattr(node, "end_lineno", info.line) or info.line,
            p=self.params, np=positional_count(node), va=vararg_name(node), self=self.self_name, cls=info.cls.qualname if info.cls is not None else None,
            par=index_of.get(id(info.parent)) if info.parent is not None else None,
            nest={name: index_of[id(fn)] for name, fn in info.nested.items() if id(fn) in index_of},
            hy=hybrid_record(self.summary, info), deco=decorator_names(self.summary, node),
            ann=annotation_kinds(self.summary, node), dflt=default_kinds(node), stub=abstract_stub(node),
        )
        return rec
