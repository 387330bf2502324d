"""Gated fixes of HYB008: `@tf.function` -> `@tf.function(reduce_retracing=True)`, or
`@tf.function(input_signature=[tf.TensorSpec([None, ...], dtype), ...])` where the call sites prove every
parameter's rank and dtype (analysis/rules/_input_signature.py).

Location contract: HYB008 reports the varying argument at the call site; when the tf.function is a bare
decorator in the same file, its fix carries the intended one-line edit, whose start line names the
decorator and whose text is the new decorator expression. This codemod finds that decorator with libcst
and rewrites only its expression, so comments and the rest of the line stay; on a decorator that already
passes `reduce_retracing` or an `input_signature` it changes nothing (idempotent).
"""
from __future__ import annotations

import libcst as cst

from ..model import Edit, Finding
from .decorators import tf_function_decorators
from .document import CannotFix, Document

_RELAXING = frozenset({"reduce_retracing", "input_signature"})


def fix_reduce_retracing(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    if finding.fix is None or not finding.fix.edits:
        raise CannotFix("the tf.function is not a bare decorator in this file")
    carried = finding.fix.edits[0]
    for fn in doc.nodes(cst.FunctionDef, (carried.line, carried.line)):
        for deco in tf_function_decorators(doc, fn):
            if doc.range_of(deco.decorator).start.line != carried.line:
                continue
            expr = deco.decorator
            if isinstance(expr, cst.Call):
                if any(a.keyword is not None and a.keyword.value in _RELAXING for a in expr.args):
                    return ()  # already relaxed
                raise CannotFix("the tf.function already has arguments; add reduce_retracing=True by hand")
            text = doc.code_for(expr)
            if not carried.text.startswith(f"{text}(") or not carried.text.endswith(")"):
                raise CannotFix("the decorator changed since the analysis")
            return (doc.edit_for_range(doc.range_of(expr), carried.text),)
    return ()
