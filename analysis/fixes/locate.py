"""Finding the libcst node a finding is about, and the names a module binds to TensorFlow.

Rules report positions from the stdlib `ast` (1-based line, UTF-8 byte column + 1); fixers work on the
libcst tree of the same text. A node matches a finding when it lies inside the finding's range (a
keyword reported by its `ast.keyword`), or else when it is the smallest candidate covering the finding's
start (a finding on a whole call or decorator).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from ..imports import TF_FUNCTION, ImportTable
from ..model import Finding

if TYPE_CHECKING:  # only annotations here: HYB004's rule imports this module's name helpers on every run
    from .document import Document

N = TypeVar("N")
Pos = tuple[int, int]


def _bounds(doc: Document, node: object) -> tuple[Pos, Pos]:
    rng = doc.range_of(node)  # type: ignore[arg-type]
    return (rng.start.line, rng.start.column), (rng.end.line, rng.end.column)


def pick(doc: Document, finding: Finding, candidates: Sequence[N],
         anchor: Callable[[N], object] = lambda n: n) -> N | None:
    """The candidate the finding is about (see the module docstring), or None."""
    start, end = doc.finding_start(finding), doc.finding_end(finding)
    inside = [c for c in candidates if start <= _bounds(doc, anchor(c))[0] and _bounds(doc, anchor(c))[1] <= end]
    if inside:
        return inside[0]
    covering = []
    for c in candidates:
        lo, hi = _bounds(doc, anchor(c))
        if lo <= start <= hi:
            covering.append((doc.offset(*hi) - doc.offset(*lo), c))
    if covering:
        return min(covering, key=lambda item: item[0])[1]
    return None


def import_table(doc: Document) -> ImportTable:
    """Every import of the module, wherever it is written (as the analysis's summary does)."""
    key = "imports"
    if key not in doc._metadata:
        table = ImportTable(module="")
        for node in ast.walk(doc.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                table.add_import(node)
        doc._metadata[key] = table
    return doc._metadata[key]


def qualify_code(doc: Document, code: str) -> str | None:
    """Qualified name of a dotted expression written as code (`tf.function` -> `tensorflow.function`)."""
    try:
        expr = ast.parse(code.strip(), mode="eval").body
    except SyntaxError:
        return None
    return import_table(doc).qualify(expr)


def is_tf_function(doc: Document, code: str) -> bool:
    return qualify_code(doc, code) in TF_FUNCTION


def module_bindings(doc: Document) -> set[str]:
    """Names bound anywhere at module level (imports, defs, classes, assignments, loop targets)."""
    key = "module_bindings"
    if key not in doc._metadata:
        names: set[str] = set()
        for st in doc.tree.body:
            names |= bound_names([st])
        doc._metadata[key] = names
    return doc._metadata[key]


def tf_alias(doc: Document) -> str | None:
    """A module-level name bound to the `tensorflow` module (`tf` preferred), or None."""
    candidates = []
    for st in _module_level_statements(doc.tree.body):
        if isinstance(st, ast.Import):
            for alias in st.names:
                if alias.name in ("tensorflow", "tensorflow.compat.v2") and alias.asname:
                    candidates.append(alias.asname)
                elif alias.name == "tensorflow" and not alias.asname:
                    candidates.append("tensorflow")
        elif isinstance(st, ast.ImportFrom) and st.module == "tensorflow.compat" and st.level == 0:
            candidates += [a.asname or a.name for a in st.names if a.name == "v2"]
    if not candidates:
        return None
    return "tf" if "tf" in candidates else candidates[0]


def _module_level_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for st in body:
        out.append(st)
        if isinstance(st, ast.Try):
            out += _module_level_statements(st.body)
        elif isinstance(st, ast.If):
            out += _module_level_statements(st.body)
    return out


def bound_names(stmts: Sequence[ast.stmt]) -> set[str]:
    """Names the statements bind in their own scope (not inside nested functions, classes, lambdas or
    comprehensions, which have scopes of their own; walrus targets in comprehensions do leak and count)."""
    names: set[str] = set()
    stack: list[ast.AST] = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            stack.extend(node.decorator_list)
            if not isinstance(node, ast.ClassDef):
                stack.extend(_argument_expressions(node.args))
            else:
                stack.extend(node.bases)
                stack.extend(k.value for k in node.keywords)
            continue
        if isinstance(node, ast.Lambda):
            stack.extend(_argument_expressions(node.args))
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            for sub in ast.walk(node):
                if isinstance(sub, ast.NamedExpr) and isinstance(sub.target, ast.Name):
                    names.add(sub.target.id)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    names.add(alias.asname or alias.name.split(".", 1)[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        stack.extend(ast.iter_child_nodes(node))
    return names


def _argument_expressions(args: ast.arguments) -> list[ast.expr]:
    """Defaults and annotations: evaluated where the function is defined, not in its own scope."""
    out: list[ast.expr] = [d for d in args.defaults] + [d for d in args.kw_defaults if d is not None]
    for a in args.posonlyargs + args.args + args.kwonlyargs + [x for x in (args.vararg, args.kwarg) if x]:
        if a.annotation is not None:
            out.append(a.annotation)
    return out


def free_names(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """Names the function's body (and its nested scopes) read from outside itself.

    Defaults, annotations and decorators are not included: they are evaluated in the enclosing scope;
    see `definition_time_names`.
    """
    params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    params |= {a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None}
    body = fn.body if isinstance(fn.body, list) else [ast.Return(fn.body)]
    declared_global = {n for st in body for node in ast.walk(st) if isinstance(node, (ast.Global, ast.Nonlocal))
                       for n in node.names}
    local = (bound_names(body) | params) - declared_global
    used: set[str] = set(declared_global)
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            used |= free_names(node)
            used |= names_in(_argument_expressions(node.args))
            if not isinstance(node, ast.Lambda):
                used |= names_in(node.decorator_list)
                if node.returns is not None:
                    used |= names_in([node.returns])
            continue
        if isinstance(node, ast.ClassDef):
            used |= names_in(node.bases + node.decorator_list + [k.value for k in node.keywords])
            class_body = node.body
            used |= {n for st in class_body for n in _class_body_reads(st)} - bound_names(class_body)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            used.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return used - local


def _class_body_reads(st: ast.stmt) -> set[str]:
    reads: set[str] = set()
    for node in ast.walk(st):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            reads.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            reads |= free_names(node)
    return reads


def names_in(exprs: Sequence[ast.AST]) -> set[str]:
    """Names read by expressions, where they stand: a lambda contributes only its free names and a
    comprehension not its own loop variables."""
    out: set[str] = set()
    stack: list[ast.AST] = list(exprs)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            out |= free_names(node)
            stack.extend(_argument_expressions(node.args))
            stack.extend(getattr(node, "decorator_list", ()))
            continue
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            # The first iterable is evaluated outside the comprehension; the rest inside it.
            out |= names_in([node.generators[0].iter])
            inner = [g.iter for g in node.generators[1:]] + [c for g in node.generators for c in g.ifs]
            inner += [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            out |= names_in(inner) - targets
            continue
        if isinstance(node, ast.Name):
            out.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return out


def definition_time_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names evaluated when the `def` statement runs: decorators, defaults, annotations."""
    exprs: list[ast.AST] = list(fn.decorator_list) + _argument_expressions(fn.args)
    if fn.returns is not None:
        exprs.append(fn.returns)
    return names_in(exprs)
