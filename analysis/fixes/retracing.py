"""Gated fix of HYB008: `@tf.function` -> `@tf.function(reduce_retracing=True)`.

Location contract: HYB008 reports the varying argument at the call site; when the tf.function is a bare
decorator in the same file, its fix carries the intended one-line edit, whose start line names the
decorator. This codemod finds that decorator with libcst and rewrites only its expression, so comments
and the rest of the line stay; on a decorator that already passes `reduce_retracing` it changes nothing
(idempotent).
"""
from __future__ import annotations

import libcst as cst

from ..model import Edit, Finding
from .decorators import tf_function_decorators
from .document import CannotFix, Document


def fix_reduce_retracing(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    if finding.fix is None or not finding.fix.edits:
        raise CannotFix("the tf.function is not a bare decorator in this file")
    line = finding.fix.edits[0].line
    for fn in doc.nodes(cst.FunctionDef):
        for deco in tf_function_decorators(doc, fn):
            if doc.range_of(deco.decorator).start.line != line:
                continue
            expr = deco.decorator
            if isinstance(expr, cst.Call):
                if any(a.keyword is not None and a.keyword.value == "reduce_retracing" for a in expr.args):
                    return ()  # already relaxed
                raise CannotFix("the tf.function already has arguments; add reduce_retracing=True by hand")
            text = doc.code_for(expr)
            return (doc.edit_for_range(doc.range_of(expr), f"{text}(reduce_retracing=True)"),)
    return ()
