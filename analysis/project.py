"""The repository as a whole: module names, call resolution across files, and graph context.

Graph context is every function whose Python body runs while TensorFlow traces: the hybrid functions
(decorated, wrapped by `tf.function(g)`, Keras train steps, `tf.data` callbacks) and, transitively, the
project functions they call or hand to TF as callbacks (but not `tf.py_function` callbacks, which run
eagerly). The TF guide says the whole Python body of a traced function, callees included, runs only at
trace time (https://www.tensorflow.org/guide/function). Calls that cannot be resolved are simply not
followed: they are never taken as "pure".

Resolution and graph context come from the whole-repository facts (`analysis.facts`), which work on
compact per-module records. So a project can be built from cached records with only some modules
parsed: the others are parsed on first use (`loader`), e.g. when a rule asks for a function's body.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterable, Iterator, Mapping

from .body import FunctionBody, walk_body
from .facts.api import RepoFacts, RetracingEvidence
from .facts.api_kinds import CALL_KINDS, PYTHON
from .facts.extract import extract_module
from .facts.project_facts import SHOWN_PATH, ProjectFacts
from .facts.refs import ref_of
from .summary import ClassInfo, FunctionInfo, ModuleSummary

_MAX_REEXPORT_HOPS = 5
# Builtins that inspect their arguments and never call them (`type(self).__name__`, `isinstance(f, C)`):
# an instance or a function handed to them is data, not a callback (issue 10: trieste's
# `f"{type(self).__name__}"` inside a tf.function `__call__` was taken for a recursive call).
_NON_CALLING_BUILTINS = frozenset(q.removeprefix("builtins.") for q, kind in CALL_KINDS.items()
                                  if q.startswith("builtins.") and kind == PYTHON)

Loader = Callable[[str], "ModuleSummary | None"]


class GraphFunction:
    """A function in graph context, with one shortest call path from a hybrid root to it.

    `path` (root first, `info` last) is built on first use, because in a warm run the modules on the
    path may not be parsed yet; `describe_path()` and `is_root` need no trees.
    """

    __slots__ = ("info", "fid", "_project", "_path")

    def __init__(self, project: "Project", fid: int, info: FunctionInfo) -> None:
        self.info = info
        self.fid = fid
        self._project = project
        self._path: tuple[FunctionInfo, ...] | None = None

    @property
    def path(self) -> tuple[FunctionInfo, ...]:
        if self._path is None:
            infos = []
            for fid in self._project.facts.pf.graph_path(self.fid):
                info = self.info if fid == self.fid else self._project.function_ref(fid)
                if info is not None:
                    infos.append(info)
            self._path = tuple(infos) or (self.info,)
        return self._path

    @property
    def root(self) -> FunctionInfo:
        pf = self._project.facts.pf
        root = pf.graph_root.get(self.fid, self.fid)
        info = self.info if root == self.fid else self._project.function_ref(root)
        return info if info is not None else self.path[0]

    @property
    def caller(self) -> FunctionInfo:
        """The function before this one on its path (itself for a root), without building the path."""
        parent = self._project.facts.pf.graph_parent.get(self.fid, -1)
        info = self._project.function_ref(parent) if parent != -1 else None
        return info if info is not None else self.info

    @property
    def is_root(self) -> bool:
        return self._project.facts.pf.graph_parent.get(self.fid, -1) == -1

    def describe_path(self) -> tuple[str, ...]:
        """'name (path:line)' per step, root first; a path longer than SHOWN_PATH keeps its root and its
        last steps around a '... N more ...' step, so a finding's size does not grow with the chain."""
        return self.shown_path(self._project.facts.pf.describe)

    def qualname_path(self) -> tuple[str, ...]:
        """The qualified names of the shown steps (see describe_path)."""
        fns = self._project.facts.pf.fns
        return self.shown_path(lambda fid: fns[fid]["q"])

    def shown_path(self, describe: Callable[[int], str]) -> tuple[str, ...]:
        """`describe(fid)` per shown step (see describe_path)."""
        pf = self._project.facts.pf
        fids = pf.graph_path(self.fid, SHOWN_PATH)
        names = [describe(fid) for fid in fids]
        skipped = pf.graph_depth.get(self.fid, 0) + 1 - len(fids)
        if skipped > 0:
            names.insert(1, f"... {skipped} more ...")
        return tuple(names)

    def __repr__(self) -> str:
        return f"<GraphFunction {self.info!r}>"


class _ModuleRef:
    """A module's path and name without its tree; anything else loads the real summary."""

    def __init__(self, project: "Project", path: str, name: str) -> None:
        self.path = path
        self.module = name
        self._project = project

    def __getattr__(self, attr: str):  # noqa: ANN204
        return getattr(self._project.modules[self.path], attr)


class FunctionRef:
    """Stands in for the FunctionInfo of a module that is not parsed (warm runs), on call paths.

    Name, qualname, line and module path come from the cached facts; any other attribute (`node`,
    `params`, ...) parses the module and answers from the real FunctionInfo. Project methods accept it
    wherever they accept a FunctionInfo.
    """

    def __init__(self, project: "Project", fid: int) -> None:
        pf = project.facts.pf
        rec = pf.fns[fid]
        self.fid = fid
        self.name = rec["n"]
        self.qualname = rec["q"]
        self.line = rec["l"]
        self.module = _ModuleRef(project, pf.path_of(fid), pf.mods[pf.fn_mod[fid]]["module"])
        self._project = project

    def real(self) -> FunctionInfo | None:
        return self._project.function_info(self.fid)

    def __getattr__(self, attr: str):  # noqa: ANN204
        real = self.real()
        if real is None:
            raise AttributeError(attr)
        return getattr(real, attr)

    def __repr__(self) -> str:
        return f"<FunctionRef {self.module.path}:{self.qualname}>"


class _Modules(Mapping[str, ModuleSummary]):
    """path -> ModuleSummary, parsing a module the first time it is asked for (warm runs)."""

    def __init__(self, loaded: dict[str, ModuleSummary], paths: list[str], loader: Loader | None) -> None:
        self._loaded = loaded
        self._paths = paths
        self._known = set(paths)
        self._loader = loader
        self._missing: set[str] = set()

    def __getitem__(self, path: str) -> ModuleSummary:
        found = self._loaded.get(path)
        if found is not None:
            return found
        if path not in self._known or self._loader is None or path in self._missing:
            raise KeyError(path)
        summary = self._loader(path)
        if summary is None:
            self._missing.add(path)
            raise KeyError(path)
        self._loaded[path] = summary
        return summary

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def is_loaded(self, path: str) -> bool:
        return path in self._loaded

    def loaded_values(self) -> list[ModuleSummary]:
        return list(self._loaded.values())


class _ByName(Mapping[str, ModuleSummary]):
    """module name -> ModuleSummary (parsed on first use, like `_Modules`)."""

    def __init__(self, name_to_path: dict[str, str], modules: _Modules) -> None:
        self._paths = name_to_path
        self._modules = modules

    def __getitem__(self, name: str) -> ModuleSummary:
        return self._modules[self._paths[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __contains__(self, name: object) -> bool:
        return name in self._paths


class Project:
    def __init__(self, modules: Iterable[ModuleSummary], *, module_facts: Mapping[str, dict] | None = None,
                 loader: Loader | None = None) -> None:
        loaded = {m.path: m for m in modules}
        self._module_facts: dict[str, dict] = dict(module_facts or {})
        paths = sorted(set(loaded) | set(self._module_facts))
        self.modules: _Modules = _Modules(loaded, paths, loader)
        self.name_to_path: dict[str, str] = {}  # module name -> path
        for path in paths:
            name = loaded[path].module if path in loaded else self._module_facts[path]["module"]
            if name:
                self.name_to_path.setdefault(name, path)
        self.by_name: _ByName = _ByName(self.name_to_path, self.modules)  # module name -> ModuleSummary
        self._bodies: dict[int, FunctionBody] = {}
        self._callees: dict[int, list[tuple[FunctionInfo, ast.AST]]] = {}
        self._facts: RepoFacts | None = None
        self._retracing: RetracingEvidence | None = None
        self._index: dict[str, dict[int, int]] = {}  # path -> id(FunctionInfo) -> local index
        self._graph_all: dict[int, GraphFunction] | None = None
        self._gf: dict[int, GraphFunction] = {}

    # ---- facts ------------------------------------------------------------------------------------
    def module_facts(self, path: str) -> dict:
        found = self._module_facts.get(path)
        if found is None:
            found = self._module_facts[path] = extract_module(self.modules[path])
        return found

    @property
    def facts(self) -> RepoFacts:
        """Whole-repository facts (built on first use; see analysis/facts/api.py)."""
        if self._facts is None:
            records = [self.module_facts(p) for p in self.modules]
            self._facts = RepoFacts(ProjectFacts(records), self.fid_of, self._retracing)
        return self._facts

    def adopt_facts(self, pf: ProjectFacts) -> None:
        """Use whole-repository facts built elsewhere over this project's module facts (parallel runs)."""
        self._facts = RepoFacts(pf, self.fid_of, self._retracing)

    def adopt_repo_facts(self, repo: RepoFacts) -> None:
        """Use whole-repository facts kept from an earlier run (the snapshot), linked to this project."""
        repo._fid_of = self.fid_of  # type: ignore[attr-defined]
        self._facts = repo
        if self._retracing is not None:
            repo.provide_retracing(self._retracing)

    def release_facts(self) -> None:
        """Unlink the whole-repository facts from this project, for a caller done with both. The facts
        hold `fid_of`, a method of the project, and the project holds them: a reference cycle, so every
        tree and fact of a run stayed alive until the cyclic collector's next pass, which then walked all
        of them (a warm run on 263k lines: 268,000 objects, about 100 ms of CPU, paid by whatever the
        process did next). Unlinked, reference counting frees them when the caller drops the project."""
        if self._facts is not None:
            self._facts._fid_of = None  # type: ignore[attr-defined]
            self._facts = None

    def release(self) -> None:
        """Unlink everything of this project, for a caller done with it (the end of a run): the facts
        (`release_facts`), the graph functions (each holds the project) and every loaded module summary
        (`ModuleSummary.unlink`), so that reference counting frees the run's trees and summaries when the
        caller drops the project, instead of the cyclic collector in whatever the process does next."""
        self.release_facts()
        self._gf = {}
        self._graph_all = None
        for summary in self.modules.loaded_values():
            summary.unlink()

    def provide_retracing_evidence(self, provider: RetracingEvidence) -> None:
        """HYB008's evidence for the facts' `reconfigure` outcome (rules/_retracing_evidence.py): the pipeline
        hands it in, so that the facts need no rule and the rules' analysis runs once."""
        self._retracing = provider
        if self._facts is not None:
            self._facts.provide_retracing(provider)

    def fid_of(self, fn: FunctionInfo) -> int | None:
        if isinstance(fn, FunctionRef):
            return fn.fid
        path = fn.module.path
        index = self._index.get(path)
        if index is None:
            index = self._index[path] = {id(f): i for i, f in enumerate(fn.module.functions)}
        local = index.get(id(fn))
        if local is None:
            return None
        return self.facts.pf.fid(path, local)

    def function_ref(self, fid: int) -> "FunctionInfo | FunctionRef | None":
        """The FunctionInfo when its module is parsed, else a FunctionRef (no parsing)."""
        pf = self.facts.pf
        if pf.is_module_level(fid):
            return None
        if self.modules.is_loaded(pf.path_of(fid)):
            return self.function_info(fid)
        return FunctionRef(self, fid)

    def function_info(self, fid: int) -> FunctionInfo | None:
        """The FunctionInfo of a function id (parsing its module if needed); None for a module's top level."""
        pf = self.facts.pf
        if pf.is_module_level(fid):
            return None
        try:
            module = self.modules[pf.path_of(fid)]
        except KeyError:
            return None
        local = pf.local_index(fid)
        return module.functions[local] if local < len(module.functions) else None

    def callers_of(self, fn: FunctionInfo) -> list[tuple["FunctionInfo | FunctionRef | None", object]]:
        """F-CALLERS: every known call site of `fn` as (caller, CallSite); the caller is None for a
        module's top-level code, a FunctionRef when its module is not parsed (warm runs)."""
        return [(self.function_ref(site.caller), site) for site in self.facts.call_sites(fn)]

    # ---- bodies -----------------------------------------------------------------------------------
    def body(self, fn: FunctionInfo) -> FunctionBody:
        if isinstance(fn, FunctionRef):
            real = fn.real()
            if real is None:
                raise KeyError(fn.qualname)
            fn = real
        key = id(fn)
        body = self._bodies.get(key)
        if body is None:
            body = walk_body(fn.node)
            self._bodies[key] = body
        return body

    # ---- resolution -------------------------------------------------------------------------------
    def lookup_qualified(self, qualname: str, _hops: int = 0) -> FunctionInfo | ClassInfo | None:
        """A project function or class by qualified name (`pkg.mod.f`, `pkg.mod.Class.method`)."""
        parts = qualname.split(".")
        for split in range(len(parts) - 1, 0, -1):
            path = self.name_to_path.get(".".join(parts[:split]))
            if path is None:
                continue
            try:
                module = self.modules[path]
            except KeyError:
                continue
            found = self._lookup_in_module(module, parts[split:], _hops)
            if found is not None:
                return found
        return None

    def _lookup_in_module(self, module: ModuleSummary, rest: list[str], hops: int) -> FunctionInfo | ClassInfo | None:
        head = rest[0]
        if head in module.top_functions and len(rest) == 1:
            return module.top_functions[head]
        if head in module.hybrid_aliases and len(rest) == 1:
            return module.hybrid_aliases[head]
        if head in module.classes:
            cls = module.classes[head]
            if len(rest) == 1:
                return cls
            if len(rest) == 2:
                fid = self.facts.pf.find_method((self.facts.pf.by_path[module.path], head), rest[1])
                return self.function_info(fid) if fid is not None else None
            return None
        # A re-export: `from .impl import helper` in a package __init__.
        target = module.imports.names.get(head)
        if target and hops < _MAX_REEXPORT_HOPS and target != f"{module.module}.{head}":
            return self.lookup_qualified(".".join([target] + rest[1:]), hops + 1)
        return None

    def resolve_callee(self, caller: FunctionInfo, expr: ast.expr) -> FunctionInfo | None:
        """The project function an expression in `caller`'s body refers to (call target or callback).

        Handles nested functions, module functions, imports and re-exports, `self.method` through the
        project's class hierarchy (across modules), `super().method`, constructors (`Cls(...)` gives
        `__init__`) and callable instances (`model(x)` and `self.layer(x)` give `call` of a Keras subclass,
        or `__call__`).
        """
        ref = ref_of(expr)
        if ref is None:
            return None
        fid = self.fid_of(caller)
        if fid is None:
            return None
        found = self.facts.pf.resolve(fid, ref)
        if found is None or found[0] != "fn":
            return None
        return self.function_info(found[1])

    def modules_by_class(self, cls: ClassInfo) -> ModuleSummary | None:
        # A ClassInfo can only come from a parsed module, so only those are searched (no parsing).
        for m in self.modules.loaded_values():
            if m.classes.get(cls.name) is cls:
                return m
        return None

    def callees(self, fn: FunctionInfo) -> list[tuple[FunctionInfo, ast.AST]]:
        """Project functions `fn` calls or passes on as callbacks, with the node that does it."""
        if isinstance(fn, FunctionRef):
            real = fn.real()
            if real is None:
                return []
            fn = real
        # Memoized: several rules ask for the callees of the same caller once per callee (HYB004, HYB013),
        # which re-resolved every call of a wide caller once per graph helper it calls.
        found = self._callees.get(id(fn))
        if found is not None:
            return found
        out: list[tuple[FunctionInfo, ast.AST]] = []
        for call in self.body(fn).calls:
            target = self.resolve_callee(fn, call.func)
            if target is not None:
                out.append((target, call))
            elif isinstance(call.func, ast.Name) and call.func.id in _NON_CALLING_BUILTINS:
                continue
            # Higher-order use: tf.map_fn(helper, x), strategy.run(step), dataset.map(parse).
            for arg in list(call.args) + [k.value for k in call.keywords]:
                if isinstance(arg, (ast.Name, ast.Attribute)):
                    cb = self.resolve_callee(fn, arg)
                    if cb is not None and cb is not target:
                        out.append((cb, arg))
        self._callees[id(fn)] = out  # stored once complete: a budget expiry mid-way leaves nothing half-made
        return out

    # ---- graph context ----------------------------------------------------------------------------
    def _graph_function(self, fid: int, info: FunctionInfo) -> GraphFunction:
        gf = self._gf.get(fid)
        if gf is None:
            gf = self._gf[fid] = GraphFunction(self, fid, info)
        return gf

    def graph_context(self) -> dict[int, GraphFunction]:
        """id(FunctionInfo) -> GraphFunction for every function in graph context (parses every module)."""
        if self._graph_all is None:
            graph: dict[int, GraphFunction] = {}
            pf = self.facts.pf
            for fid in sorted(pf.graph_parent):
                info = self.function_info(fid)
                if info is not None:
                    graph[id(info)] = self._graph_function(fid, info)
            self._graph_all = graph
        return self._graph_all

    def graph_functions_in(self, module: ModuleSummary) -> list[GraphFunction]:
        pf = self.facts.pf
        mi = pf.by_path.get(module.path)
        if mi is None:
            return []
        base = pf.base[mi]
        return [self._graph_function(base + i, fn) for i, fn in enumerate(module.functions)
                if base + i in pf.graph_parent]

    def in_graph(self, fn: FunctionInfo) -> GraphFunction | None:
        fid = self.fid_of(fn)
        if fid is None or fid not in self.facts.pf.graph_parent:
            return None
        return self._graph_function(fid, fn)
