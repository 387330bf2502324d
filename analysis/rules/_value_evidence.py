"""HYB002: what a written value or receiver is (`ValueEvidence`, a part of `OuterWrites`): a Python
container where it is defined (so `update`, `pop`, `add`... mutate it rather than a TF/Keras object), or
likely a graph tensor (which leaks out of the trace when stored).
"""
from __future__ import annotations

import ast
import weakref

from ..body import FunctionBody
from ..facts.api_kinds import TENSOR, call_kind
from ..project import GraphFunction
from ..summary import FunctionInfo, ModuleSummary, enclosing_class
from ._outer_names import Outer
from ._write_exemptions import self_name_of
from .base import ModuleContext

_CONTAINER_FACTORIES = frozenset({
    "builtins.list", "builtins.dict", "builtins.set", "collections.deque", "collections.defaultdict",
    "collections.OrderedDict", "collections.Counter",
})


class ValueEvidence:
    """`holds_container` and `tensorish`, asked by `OuterWrites` before and while reporting a write."""

    # Set by `OuterWrites.__init__`.
    ctx: ModuleContext
    gf: GraphFunction
    info: FunctionInfo
    body: FunctionBody
    params: set[str]
    self_name: str | None
    _self_containers: set[str] | None

    # ---- evidence ---------------------------------------------------------------------------
    def holds_container(self, expr: ast.expr, outer: Outer) -> bool:
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
