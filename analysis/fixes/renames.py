"""Safe renames (and removals) of deprecated TensorFlow names: HYB010, HYB011, HYB012, HYB025.

Each fixer edits only the tokens it must (the keyword name, or the attribute name); the value and
everything around it, comments and line breaks included, stay as written. Whether the project's
TensorFlow has the new name is decided by the rule (`ctx.min_tf_version`, thresholds in
analysis/tfversion.py); the fixers check what makes a rename non-mechanical whatever the version.
"""
from __future__ import annotations

import ast

import libcst as cst

from ..model import Edit, Finding
from .document import CannotFix, Document
from .locate import pick

# Literals for which `if experimental_relax_shapes:` is false: the keyword then has no effect at all.
_FALSY_NAMES = frozenset({"False", "None"})


def _keyword_arg(finding: Finding, doc: Document, keyword: str) -> tuple[cst.Call, cst.Arg] | None:
    if keyword not in doc.text:
        # Nothing to rename (the fix is applied: the engine's re-application check asks exactly this),
        # known without parsing the file with libcst.
        return None
    pairs = [(call, arg) for call in doc.nodes_near(cst.Call, finding) for arg in call.args
             if arg.keyword is not None and arg.keyword.value == keyword]
    chosen = pick(doc, finding, pairs, anchor=lambda pair: pair[1])
    if chosen is None:
        # A finding on the whole call: the smallest call covering it that has the keyword.
        calls = [call for call, _ in pairs]
        call = pick(doc, finding, calls)
        if call is None:
            return None
        chosen = next(pair for pair in pairs if pair[0] is call)
    return chosen


def _check_call(call: cst.Call, new_keyword: str, old_keyword: str) -> None:
    names = {a.keyword.value for a in call.args if a.keyword is not None}
    if new_keyword in names:
        raise CannotFix(f"`{new_keyword}` is passed too; merge `{old_keyword}` into it by hand")
    if any(a.star == "**" for a in call.args):
        # `**options` may already hold the new name, and passing it twice raises TypeError.
        raise CannotFix(f"the call also passes `**` keywords, which may hold `{new_keyword}`")


def _is_falsy_literal(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Name) and value.value in _FALSY_NAMES:
        return True
    if isinstance(value, cst.Integer):
        try:
            return int(value.value.replace("_", ""), 0) == 0
        except ValueError:
            return False
    return False


def _is_true_literal(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "True" and not value.lpar


def _rebinds_bool(doc: Document) -> bool:
    """Whether the module binds the name `bool` anywhere (then `bool(X)` would not be the builtin)."""
    for node in ast.walk(doc.tree):
        if isinstance(node, ast.Name) and node.id == "bool" and not isinstance(node.ctx, ast.Load):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == "bool":
            return True
        if isinstance(node, ast.arg) and node.arg == "bool":
            return True
        if isinstance(node, ast.alias) and (node.asname or node.name) == "bool":
            return True
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            return True  # a star import could bring any name
    return False


def fix_relax_shapes(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    """HYB010: `experimental_relax_shapes=X` -> `reduce_retracing=X`.

    TF 2.21's `tf.function` does `if experimental_relax_shapes: reduce_retracing = True`, and
    `reduce_retracing` defaults to False, so: a falsy literal is dropped, `True` is renamed, and any other
    value keeps its truthiness test as `reduce_retracing=bool(X)`.
    """
    found = _keyword_arg(finding, doc, "experimental_relax_shapes")
    if found is None:
        return ()
    call, arg = found
    _check_call(call, "reduce_retracing", "experimental_relax_shapes")
    rename = doc.edit_for_range(doc.range_of(arg.keyword), "reduce_retracing")  # type: ignore[arg-type]
    if _is_falsy_literal(arg.value):
        drop = _drop_argument(doc, call, arg)
        start, end = doc.span(drop)
        # Dropping must not delete a comment written beside the keyword: keep it and rename instead.
        return (rename,) if "#" in doc.text[start:end] else (drop,)
    if _is_true_literal(arg.value):
        return (rename,)
    if _rebinds_bool(doc):
        raise CannotFix("the module rebinds `bool`, so `reduce_retracing=bool(...)` would not call the builtin")
    if arg.value.lpar:
        # `(a or b)` is already parenthesized: `bool(a or b)` needs only the name in front.
        paren = doc.range_of(arg.value.lpar[0]).start
        return rename, Edit(paren.line, paren.column, paren.line, paren.column, "bool")
    value = doc.range_of(arg.value)
    return (
        rename,
        Edit(value.start.line, value.start.column, value.start.line, value.start.column, "bool("),
        Edit(value.end.line, value.end.column, value.end.line, value.end.column, ")"),
    )


def _drop_argument(doc: Document, call: cst.Call, arg: cst.Arg) -> Edit:
    """An edit deleting a keyword argument with its comma, keeping the call's layout.

    An argument alone on its line(s) goes with its whole lines; an inline one takes the following
    argument's place, or (when last) takes the preceding comma with it.
    """
    args = list(call.args)
    index = args.index(arg)
    rng = doc.range_of(arg)
    start = doc.offset(rng.start.line, rng.start.column)
    end = doc.offset(rng.end.line, rng.end.column)
    text = doc.text
    after = end
    if isinstance(arg.comma, cst.Comma):
        comma = doc.range_of(arg.comma)
        after = doc.offset(comma.end.line, comma.end.column)
    line_start = doc.line_starts[rng.start.line - 1]
    last_line_end = doc.offset(rng.end.line + 1, 0) if rng.end.line < doc.line_count else len(text)
    alone_on_lines = not text[line_start:start].strip() and not text[after:last_line_end].strip()
    if alone_on_lines and rng.start.line != doc.range_of(call).start.line:
        return doc.edit_between(line_start, last_line_end, "")
    if index + 1 < len(args):
        nxt = doc.range_of(args[index + 1])
        return doc.edit_between(start, doc.offset(nxt.start.line, nxt.start.column), "")
    if index > 0:
        prev = doc.range_of(args[index - 1])
        return doc.edit_between(doc.offset(prev.end.line, prev.end.column), after, "")
    return doc.edit_between(start, after, "")


def fix_experimental_compile(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    """HYB011: `experimental_compile=X` -> `jit_compile=X`.

    TF 2.21 passes `deprecated_argument_lookup("jit_compile", jit_compile, "experimental_compile",
    experimental_compile)` on: the old value is used verbatim when `jit_compile` is absent, so the value
    needs no change. (The lookup raises when both are given, hence `_check_call`.)
    """
    found = _keyword_arg(finding, doc, "experimental_compile")
    if found is None:
        return ()
    call, arg = found
    _check_call(call, "jit_compile", "experimental_compile")
    return (doc.edit_for_range(doc.range_of(arg.keyword), "jit_compile"),)  # type: ignore[arg-type]


def fix_run_functions_eagerly(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    """HYB012: `tf.config.experimental_run_functions_eagerly` -> `tf.config.run_functions_eagerly`.

    In TF 2.21 the experimental function's body is `return run_functions_eagerly(run_eagerly)` under a
    `@deprecation.deprecated` decorator: the only observable difference is the deprecation warning.
    """
    if "experimental_run_functions_eagerly" not in doc.text:
        return ()  # nothing to rename, known without a libcst parse (see `_keyword_arg`)
    attrs = [a for a in doc.nodes_near(cst.Attribute, finding) if a.attr.value == "experimental_run_functions_eagerly"]
    attr = pick(doc, finding, attrs)
    if attr is None:
        names = [n for n in doc.nodes_near(cst.Name, finding) if n.value == "experimental_run_functions_eagerly"]
        if pick(doc, finding, names) is not None:
            raise CannotFix("the function is imported by name; rename the import and its uses together")
        return ()
    return (doc.edit_for_range(doc.range_of(attr.attr), "run_functions_eagerly"),)


def fix_gather_validate_indices(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    """HYB025: delete `validate_indices=...` from a tf.gather call (TF 2.21: `del validate_indices`)."""
    found = _keyword_arg(finding, doc, "validate_indices")
    if found is None:
        return ()
    call, arg = found
    return (_drop_argument(doc, call, arg),)
