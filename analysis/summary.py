"""One pass over a module's statements: its imports, functions, classes and uses of `tf.function`.

Only statements are visited here, not every expression: statements are about a tenth of a tree's nodes,
which is what keeps the whole-repository pass close to the cost of parsing (see bench/RESULTS.md).
Expressions are inspected only where a cheap text test says they may hold a `tf.function(...)` call.
Function bodies are walked in full later, and only for functions in graph context (`body.py`).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, fields
from typing import Iterator

from .imports import TF_FUNCTION, ImportTable
from .source import SourceFile

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda

# Keras wraps these in a tf.function when a model is trained, evaluated or used for prediction
# (keras.src.backend.tensorflow.trainer: make_train_function), unless run_eagerly=True.
KERAS_TRACED_METHODS = frozenset({"train_step", "test_step", "predict_step"})
KERAS_MODEL_BASES = frozenset({"keras.Model", "keras.models.Model", "keras.Sequential", "keras.models.Sequential"})


def parameter_names(fn: FunctionNode) -> list[str]:
    """All parameter names in order: positional-only, positional, keyword-only, *args, **kwargs."""
    args = fn.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg:
        names.append(args.vararg.arg)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return names


@dataclass(eq=False)
class HybridSite:
    """One use of tf.function: a decorator or a call `tf.function(fn, ...)`."""

    node: ast.expr  # the decorator expression or the Call node
    kind: str  # "decorator" | "call" | "keras"
    keywords: dict[str, ast.expr]
    target: "FunctionInfo | None" = None  # the function made hybrid, when known
    target_expr: ast.expr | None = None  # first argument of tf.function(...) for calls
    enclosing: "FunctionInfo | None" = None  # function the site is written in (None at module level)
    in_loop: bool = False  # lexically inside a for/while body of its enclosing scope


@dataclass(eq=False)
class ClassInfo:
    name: str
    qualname: str
    node: ast.ClassDef
    bases: list[str | None]  # qualified names of the bases (None when unresolvable)
    base_names: list[str]  # bases as written, for same-module lookup
    methods: dict[str, "FunctionInfo"] = field(default_factory=dict)


@dataclass(eq=False)
class FunctionInfo:
    name: str
    qualname: str  # "Class.method", "outer.inner", "<lambda:12>"
    node: FunctionNode
    module: "ModuleSummary"
    parent: "FunctionInfo | None" = None
    cls: ClassInfo | None = None
    hybrid: HybridSite | None = None
    nested: dict[str, "FunctionInfo"] = field(default_factory=dict)

    @property
    def line(self) -> int:
        return self.node.lineno

    @property
    def params(self) -> list[str]:
        return parameter_names(self.node)

    @property
    def is_method(self) -> bool:
        return self.cls is not None and self.parent is None

    def __repr__(self) -> str:
        return f"<FunctionInfo {self.module.path}:{self.qualname}>"


@dataclass(eq=False)
class ModuleSummary:
    path: str
    module: str
    source: SourceFile
    imports: ImportTable
    functions: list[FunctionInfo] = field(default_factory=list)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    top_functions: dict[str, FunctionInfo] = field(default_factory=dict)
    hybrid_sites: list[HybridSite] = field(default_factory=list)
    # Module-level names bound to a hybrid wrapper: `step = tf.function(train_step)`.
    hybrid_aliases: dict[str, FunctionInfo] = field(default_factory=dict)

    def unlink(self) -> None:
        """Break this summary's reference cycles, for a caller done with it (`Project.release`): each
        function names its module, a class holds its methods and they their class, a hybrid site and its
        function name each other. Left linked, the summary and its whole tree wait for the cyclic
        collector, whose next pass walks every object of the run: 740,000 objects and 1.4-1.7 s of CPU
        after the bench's cold review, paid by the worker's next call (the follow-up's fix plan),
        against 0.08 s for reference counting to free them (bench/RESULTS.md, "fupfast"). The summary is
        unusable afterwards."""
        for info in self.functions:
            info.module = None  # type: ignore[assignment]
            info.parent = info.cls = info.hybrid = None
            info.nested = {}
        for cls in self.classes.values():
            cls.methods = {}
        for site in self.hybrid_sites:
            site.target = site.enclosing = None
        self.functions, self.hybrid_sites = [], []
        self.classes, self.top_functions, self.hybrid_aliases = {}, {}, {}
        # Memos set on the summary (rules use ModuleContext.shared; the fact extractor's `_facts_qcache`).
        for name in [n for n in vars(self) if n not in _SUMMARY_FIELDS]:
            delattr(self, name)

    def find_method(self, cls: ClassInfo, name: str, _seen: set[str] | None = None) -> FunctionInfo | None:
        """Method lookup through the class and its same-module bases (MRO order approximated depth-first)."""
        if name in cls.methods:
            return cls.methods[name]
        seen = _seen or set()
        seen.add(cls.qualname)
        for base in cls.base_names:
            base_cls = self.classes.get(base)
            if base_cls is not None and base_cls.qualname not in seen:
                found = self.find_method(base_cls, name, seen)
                if found is not None:
                    return found
        return None


_SUMMARY_FIELDS = frozenset(f.name for f in fields(ModuleSummary))


def module_name_for(path: str, package_dirs: frozenset[str] | None = None) -> tuple[str, bool]:
    """Dotted module name of a repository path, and whether it is a package `__init__`.

    With `package_dirs` (directories holding an `__init__.py`), leading directories that are not
    packages (`src/`, a repository folder) are dropped, so `src/pkg/mod.py` is `pkg.mod`.
    """
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    if package_dirs is not None:
        # Keep the longest run of package directories that ends at the file's own directory.
        keep = len(parts) - (0 if is_package else 1)
        start = keep
        # The directory of the file, then of each parent: cut at its last "/" (a run asks this for
        # every file of the repository; splitting the path again per level cost as much as the rest).
        directory = path.rpartition("/")[0] if "/" in path else ""
        while start > 0 and directory in package_dirs:
            start -= 1
            directory = directory.rpartition("/")[0]
        parts = parts[start:]
    return ".".join(p for p in parts if p), is_package


_COMPOUND_BODIES = ("body", "orelse", "finalbody")


class _Builder:
    def __init__(self, summary: ModuleSummary, tf_call_pattern: re.Pattern[str] | None) -> None:
        self.s = summary
        self.imports = summary.imports
        self.tf_call_pattern = tf_call_pattern
        self.call_lines: set[int] = set()  # lines that may hold a tf.function(...) call (text pre-filter)
        # Module-level `name = tf.function(g)`: resolved to g once every definition is known.
        self.pending_aliases: list[tuple[str, HybridSite]] = []

    # ---- statements -------------------------------------------------------------------------
    def body(self, stmts: list[ast.stmt], fn: FunctionInfo | None, cls: ClassInfo | None,
             prefix: str, in_loop: bool) -> None:
        for st in stmts:
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(st, fn, cls, prefix, in_loop)
            elif isinstance(st, ast.ClassDef):
                self.klass(st, fn, prefix, in_loop)
            elif isinstance(st, (ast.Import, ast.ImportFrom)):
                # Imports inside functions or `try` blocks count too (`try: import tensorflow as tf`).
                self.imports.add_import(st)
            else:
                if stmts is self.s.source.tree.body:
                    # Only unconditional module-level bindings shadow an import: `except ImportError:
                    # tf = None` must not hide `import tensorflow as tf`.
                    self._module_binding(st)
                if self.call_lines and (st.lineno in self.call_lines or self._spans_call_line(st)):
                    self.scan_calls(st, fn, in_loop)
                loop = in_loop or isinstance(st, (ast.For, ast.AsyncFor, ast.While))
                for name in _COMPOUND_BODIES:
                    sub = getattr(st, name, None)
                    if sub:
                        self.body(sub, fn, cls, prefix, loop if name == "body" else in_loop)
                if isinstance(st, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                    for handler in st.handlers:
                        self.body(handler.body, fn, cls, prefix, in_loop)
                elif isinstance(st, ast.Match):
                    for case in st.cases:
                        self.body(case.body, fn, cls, prefix, in_loop)

    def _spans_call_line(self, st: ast.stmt) -> bool:
        end = getattr(st, "end_lineno", st.lineno) or st.lineno
        if end == st.lineno:
            return False
        # Compound statements: only their header counts here, bodies are visited on their own.
        if isinstance(st, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.Match)):
            return False
        return any(st.lineno <= line <= end for line in self.call_lines)

    def _module_binding(self, st: ast.stmt) -> None:
        targets: list[ast.expr] = []
        if isinstance(st, ast.Assign):
            targets = st.targets
        elif isinstance(st, (ast.AnnAssign, ast.AugAssign)):
            targets = [st.target]
        for target in targets:
            if isinstance(target, ast.Name):
                alias = _api_alias(self.imports, st.value) if isinstance(st, ast.Assign) and len(targets) == 1 else None
                if alias is not None:
                    self.imports.names[target.id] = alias  # `ks = tf.keras`: another name for the same API
                else:
                    self.imports.bind_local(target.id)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: FunctionInfo | None,
                 cls: ClassInfo | None, prefix: str, in_loop: bool) -> FunctionInfo:
        qualname = f"{prefix}{node.name}"
        info = FunctionInfo(node.name, qualname, node, self.s, parent=parent, cls=cls if parent is None else None)
        self.s.functions.append(info)
        if parent is not None:
            parent.nested[node.name] = info
        elif cls is not None:
            # `@name.setter`/`@name.deleter` share the property's name: a read of `obj.name` calls the
            # getter, so the setter must not replace it in the method table.
            if node.name not in cls.methods or not _is_property_accessor(node):
                cls.methods[node.name] = info
        else:
            self.s.top_functions[node.name] = info
            self.imports.bind_local(node.name)
        for deco in node.decorator_list:
            func = deco.func if isinstance(deco, ast.Call) else deco
            is_tf_function = self.imports.qualify(func) in TF_FUNCTION
            if self.call_lines:
                # `@tf.function(...)` is the decorator site below, not also a call site (that reported its
                # keywords twice): only calls inside its arguments are scanned.
                held = [*deco.args, *(k.value for k in deco.keywords)] if is_tf_function and isinstance(deco, ast.Call) else [deco]
                for part in held:
                    self.scan_calls(part, parent, in_loop)
            if is_tf_function:
                keywords = {k.arg: k.value for k in deco.keywords if k.arg} if isinstance(deco, ast.Call) else {}
                site = HybridSite(deco, "decorator", keywords, target=info, enclosing=parent, in_loop=in_loop)
                info.hybrid = site
                self.s.hybrid_sites.append(site)
        if (
            info.hybrid is None
            and cls is not None
            and parent is None
            and node.name in KERAS_TRACED_METHODS
            and any(b in KERAS_MODEL_BASES for b in cls.bases if b)
        ):
            info.hybrid = HybridSite(node, "keras", {}, target=info)
        self.body(node.body, info, None, qualname + ".", False)
        return info

    def klass(self, node: ast.ClassDef, parent: FunctionInfo | None, prefix: str, in_loop: bool) -> None:
        qualname = f"{prefix}{node.name}"
        bases = [self.imports.qualify(b) for b in node.bases]
        base_names = [b.id if isinstance(b, ast.Name) else (b.attr if isinstance(b, ast.Attribute) else "")
                      for b in node.bases]
        info = ClassInfo(node.name, qualname, node, bases, base_names)
        if parent is None:
            self.s.classes.setdefault(node.name, info)
            self.imports.bind_local(node.name)
        self.body(node.body, parent, info, qualname + ".", in_loop)

    # ---- tf.function(...) calls inside expressions ------------------------------------------
    def scan_calls(self, root: ast.AST, fn: FunctionInfo | None, in_loop: bool) -> None:
        for node in ast.walk(root):
            if isinstance(node, ast.Call) and self.imports.qualify(node.func) in TF_FUNCTION:
                self.call_site(node, fn, in_loop, root)

    def call_site(self, call: ast.Call, fn: FunctionInfo | None, in_loop: bool, stmt: ast.AST) -> None:
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        target_expr = call.args[0] if call.args else keywords.get("func")
        site = HybridSite(call, "call", keywords, target_expr=target_expr, enclosing=fn, in_loop=in_loop)
        self.s.hybrid_sites.append(site)
        if isinstance(target_expr, ast.Lambda):
            info = FunctionInfo("<lambda>", f"<lambda:{target_expr.lineno}>", target_expr, self.s, parent=fn)
            self.s.functions.append(info)
            info.hybrid = site
            site.target = info
        # Named targets are resolved once every definition is known (see _resolve_call_targets).
        if isinstance(stmt, ast.Assign) and stmt.value is call and fn is None:
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    self.pending_aliases.append((t.id, site))


def _api_alias(imports: ImportTable, value: ast.expr | None) -> str | None:
    """The qualified name a module-level `ks = tf.keras` / `layers = keras.layers` makes another name for.

    Only TensorFlow and Keras module paths: their classes and functions are what rules look up by
    qualified name (`class L(ks.layers.Layer)` is a Keras layer, issue 10 P47-fixb)."""
    if not isinstance(value, (ast.Name, ast.Attribute)):
        return None
    qual = imports.qualify(value)
    if qual is None or qual.split(".", 1)[0] not in ("tensorflow", "keras"):
        return None
    return qual


def _tf_call_pattern(imports: ImportTable) -> re.Pattern[str] | None:
    """A regex matching lines that may call tf.function in an expression (not as a decorator)."""
    module_aliases = [n for n, q in imports.names.items() if q in ("tensorflow", "tensorflow.compat.v1")]
    function_aliases = [n for n, q in imports.names.items() if q in TF_FUNCTION]
    if any(s.startswith("tensorflow") for s in imports.star_modules):
        function_aliases.append("function")
    alts = [rf"\b{re.escape(a)}\s*\.\s*(?:compat\s*\.\s*v[12]\s*\.\s*)?function\s*\(" for a in module_aliases]
    alts += [rf"\b{re.escape(a)}\s*\(" for a in function_aliases]
    if not alts:
        return None
    return re.compile("|".join(alts))


def _prescan_imports(tree: ast.Module, imports: ImportTable) -> None:
    """Module-level imports first, so the text pre-filter knows the aliases before the main pass."""
    for st in tree.body:
        if isinstance(st, (ast.Import, ast.ImportFrom)):
            imports.add_import(st)
        elif isinstance(st, (ast.If, ast.Try)):
            for sub in st.body:
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    imports.add_import(sub)
            for handler in getattr(st, "handlers", []):
                for sub in handler.body:
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        imports.add_import(sub)


def build_summary(source: SourceFile, module: str, is_package: bool = False) -> ModuleSummary:
    imports = ImportTable(module=module, is_package=is_package)
    _prescan_imports(source.tree, imports)
    summary = ModuleSummary(source.path, module, source, imports)
    pattern = _tf_call_pattern(imports)
    builder = _Builder(summary, pattern)
    if pattern is not None:
        for lineno, line in enumerate(source.lines, 1):
            if pattern.search(line) and not line.lstrip().startswith("@"):
                builder.call_lines.add(lineno)
    builder.body(source.tree.body, None, None, "", False)
    _resolve_call_targets(summary)
    for alias, site in builder.pending_aliases:
        if site.target is not None:
            summary.hybrid_aliases[alias] = site.target
    return summary


def _resolve_call_targets(summary: ModuleSummary) -> None:
    """`tf.function(g)`: find g among the module's functions, nested functions and methods."""
    for site in summary.hybrid_sites:
        if site.kind != "call" or site.target is not None or site.target_expr is None:
            continue
        target = resolve_local_function(summary, site.target_expr, site.enclosing)
        if target is not None:
            site.target = target
            if target.hybrid is None:
                target.hybrid = site


def resolve_local_function(summary: ModuleSummary, expr: ast.expr, scope: FunctionInfo | None) -> FunctionInfo | None:
    """The function an expression names within this module: `g`, `self.method`, `Class.method`."""
    if isinstance(expr, ast.Name):
        fn = scope
        while fn is not None:
            if expr.id in fn.nested:
                return fn.nested[expr.id]
            if expr.id in fn.params or _binds_locally(fn.node, expr.id):
                return None  # a parameter or local variable shadows the module's function of that name
            fn = fn.parent
        return summary.top_functions.get(expr.id)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        owner = expr.value.id
        if owner in ("self", "cls"):
            cls = enclosing_class(scope)
            if cls is not None:
                return summary.find_method(cls, expr.attr)
        elif owner in summary.classes:
            return summary.find_method(summary.classes[owner], expr.attr)
    return None


def _binds_locally(fn_node: ast.AST, name: str) -> bool:
    """`name = ...` (or a for/with target) in the function's own body, nested scopes excluded. Only asked
    for the rare `tf.function(name)` call sites, so the walk is cheap overall."""
    stack = list(ast.iter_child_nodes(fn_node))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _is_property_accessor(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter") for d in node.decorator_list)


def enclosing_class(fn: FunctionInfo | None) -> ClassInfo | None:
    while fn is not None:
        if fn.cls is not None:
            return fn.cls
        fn = fn.parent
    return None


def iter_functions(summary: ModuleSummary) -> Iterator[FunctionInfo]:
    return iter(summary.functions)
