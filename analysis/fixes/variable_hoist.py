"""HYB004 (gated): create a variable once — in `__init__` or at module level — instead of on every trace.

    class Scale(tf.Module):                      class Scale(tf.Module):
        def __init__(self):                          def __init__(self):
            self.k = 2.0                                 self.k = 2.0
                                            ->           self._w = tf.Variable([1.0, 2.0])
        @tf.function
        def __call__(self, x):                       @tf.function
            w = tf.Variable([1.0, 2.0])  # c         def __call__(self, x):
            return x * w                                 w = self._w  # c
                                                         return x * w

A module-level function gets `_<function>_<name> = tf.Variable(...)` just above it (above its
decorators and comments). The preconditions (`variable_hoist_plan`) are the rule's: the fixer
re-checks them on the file it edits and refuses (CannotFix) when one fails. Location contract: HYB004
reports the constructor call; at that position after the fix there is no constructor any more, so a
second application changes nothing.
"""
from __future__ import annotations

import ast

import libcst as cst

from ..model import Edit, Finding
from .document import CannotFix, Document
from .locate import import_table
from .variable_hoist_plan import HoistPlan, plan_variable_hoist


def fix_hoist_variable(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    parents = doc.ast_parents
    call = next((n for n in ast.walk(doc.tree) if isinstance(n, ast.Call)
                 and (n.lineno, n.col_offset + 1) == (finding.line, finding.col)), None)
    if call is None:
        return ()  # no constructor where the finding was: already moved
    chain = []
    node: ast.AST = call
    while node in parents:
        node = parents[node]
        chain.append(node)
    fn = next((n for n in chain if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
    if fn is None:
        return ()
    above = parents.get(fn)
    cls = above if isinstance(above, ast.ClassDef) else None
    top = chain[-2]  # the last one is the Module
    plan = plan_variable_hoist(doc.tree, fn, cls, top, call, parents.get(call), import_table(doc).qualify)
    if isinstance(plan, str):
        raise CannotFix(plan)
    statement = _cst_at(doc, cst.SimpleStatementLine, parents[call])  # type: ignore[arg-type]
    assign = statement.body[0]
    creation = doc.code_for(assign.value)  # type: ignore[attr-defined]
    if plan.destination == "init":
        init = next(s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__")  # type: ignore[union-attr]
        owner = init.args.args[0].arg
        self_name = fn.args.args[0].arg
        transformer = _Hoist(assign, cst.parse_expression(f"{self_name}.{plan.new_name}"),
                             init=_cst_at(doc, cst.FunctionDef, init),
                             created=f"{owner}.{plan.new_name} = {creation}\n")
    else:
        transformer = _Hoist(assign, cst.Name(plan.new_name), top=_cst_at(doc, cst.BaseCompoundStatement, top),
                             created=f"{plan.new_name} = {creation}\n")
    return doc.edits_from_rewrite(doc.module.visit(transformer).code)


def _cst_at(doc: Document, kind: type, node: ast.stmt) -> cst.CSTNode:
    """The libcst statement of `kind` that starts where the `ast` statement does (both put a decorated
    definition at its `def` line)."""
    line = node.lineno
    for candidate in doc.nodes(kind, (line, line)):
        rng = doc.range_of(candidate)
        if rng.start.line == line and doc.char_col(line, node.col_offset) == rng.start.column:
            return candidate
    raise CannotFix("the statement could not be matched between the two parsers")


class _Hoist(cst.CSTTransformer):
    def __init__(self, assign: cst.Assign, replacement: cst.BaseExpression, *, created: str,
                 init: cst.CSTNode | None = None, top: cst.CSTNode | None = None) -> None:
        self.assign, self.replacement, self.created = assign, replacement, created
        self.init, self.top = init, top

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        if original_node is self.assign:
            return updated_node.with_changes(value=self.replacement)
        return updated_node

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if original_node is not self.init or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = updated_node.body
        return updated_node.with_changes(body=body.with_changes(body=[*body.body, cst.parse_statement(self.created)]))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if self.top is None:
            return updated_node
        out: list[cst.BaseStatement] = []
        for orig, upd in zip(original_node.body, updated_node.body):
            if orig is self.top:
                lines = list(upd.leading_lines)
                blank = [line for line in lines if line.comment is None][:2]
                comments = [line for line in lines if line.comment is not None]
                out.append(cst.parse_statement(self.created).with_changes(leading_lines=blank))
                upd = upd.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *comments])
            out.append(upd)
        return updated_node.with_changes(body=out)


__all__ = ["HoistPlan", "fix_hoist_variable"]
