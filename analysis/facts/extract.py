"""Local facts of one module, in ONE pass over each function body, as plain data (no AST).

The result (`ModuleFacts`, a dict of str/int/tuple/list/dict/None) is what the on-disk cache stores and
what the project-level fixpoints (`project_facts.py`) run over, so a warm re-analysis never needs the
trees of unchanged files. Everything that depends on other modules (what a call refers to, whether a
parameter is a tensor) is recorded *symbolically* here and resolved later:

* a reference `ref` is the dotted chain a call or callback is written with, as a tuple of names:
  `("helper",)`, `("self", "dense")`, `("utils", "helper")`, `("super", "call")`; None when the callee
  is not a name chain (`f()()`, `fns[0](x)`);
* a value kind is one of the strings in `KINDS` or a tuple `("p", name)` (the value of parameter
  `name`) or `("r", ref)` (the result of calling `ref`).

Record layouts are documented where they are built (`FunctionWalker.record`, function_walker.py).
"""
from __future__ import annotations

import ast
from typing import Any

from ..summary import ModuleSummary
from . import precondition_scans
from .attribute_uses import outside_bodies
from .function_walker import FunctionWalker
from .module_records import (
    class_records, dunder_all, module_constants, module_tensors, nested_class_records, unresolved_hybrid_sites,
)

# Bump when the shape or meaning of the records changes: it is part of every cache key.
FACTS_VERSION = 13


def extract_module(summary: ModuleSummary) -> dict[str, Any]:
    """The module's facts: imports, classes, and one record per function plus one for module level."""
    index_of = {id(fn): i for i, fn in enumerate(summary.functions)}
    consts = module_constants(summary.source.tree)
    top = FunctionWalker(summary, None, consts)
    top.walk(summary.source.tree.body, module_level=True)
    # Functions read module-level tensors and datasets (`X = tf.random.normal(...)`, `DATASET = ...batch(32)`)
    # as globals: passing one passes a tensor (issue 15).
    consts = {**consts, **module_tensors(summary.source.tree, top.kinds)}
    records = []
    reads: set[str] = set()  # attribute names the module reads (attribute_uses.py)
    for fn in summary.functions:
        walker = FunctionWalker(summary, fn, consts)
        node = fn.node
        walker.walk([node.body] if isinstance(node, ast.Lambda) else node.body)  # type: ignore[list-item]
        record = walker.record(index_of)
        record.update(precondition_scans.scan(summary, fn, walker.scanned, walker.stores))  # badn/titer
        records.append(record)
        reads |= walker.attr_reads
    if outside_bodies(summary, reads):
        top.attr_dynamic = True
    reads |= top.attr_reads
    records.append(top.record(index_of))
    classes = class_records(summary, index_of)
    nested_classes = nested_class_records(summary, index_of)
    return {
        "v": FACTS_VERSION, "path": summary.path, "module": summary.module, "pkg": summary.imports.is_package,
        "imports": dict(summary.imports.names), "stars": list(summary.imports.star_modules),
        "classes": classes, "nclasses": nested_classes,
        "top": {name: index_of[id(fn)] for name, fn in summary.top_functions.items() if id(fn) in index_of},
        "aliases": {name: index_of[id(fn)] for name, fn in summary.hybrid_aliases.items() if id(fn) in index_of},
        "hsites": unresolved_hybrid_sites(summary, index_of),
        "all": dunder_all(summary.source.tree),
        "fns": records,
        "ar": sorted(reads),
        "lines": len(summary.source.lines),
    }
