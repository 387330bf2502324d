"""HYB007 (gated): move a `@tf.function` definition out of what runs it repeatedly.

Two moves, tried in this order:

1. Nested in a function: move the definition to module level, just before the top-level statement that
   holds it, so one `Function` object (one trace cache) serves every call. Allowed when nothing it uses
   comes from an enclosing function (no free variables bound there, which is the rule's precondition),
   when what its decorators and defaults use is already defined at module level at that point, and when
   its name is free at module level and bound only by this `def` in the enclosing function.
2. In a loop of its own scope: move it before the outermost loop it can leave, when no name it uses is
   bound or mutated in that loop (a traced graph freezes the Python values it read while tracing, so a
   function that reads a loop variable must be re-created per iteration) and its name is bound only by
   this `def` in the loop and not used before it.

Besides decorated definitions, a statement `name = tf.function(...)` moves the same way (its value is
evaluated where it stands, so everything it names counts as definition-time). A `tf.function(...)`
used inline (`tf.function(f)(x)`) is not moved: that would need a new name.
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass

import libcst as cst

from ..model import Edit, Finding
from .decorators import function_at, tf_function_decorators
from .document import CannotFix, Document
from .locate import (
    bound_names, definition_time_names, free_names, is_tf_function, module_bindings, names_in, pick,
)

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_BUILTINS = frozenset(dir(builtins))


def fix_hoist(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    fn = function_at(finding, doc)
    if fn is not None and tf_function_decorators(doc, fn):
        node: ast.stmt = _ast_def(doc, fn)
        target = _Target(node.name, free_names(node) | definition_time_names(node),  # type: ignore[attr-defined]
                         definition_time_names(node), node)  # type: ignore[arg-type]
        moved: cst.CSTNode = fn
    else:
        calls = [c for c in doc.nodes_near(cst.Call, finding) if is_tf_function(doc, doc.code_for(c.func))]
        call = pick(doc, finding, calls)
        if call is None:
            return ()
        moved, target = _assignment_of(doc, call)
    parents = doc.ast_parents
    chain = _ancestors(target.node, parents)
    enclosing = [a for a in chain if isinstance(a, _SCOPES)]
    loops_here = _loops_in_own_scope(target.node, parents)
    if not enclosing and not loops_here:
        return ()  # at module level outside loops it is already where it belongs
    reasons = []
    if enclosing:
        try:
            return _move(doc, moved, _to_module_level(doc, target, chain, enclosing))
        except CannotFix as exc:
            reasons.append(str(exc))
    if loops_here:
        try:
            return _move(doc, moved, _out_of_loops(target, parents, loops_here))
        except CannotFix as exc:
            reasons.append(str(exc))
    raise CannotFix("; ".join(reasons))


@dataclass
class _Target:
    """What moves: a decorated `def`, or a statement `name = tf.function(...)`."""

    name: str
    uses: set[str]  # every name it reads from outside itself
    definition_time: set[str]  # the names evaluated where the statement runs
    node: ast.stmt


def _assignment_of(doc: Document, call: cst.Call) -> tuple[cst.CSTNode, _Target]:
    """The statement `name = tf.function(...)` whose value is `call`, as libcst and ast nodes."""
    at = doc.range_of(call).start.line  # the statement holding the call touches its first line
    for line in doc.nodes(cst.SimpleStatementLine, (at, at)):
        if len(line.body) != 1 or not isinstance(line.body[0], cst.Assign):
            continue
        assign = line.body[0]
        if assign.value is not call:
            continue
        if len(assign.targets) != 1 or not isinstance(assign.targets[0].target, cst.Name):
            break
        start = doc.range_of(line).start
        for node in ast.walk(doc.tree):
            if isinstance(node, ast.Assign) and node.lineno == start.line and node.col_offset == start.column:
                names = names_in([node.value])
                return line, _Target(assign.targets[0].target.value, names, names, node)
        break
    raise CannotFix("only `@tf.function` definitions and statements `name = tf.function(...)` are moved "
                    "automatically; create the tf.function once, outside, by hand")


# ---- preconditions -----------------------------------------------------------------------------------


def _to_module_level(doc: Document, target: _Target, chain: list[ast.AST], enclosing: list[ast.AST]) -> ast.stmt:
    uses = target.uses
    if {"super", "__class__"} & uses:
        raise CannotFix("it uses super() or __class__, which need the enclosing class")
    immediate = enclosing[0]
    for scope in enclosing:
        if isinstance(scope, ast.ClassDef):
            if scope is immediate and target.definition_time & bound_names(scope.body):
                raise CannotFix(f"it is built from names of class `{scope.name}`")
            continue
        local = _scope_locals(scope)
        used_here = sorted(uses & local)
        if used_here:
            raise CannotFix(f"it uses {', '.join(f'`{n}`' for n in used_here)} from `{_scope_name(scope)}`")
        if scope is not immediate and target.name in local:
            raise CannotFix(f"`{_scope_name(scope)}` also binds `{target.name}`")
    if not isinstance(immediate, ast.ClassDef) and _binding_count(immediate, target.name) != 1:
        raise CannotFix(f"`{target.name}` is bound more than once in `{_scope_name(immediate)}`")
    if target.name in module_bindings(doc):
        raise CannotFix(f"the module already binds `{target.name}`")
    top = chain[-1]
    before = doc.tree.body[: doc.tree.body.index(top)]  # type: ignore[arg-type]
    available = bound_names(before) | _BUILTINS
    missing = sorted(target.definition_time - available)
    if missing:
        raise CannotFix(f"it is built from {', '.join(f'`{n}`' for n in missing)}, "
                        "not defined at module level before it")
    return top  # type: ignore[return-value]


def _scope_name(scope: ast.AST) -> str:
    return getattr(scope, "name", "<lambda>")


def _out_of_loops(target: _Target, parents: dict[ast.AST, ast.AST], loops: list[ast.stmt]) -> ast.stmt:
    current: ast.AST = target.node
    chosen: ast.stmt | None = None
    for loop in loops:  # innermost first
        if current not in loop.body:  # type: ignore[attr-defined]
            break  # inside an if/with/try of the loop, or its else: moving it would make it unconditional
        bound = bound_names([loop]) - {target.name}
        blocked = sorted(target.uses & bound)
        mutated = sorted(_mutated_names(loop) & target.uses)
        if blocked or mutated or _binding_count_in(loop, target.name) != 1 or _used_before(loop, target):
            if chosen is None:
                if blocked or mutated:
                    what = ", ".join(f"`{n}`" for n in blocked + mutated)
                    raise CannotFix(f"it uses {what}, which the loop changes")
                raise CannotFix(f"`{target.name}` is bound again or used before its definition in the loop")
            break
        chosen, current = loop, loop
    if chosen is None:
        raise CannotFix("the definition is not directly in the loop body")
    return chosen


def _scope_locals(scope: ast.AST) -> set[str]:
    args = scope.args  # type: ignore[attr-defined]
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    body = scope.body if isinstance(scope.body, list) else []  # type: ignore[attr-defined]
    return bound_names(body) | params


def _binding_count(scope: ast.AST, name: str) -> int:
    return _binding_count_in(scope, name, own_scope=True)


def _binding_count_in(root: ast.AST, name: str, own_scope: bool = False) -> int:
    """How many statements or targets in `root` bind `name` (nested scopes excluded)."""
    count = 0
    stack: list[ast.AST] = list(root.body) if own_scope else [root]  # type: ignore[attr-defined]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            count += node.name == name
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and node.id == name:
            count += 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            count += 2  # declared global/nonlocal: never movable
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            count += sum((a.asname or a.name.split(".")[0]) == name for a in node.names)
        stack.extend(ast.iter_child_nodes(node))
    return count


def _used_before(loop: ast.stmt, target: _Target) -> bool:
    """Whether the loop reads the name before it is bound (the first iteration would differ)."""
    node = target.node
    start = (node.lineno, node.col_offset)
    for deco in getattr(node, "decorator_list", ()):
        start = min(start, (deco.lineno, deco.col_offset))
    for sub in ast.walk(loop):
        if isinstance(sub, ast.Name) and sub.id == target.name and isinstance(sub.ctx, ast.Load):
            if (sub.lineno, sub.col_offset) < start:
                return True
    # A while loop tests its condition before every iteration, including after the binding.
    return isinstance(loop, ast.While) and any(
        isinstance(s, ast.Name) and s.id == target.name for s in ast.walk(loop.test))


# Methods that change a Python container in place (the catalogue's F-SE mutator list). A traced graph
# froze what it read from such a container; `tf.Variable.assign` and the like are not here because a graph
# reads a variable's current value on every call.
_MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add", "discard",
    "sort", "reverse", "popitem", "__setitem__", "__delitem__",
})


def _mutated_names(loop: ast.stmt) -> set[str]:
    """Names whose objects the loop changes in place: `x.a = ...`, `x[i] = ...`, `x.append(...)`."""
    names: set[str] = set()
    for sub in ast.walk(loop):
        targets: list[ast.expr] = []
        if isinstance(sub, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)):
            targets = sub.targets if isinstance(sub, (ast.Assign, ast.Delete)) else [sub.target]
        elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in _MUTATORS:
            targets = [sub.func]
        for target in targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)):
                root = target
                while isinstance(root, (ast.Attribute, ast.Subscript)):
                    root = root.value
                if isinstance(root, ast.Name):
                    names.add(root.id)
    return names


# ---- tree plumbing -------------------------------------------------------------------------------


def _ast_def(doc: Document, fn: cst.FunctionDef) -> ast.FunctionDef | ast.AsyncFunctionDef:
    line = doc.range_of(fn.name).start.line
    for node in ast.walk(doc.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.name.value \
                and node.lineno <= line <= (node.end_lineno or node.lineno):
            if node.lineno == line:
                return node
    raise CannotFix("the definition could not be matched between the two parsers")


def _ancestors(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.AST]:
    """Innermost first; the last one is the top-level statement (its parent is the Module)."""
    out = []
    while node in parents and not isinstance(parents[node], ast.Module):
        node = parents[node]
        out.append(node)
    return out


def _loops_in_own_scope(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.stmt]:
    loops = []
    while node in parents:
        node = parents[node]
        if isinstance(node, _SCOPES):
            break
        if isinstance(node, _LOOPS):
            loops.append(node)
    return loops


def _move(doc: Document, moved: cst.CSTNode, before: ast.stmt) -> tuple[Edit, ...]:
    """Edits moving a statement to just before the statement `before` (its libcst node found by position)."""
    target = _cst_statement_at(doc, before)
    new_module = doc.module.visit(_Move(moved, target))
    return doc.edits_from_rewrite(new_module.code)


def _cst_statement_at(doc: Document, stmt: ast.stmt) -> cst.CSTNode:
    wanted = (cst.For, cst.While, cst.FunctionDef, cst.ClassDef, cst.If, cst.With, cst.Try, cst.TryStar, cst.Match)
    for node in doc.nodes(cst.BaseCompoundStatement, (stmt.lineno, stmt.lineno)):
        if isinstance(node, wanted):
            rng = doc.range_of(node)
            if rng.start.line == stmt.lineno and rng.start.column == stmt.col_offset:
                return node
    raise CannotFix("the destination statement could not be matched between the two parsers")


class _Move(cst.CSTTransformer):
    def __init__(self, node: cst.CSTNode, before: cst.CSTNode) -> None:
        self.node = node
        self.before = before

    def _body(self, original: tuple[cst.BaseStatement, ...] | list, updated: tuple | list) -> list:
        out: list = []
        for orig, upd in zip(original, updated):
            if orig is self.before:
                out.append(self._placed(orig))
            if orig is self.node:
                continue
            out.append(upd)
        return out

    def _placed(self, before: cst.CSTNode) -> cst.CSTNode:
        # Keep the blank lines that separate top-level statements above the moved definition too.
        blank = [line for line in getattr(before, "leading_lines", ()) if line.comment is None][:2]
        own = [line for line in self.node.leading_lines if line.comment is not None]  # type: ignore[attr-defined]
        return self.node.with_changes(leading_lines=[*blank, *own])

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock) -> cst.IndentedBlock:
        body = self._body(original_node.body, updated_node.body)
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=self._body(original_node.body, updated_node.body))
