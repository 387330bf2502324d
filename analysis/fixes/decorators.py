"""Gated fixes that add or remove `tf.function`: HYB021 (hybridize), HYB022/HYB023 (de-hybridize).

These change where code runs (graph or eager), so they are correct only when the rules' preconditions
hold; the rules decide that and mark the fix GATED. The fixers only make sure the edit itself is
mechanical: one decorator line added or removed, the module's own name for TensorFlow used.

Location contract for the rules: HYB021 reports the `def` (`ctx.report(self, fn.node, ...)`), HYB022/023
report the `tf.function` decorator or call (`site.node`) or the `def` of the decorated function.
"""
from __future__ import annotations

import ast

import libcst as cst

from ..model import Edit, Finding
from .document import CannotFix, Document
from .locate import is_tf_function, module_bindings, pick, tf_alias


def function_at(finding: Finding, doc: Document) -> cst.FunctionDef | None:
    """The function whose `def` line or one of whose decorators the finding starts on."""
    for fn in doc.nodes_near(cst.FunctionDef, finding):
        if doc.range_of(fn.name).start.line == finding.line:
            return fn
        for deco in fn.decorators:
            rng = doc.range_of(deco)
            if rng.start.line <= finding.line <= rng.end.line:
                return fn
    return None


def _decorator_target(deco: cst.Decorator) -> cst.BaseExpression:
    expr = deco.decorator
    return expr.func if isinstance(expr, cst.Call) else expr


def tf_function_decorators(doc: Document, fn: cst.FunctionDef) -> list[cst.Decorator]:
    return [d for d in fn.decorators if is_tf_function(doc, doc.code_for(_decorator_target(d)))]


def fix_add_tf_function(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    """HYB021: put a bare `@tf.function` on the function (what the Hybridize refactoring adds)."""
    fn = function_at(finding, doc)
    if fn is None:
        return ()
    if tf_function_decorators(doc, fn):
        return ()  # already hybrid: nothing to do
    if fn.asynchronous is not None:
        raise CannotFix("tf.function cannot wrap an `async def`")
    if fn.decorators:
        raise CannotFix("the function has other decorators; where tf.function goes among them needs a person")
    edits: list[Edit] = []
    alias = tf_alias(doc)
    if alias is None:
        edits.append(_import_tensorflow(doc))
        alias = "tf"
    def_line = doc.range_of(fn).start.line
    indent = doc.line_indent(def_line)
    edits.append(Edit(def_line, 0, def_line, 0, f"{indent}@{alias}.function{doc.newline}"))
    return tuple(edits)


def _import_tensorflow(doc: Document) -> Edit:
    """`import tensorflow as tf` after the module docstring and `from __future__` imports."""
    if "tf" in module_bindings(doc) or any(
        isinstance(n, ast.Name) and n.id == "tf" for n in ast.walk(doc.tree)
    ):
        raise CannotFix("the module uses the name `tf` for something else; import TensorFlow by hand")
    body = doc.tree.body
    index = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        index = 1
    while index < len(body) and isinstance(body[index], ast.ImportFrom) and body[index].module == "__future__":
        index += 1
    text = f"import tensorflow as tf{doc.newline}"
    if index < len(body):
        line = body[index].lineno
        if index > 0 and (body[index - 1].end_lineno or 0) >= line:
            raise CannotFix("the first statements share a line; add `import tensorflow as tf` by hand")
        return Edit(line, 0, line, 0, text)
    end_line, end_col = doc.position(len(doc.text))
    prefix = "" if end_col == 0 else doc.newline
    return Edit(end_line, end_col, end_line, end_col, prefix + text)


def fix_remove_tf_function(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    """HYB022/HYB023: remove the whole `@tf.function(...)` decorator, or unwrap `tf.function(f)` to `f`."""
    fn = function_at(finding, doc)
    if fn is not None:
        decorators = tf_function_decorators(doc, fn)
        if len(decorators) > 1:
            raise CannotFix("the function has more than one tf.function decorator")
        if decorators:
            return (_delete_decorator(doc, decorators[0]),)
    calls = [c for c in doc.nodes_near(cst.Call, finding) if is_tf_function(doc, doc.code_for(c.func))]
    call = pick(doc, finding, calls)
    if call is None:
        return ()
    wrapped = next((a.value for a in call.args if a.keyword is None and not a.star), None)
    if wrapped is None:
        wrapped = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "func"), None)
    if wrapped is None:
        raise CannotFix("the tf.function(...) call names no function to unwrap")
    if any(a.star for a in call.args):
        raise CannotFix("the tf.function(...) call passes * or ** arguments")
    text = doc.code_for(wrapped).strip()
    simple = isinstance(wrapped, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or wrapped.lpar
    if not simple:
        text = f"({text})"
    return (doc.edit_for_range(doc.range_of(call), text),)


def _delete_decorator(doc: Document, deco: cst.Decorator) -> Edit:
    rng = doc.range_of(deco)
    first = doc.offset(rng.start.line, 0)
    if doc.text[first:doc.offset(rng.start.line, rng.start.column)].strip():
        raise CannotFix("the decorator does not start its line")
    # A decorator always ends its line(s) (a trailing comment goes with it); delete them whole.
    end = doc.offset(rng.end.line + 1, 0) if rng.end.line < doc.line_count else len(doc.text)
    return doc.edit_between(first, end, "")
