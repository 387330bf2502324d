"""HYB001 (suggestion): `print(...)` -> `tf.print(...)`.

Never applied automatically: `tf.print` runs on every call (which is the point) but writes to standard
error by default and formats tensors its own way, so the program's output changes. `sep=` and `end=`
exist in both (TF 2.21 `logging_ops.print_v2` pops `sep`, `end`, `output_stream`); `file=sys.stdout` or
`sys.stderr` becomes `output_stream=`; other files and `flush=` have no `tf.print` equivalent.
"""
from __future__ import annotations

import libcst as cst

from ..model import Edit, Finding
from .document import CannotFix, Document
from .locate import pick, qualify_code, tf_alias

_STREAMS = frozenset({"sys.stdout", "sys.stderr"})


def fix_print(finding: Finding, doc: Document) -> tuple[Edit, ...]:
    calls = [c for c in doc.nodes_near(cst.Call, finding) if isinstance(c.func, cst.Name) and c.func.value == "print"]
    call = pick(doc, finding, calls)
    if call is None:
        return ()
    alias = tf_alias(doc)
    if alias is None:
        raise CannotFix("the module does not import TensorFlow; add `import tensorflow as tf` to use tf.print")
    edits = [doc.edit_for_range(doc.range_of(call.func), f"{alias}.print")]
    for arg in call.args:
        if arg.star == "**":
            raise CannotFix("`**` keywords may hold print-only options")
        if arg.keyword is None:
            continue
        name = arg.keyword.value
        if name == "file":
            if qualify_code(doc, doc.code_for(arg.value)) not in _STREAMS:
                raise CannotFix("tf.print can write to sys.stdout, sys.stderr or a file:// path, not this file")
            edits.append(doc.edit_for_range(doc.range_of(arg.keyword), "output_stream"))
        elif name == "flush":
            raise CannotFix("tf.print has no `flush=`")
    return tuple(edits)
