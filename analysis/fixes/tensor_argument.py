"""HYB006 (gated): pass `tf.constant(value)` instead of a Python number that changes every call.

Location contract: HYB006 reports the argument expression at the call site and carries the intended edit
(`tf.constant(<argument>)`, written with the module's TensorFlow alias). This codemod finds that
argument with libcst and wraps it, keeping everything around it; on an argument that already is a
`tf.constant(...)` call it changes nothing (idempotent).
"""
from __future__ import annotations

import libcst as cst

from ..model import Edit, Finding
from .document import CannotFix, Document
from .locate import pick, qualify_code


def fix_tensor_argument(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    if finding.fix is None or not finding.fix.edits:
        raise CannotFix("the module does not import TensorFlow under a name the edit can use")
    args = [a for a in doc.nodes_near(cst.Arg, finding) if a.keyword is None and not a.star]
    arg = pick(doc, finding, args, anchor=lambda a: a.value)
    if arg is None:
        return ()
    value = arg.value
    if isinstance(value, cst.Call) and qualify_code(doc, doc.code_for(value.func)) == "tensorflow.constant":
        return ()  # already a tensor
    carried = finding.fix.edits[0].text
    text = doc.code_for(value)
    if not carried.endswith(f"({text})"):
        raise CannotFix("the argument changed since the analysis")
    return (doc.edit_for_range(doc.range_of(value), carried),)
