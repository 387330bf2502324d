"""HYB002: what counts as outer state for one graph function (`OuterNames`, a part of `OuterWrites`):
module globals, closure variables of an enclosing function that is not itself traced, the state of
`self` (or of an enclosing method's `self`), and the arguments of a tf.function.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from ..body import FunctionBody
from ..project import GraphFunction
from ..summary import FunctionInfo
from ._write_exemptions import self_name_of
from .base import ModuleContext


@dataclass(frozen=True)
class Outer:
    """What an expression's root refers to, when it outlives one call of the graph function."""

    kind: str  # "global" | "closure" | "self" | "argument"
    name: str  # the text shown in messages


class OuterNames:
    """Which object the root of a written expression is, and whether it outlives a call (`outer`)."""

    # Set by `OuterWrites.__init__`.
    ctx: ModuleContext
    gf: GraphFunction
    info: FunctionInfo
    body: FunctionBody
    globals: set[str]
    nonlocals: set[str]
    params: set[str]
    star_params: set[str]
    locals: set[str]
    self_name: str | None
    rebound: set[str]
    _parent_locals: dict[int, set[str]]
    _self_fresh: bool | None

    # ---- what is outer ----------------------------------------------------------------------
    def outer(self, expr: ast.expr) -> Outer | None:
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
            return Outer("self", f"{name}.{first_attr}")
        if chain == 0 and name in self.params and name not in self.rebound and name not in self.star_params \
                and self.gf.is_root \
                and self.info.hybrid is not None and self.info.hybrid.kind != "keras":
            return Outer("argument", name)
        kind = self.free_name_kind(name)
        return Outer(kind, name) if kind else None

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
