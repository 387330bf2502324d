"""Which attribute names a module reads, and whether it reads attributes by computed names (P1-tfmava).

HYB002 does not report a store `self.n = ...` in graph code when nothing can observe it: no code of the
project reads an attribute named `n` (on any object) and no code that may hold the object reads its
attributes by computed names. The module facts carry what that needs:

* `ar` (module field): every attribute name the module reads (`x.n` loaded, `x.n += ...`, the inner links
  of `a.b.c`), and every identifier-like string passed to a call, split at dots (`getattr(x, "n")`,
  `hasattr`, `setattr`, `operator.attrgetter("a.n")`, a helper such as Mava's `safe_del(self, "tape")`),
  in function bodies, class bodies, decorators and parameter defaults. The project keeps the count of
  modules reading each name (`ProjectIndex.attr_reads`).
* `aw` (function record, present when not empty): the attributes a method stores on its own receiver.
* `dyn` (function record, present only when true): attribute access by computed name: `getattr`,
  `hasattr`, `setattr` or `delattr` with a name that is not a string literal, `vars(...)`, `dir(...)`,
  `x.__dict__`, `inspect.getmembers`, and pickling (`pickle`/`dill`/`cloudpickle`/`joblib` `dump(s)`),
  which reads an object's whole `__dict__`.

Strings elsewhere (dict keys, comparisons) are not collected: a name only reaches an attribute through a
call. Reads by code outside the project (a library's users) are not seen: the attribute is then public
API in a library, a case the study judges on real code (bench/precision/patterns.md, P1-tfmava).
"""
from __future__ import annotations

import ast
from ..summary import ClassInfo, ModuleSummary

_BY_NAME = frozenset({"getattr", "hasattr", "setattr", "delattr"})
_WHOLE_OBJECT = frozenset({"vars", "dir"})
_PICKLERS = frozenset({"pickle", "cPickle", "dill", "cloudpickle", "joblib"})


def _identifier_parts(text: str) -> list[str] | None:
    parts = text.split(".")
    return parts if all(p.isidentifier() for p in parts) else None


def call_reads_attributes(call: ast.Call, reads: set[str]) -> bool:
    """Add the identifier-like string arguments of `call` to `reads`; whether the call reads attributes by
    computed names (see the module docstring)."""
    for arg in call.args:
        if type(arg) is ast.Constant and type(arg.value) is str and len(arg.value) < 80:
            parts = _identifier_parts(arg.value)
            if parts:
                reads.update(parts)
    for kw in call.keywords:
        value = kw.value
        if type(value) is ast.Constant and type(value.value) is str and len(value.value) < 80:
            parts = _identifier_parts(value.value)
            if parts:
                reads.update(parts)
    func = call.func
    if type(func) is ast.Name:
        if func.id in _WHOLE_OBJECT:
            return True
        if func.id in _BY_NAME:
            name = call.args[1] if len(call.args) > 1 else None
            return not (type(name) is ast.Constant and type(name.value) is str)
        return False
    if type(func) is ast.Attribute and type(func.value) is ast.Name:
        if func.attr in ("dump", "dumps") and func.value.id in _PICKLERS:
            return True
        return func.attr == "getmembers" and func.value.id == "inspect"
    return False


def outside_bodies(summary: ModuleSummary, reads: set[str]) -> bool:
    """Add the attribute reads of the code no function record walks (class bodies, decorators, parameter
    defaults) to `reads`; whether that code reads attributes by computed names."""
    dynamic = False
    stack = _outside_roots(summary)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Attribute:
            if type(node.ctx) is not ast.Store or node.attr == "__dict__":  # type: ignore[attr-defined]
                reads.add(node.attr)  # type: ignore[attr-defined]
            dynamic = dynamic or node.attr == "__dict__"  # type: ignore[attr-defined]
        elif kind is ast.Call:
            dynamic = call_reads_attributes(node, reads) or dynamic  # type: ignore[arg-type]
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            continue  # a definition nested in a class-level statement: its own record's
        for child in ast.iter_child_nodes(node):
            if type(child) not in _LEAVES:
                stack.append(child)
    return dynamic


# Nodes with nothing to collect below them (the walk's most common nodes).
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Load, ast.Store, ast.Del})


def _outside_roots(summary: ModuleSummary) -> list[ast.AST]:
    classes: dict[int, ClassInfo] = {id(c): c for c in summary.classes.values()}
    roots: list[ast.AST] = []
    for fn in summary.functions:
        if fn.cls is not None:
            classes.setdefault(id(fn.cls), fn.cls)
        node = fn.node
        roots.extend(getattr(node, "decorator_list", ()))
        roots.extend(node.args.defaults)
        roots.extend(d for d in node.args.kw_defaults if d is not None)
    for cls in classes.values():
        roots.extend(cls.node.decorator_list)
        # The methods' bodies are their records' (their decorators and defaults are in `roots` already):
        # most of a class body, skipped without a look at its nodes.
        for st in cls.node.body:
            kind = type(st)
            if kind is ast.AnnAssign:
                if st.value is not None:  # type: ignore[attr-defined]
                    roots.append(st.value)  # type: ignore[attr-defined]  # not the annotation: types, not reads
            elif kind is not ast.FunctionDef and kind is not ast.AsyncFunctionDef:
                roots.append(st)
    return [r for r in roots if type(r) not in _LEAVES]
