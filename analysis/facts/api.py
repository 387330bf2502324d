"""The facts as rules and the `hybridize facts` command see them: per-function `Fact`s with reasons.

    facts = ctx.project.facts              # RepoFacts for the whole project (built once per run)
    ff = facts.of(fn)                      # FunctionFacts for a FunctionInfo (None if unknown to the facts)
    facts.tensor_param(fn, "x")            # Fact: is parameter x likely a tensor? (.value True/False/None)
    facts.primitive_param(fn, "n")         # Fact: do call sites pass only Python literals/scalars?
    facts.call_sites(fn)                   # [CallSite]: where fn is called, argument kinds, in_loop flags
    facts.site_at(path, line, col)         # [CallSite] for one ast.Call (lineno, col_offset) in a module
    facts.raw_arg_kinds(site)              # the same argument kinds in extract's vocabulary
    facts.in_loop(fn)                      # Fact: called (transitively) from a loop outside tests?
    facts.side_effects(fn)                 # Fact: transitive Python side effects (with evidence)
    ctx.project.callers_of(fn)             # [(FunctionInfo | None for module level, CallSite)]

Everything is computed once per analysis run and cached on the project.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

from .compute import Fixpoints
from .parameter_lattices import REASONS
from .speculation import SPECULATIVE_CODES
from .fact_kinds import KINDS
from .model import CallSite, Evidence, Fact, FunctionFacts
from .preconditions import decide
from .call_resolution import CTOR
from .project_facts import ProjectFacts

if TYPE_CHECKING:
    from ..summary import FunctionInfo

RetracingEvidence = Callable[[int], tuple[tuple[Evidence, ...], tuple[Evidence, ...]]]


def kind_text(kind: Any) -> str:
    if isinstance(kind, tuple):
        if kind[0] == "p":
            return f"param:{kind[1]}"
        if kind[0] == "r":
            return "call:" + ".".join(kind[1])
    if kind == "s":
        return "self"
    return KINDS.get(kind, str(kind))


class RepoFacts:
    """Facts of every function of one analyzed project (over `ProjectFacts` + `Fixpoints`)."""

    def __init__(self, pf: ProjectFacts, fid_of: Any = None, retracing: "RetracingEvidence | None" = None) -> None:
        self.pf = pf
        self.fx = Fixpoints(pf)
        # FunctionInfo -> fid, supplied by analysis.project.Project (None when used without trees).
        self._fid_of = fid_of
        # fid -> (shape-varying loop call sites, static shape reads) of a hybrid function: HYB008's evidence,
        # which needs the call sites' trees; handed in by the pipeline (rules/_retracing_evidence.py).
        # Without it the `reconfigure` outcome is not produced.
        self.retracing = retracing
        self._cache: dict[int, FunctionFacts] = {}

    def provide_retracing(self, retracing: "RetracingEvidence") -> None:
        """Hand in the retracing evidence; hybrid functions' outcomes built without it are built again."""
        self.retracing = retracing
        for fid in [fid for fid, ff in self._cache.items() if ff.hybrid]:
            del self._cache[fid]

    def __getstate__(self) -> dict[str, Any]:
        # The snapshot keeps the facts, not the project's trees the providers hold; a hybrid function's
        # outcome depends on the retracing provider, so it is built again by the run that has one.
        cache = {fid: ff for fid, ff in self._cache.items() if not ff.hybrid}
        return {**self.__dict__, "_fid_of": None, "retracing": None, "_cache": cache}

    # ---- addressing -----------------------------------------------------------------------------
    def fid(self, fn: "FunctionInfo | int") -> int | None:
        if isinstance(fn, int):
            return fn
        return self._fid_of(fn) if self._fid_of is not None else None

    def of(self, fn: "FunctionInfo | int") -> FunctionFacts | None:
        fid = self.fid(fn)
        if fid is None:
            return None
        cached = self._cache.get(fid)
        if cached is None:
            cached = self._cache[fid] = self._build(fid)
        return cached

    # ---- single questions (cheap: no FunctionFacts needed) ---------------------------------------
    def tensor_param(self, fn: "FunctionInfo | int", name: str) -> Fact:
        fid = self.fid(fn)
        if fid is None:
            return Fact(None, "the function is unknown to the facts")
        return self._param_fact(fid, self.fx.tensor[fid].get(name))

    def primitive_param(self, fn: "FunctionInfo | int", name: str) -> Fact:
        fid = self.fid(fn)
        if fid is None:
            return Fact(None, "the function is unknown to the facts")
        return self._param_fact(fid, self.fx.primitive[fid].get(name))

    def call_sites(self, fn: "FunctionInfo | int") -> list[CallSite]:
        fid = self.fid(fn)
        if fid is None:
            return []
        pf = self.pf
        out = []
        for edge, binding in self.fx.sites(fid):
            out.append(CallSite(
                caller=edge.caller, callee=fid, path=pf.path_of(edge.caller), line=edge.line, col=edge.col,
                in_loop=edge.in_loop, via=edge.via if edge.via.startswith("callback:") else edge.via,
                arg_kinds={k: kind_text(v) for k, v in binding.items()},
                caller_in_graph=pf.in_graph(edge.caller),
            ))
        return out

    def site_at(self, path: str, line: int, col: int) -> list[CallSite]:
        """The project call(s) made by the call expression at (line, col) of `path` (`ast.Call.lineno`,
        `col_offset`): one per resolved target, callbacks included. [] for an unresolved call."""
        pf = self.pf
        mi = pf.by_path.get(path)
        if mi is None:
            return []
        out = []
        for fid in range(pf.base[mi], pf.base[mi] + len(pf.mods[mi]["fns"])):
            for edge in pf.edges[fid]:
                if edge.line == line and edge.col == col:
                    out.append(self._site(edge))
        return out

    def _site(self, edge: Any) -> CallSite:
        pf = self.pf
        binding = {} if edge.via.startswith("callback:") else pf.bind(edge)
        return CallSite(caller=edge.caller, callee=edge.callee, path=pf.path_of(edge.caller), line=edge.line,
                        col=edge.col, in_loop=edge.in_loop, via=edge.via,
                        arg_kinds={k: kind_text(v) for k, v in binding.items()},
                        caller_in_graph=pf.in_graph(edge.caller))

    def raw_arg_kinds(self, site: CallSite) -> dict[str, Any]:
        """Argument kinds of a call site in the extractor's vocabulary (extract.KINDS / tuples)."""
        for edge, binding in self.fx.sites(site.callee):
            if edge.caller == site.caller and edge.line == site.line and edge.col == site.col:
                return binding
        return {}

    def call_cycle(self, fn: "FunctionInfo | int") -> frozenset[int]:
        """The fids of the call-graph cycle (strongly connected component) `fn` is in; empty when it is
        in none. Computed once per run by the fixpoints (compute.py), shared by the facts and HYB020."""
        fid = self.fid(fn)
        members = None if fid is None else self.fx.recursive[fid]
        return frozenset(members) if members else frozenset()

    def callees(self, fn: "FunctionInfo | int") -> list[int]:
        fid = self.fid(fn)
        return [] if fid is None else [e.callee for e in self.pf.edges[fid]]

    def in_loop(self, fn: "FunctionInfo | int") -> Fact:
        fid = self.fid(fn)
        if fid is None:
            return Fact(None, "the function is unknown to the facts")
        return self._loop_fact(fid)

    def side_effects(self, fn: "FunctionInfo | int") -> Fact:
        fid = self.fid(fn)
        if fid is None:
            return Fact(None, "the function is unknown to the facts")
        return self._side_effect_fact(fid)[0]

    # ---- building the full record ----------------------------------------------------------------
    def _param_fact(self, fid: int, raw: tuple | None) -> Fact:
        if raw is None:
            return Fact(None, "not a parameter of the function (or `self`)")
        value, code, edge, _is_bool = raw
        if edge is None:
            return Fact(value, REASONS[code], speculative=code in SPECULATIVE_CODES)
        where = f"{self.pf.path_of(edge.caller)}:{edge.line}"
        reason = REASONS[code].format(where=where, caller=self.pf.describe(edge.caller))
        return Fact(value, reason, (Evidence("call-site", self.pf.path_of(edge.caller), edge.line),))

    def _evidence(self, origin: int, line: int, kind: str, detail: str) -> Evidence:
        return Evidence(kind, self.pf.path_of(origin), line, detail)

    def _side_effect_fact(self, fid: int) -> tuple[Fact, tuple[Evidence, ...]]:
        effects = self.fx.effects[fid]
        if effects:
            reasons = tuple(
                self._evidence(origin, line, kind, _effect_detail(kind, target, detail, origin != fid, self.pf.fns[origin]["q"]))
                for (kind, target), (origin, line, detail) in effects.items()
            )
            first = reasons[0]
            return Fact(True, f"{first.kind} at {first.location()}: {first.detail}", reasons), reasons
        unknown = self.fx.unknown[fid]
        if unknown is not None:
            origin, line, text = unknown
            ev = self._evidence(origin, line, "unresolved-call", text)
            return Fact(None, f"{text} ({ev.location()})", (ev,)), (ev,)
        return Fact(False, "no Python side effects in the function or the project functions it calls"), ()

    def _loop_fact(self, fid: int) -> Fact:
        loop = self.fx.in_loop[fid]
        if loop is not None:
            caller, line = loop
            ev = Evidence("loop-call-site", self.pf.path_of(caller), line)
            return Fact(True, f"called from a loop in {self.pf.describe(caller)} at line {line}, which runs "
                              f"eagerly ({self._eager_entry(caller)})", (ev,))
        if not self.fx.sites(fid):
            return Fact(None, "no known call site")
        loop_site = next((e for e in self.pf.callers[fid] if e.in_loop), None)
        if loop_site is not None:
            where = f"called from a loop in {self.pf.describe(loop_site.caller)} at line {loop_site.line}"
            if self.fx.eager_from[loop_site.caller] is not None:
                return Fact(False, f"{where}, which runs eagerly only under tests "
                                   f"({self._eager_entry(loop_site.caller)}): not a hot path")
            return Fact(None, f"{where}, but nothing shows that code runs eagerly (no module level, `main` or "
                              "test reaches it outside graph code): it may be graph code already")
        return Fact(False, "no known call site is (transitively) inside a loop")

    def _eager_entry(self, fid: int) -> str:
        """How a function known to run eagerly is reached: its entry point."""
        pf = self.pf
        entry = self.fx.eager_from[fid]
        if entry is None:
            return "reached from eager code"
        what = "module level" if pf.is_module_level(entry) else pf.fns[entry]["q"]
        return f"reached from {what} of {pf.path_of(entry)}" if entry != fid else f"{what} of {pf.path_of(entry)}"

    def _build(self, fid: int) -> FunctionFacts:
        pf, fx = self.pf, self.fx
        rec = pf.fns[fid]
        path = pf.path_of(fid)
        tensor = {name: self._param_fact(fid, raw) for name, raw in fx.tensor[fid].items()}
        primitive = {name: self._param_fact(fid, raw) for name, raw in fx.primitive[fid].items()}
        booleans = tuple(name for name, raw in fx.primitive[fid].items() if raw[0] is True and raw[3])
        side_effects, reasons = self._side_effect_fact(fid)
        rec_members = fx.recursive[fid]
        if rec_members is not None:
            names = " -> ".join(pf.fns[m]["q"] for m in rec_members[:6])
            recursive = Fact(True, f"in a call cycle: {names}", (Evidence("cycle", path, rec["l"]),))
        else:
            recursive = Fact(False, "not in a call cycle of the project's call graph")
        tc = fx.tensor_comp[fid]
        if tc is not None:
            origin, line, detail = tc
            tensor_comp = Fact(True, f"{detail} in {pf.fns[origin]['q']}", (self._evidence(origin, line, "tensor-op", detail),))
        elif fx.unknown[fid] is not None:
            tensor_comp = Fact(None, "no TensorFlow operation found, but some calls cannot be resolved")
        elif fx.tensor_maybe[fid] is not None:
            origin, line, detail = fx.tensor_maybe[fid]
            tensor_comp = Fact(None, f"{detail} in {pf.fns[origin]['q']}")
        else:
            tensor_comp = Fact(False, "no TensorFlow operation in the function or its project callees")
        eager = fx.eager[fid]
        if eager is not None:
            origin, line, what = eager
            eager_fact = Fact(True, f"eager-only call `{what}` in {pf.fns[origin]['q']}",
                              (self._evidence(origin, line, "eager-only-call", what),))
        else:
            eager_fact = Fact(False, "no eager-only call found")
        covered = self._covered(fid)
        numpy_ev = tuple(Evidence("numpy-on-parameter", path, line, param) for line, param in rec["npp"])
        keras_ev = tuple(
            Evidence("keras-tensor-argument", pf.path_of(edge.caller), edge.line, name)
            for edge, binding in fx.sites(fid) for name, kind in binding.items() if kind == "k"
        )
        graph_required = tuple(Evidence("graph-required", p, line, what) for p, line, what in pf.graph_required[fid])
        public = self._public(fid)
        names_ev = tuple(Evidence("invalid-name-argument", path, line, f"`{text}` as the `name` of `{op}`")
                         for line, op, text in rec.get("badn", ()))
        # Only over parameters the project knows to be tensors (containers of tensors count: conservative).
        iteration_ev = tuple(Evidence("tensor-parameter-iteration", path, line, f"{how} (`{param}` is a tensor)")
                             for line, param, how in rec.get("titer", ())
                             if param in tensor and tensor[param].value is True)
        varying_calls, static_reads = ((), ())
        if rec["hy"] is not None and self.retracing is not None:
            varying_calls, static_reads = self.retracing(fid)
        facts = FunctionFacts(
            fid=fid, path=path, qualname=rec["q"], line=rec["l"], hybrid=rec["hy"] is not None,
            in_graph=pf.in_graph(fid), public=public, tensor_parameters=tensor, primitive_parameters=primitive,
            side_effects=side_effects, side_effect_reasons=reasons, recursive=recursive,
            tensor_computation=tensor_comp, eager_only_calls=eager_fact, callers_covered=covered,
            called_in_loop=self._loop_fact(fid), numpy_on_parameters=numpy_ev, keras_tensor_arguments=keras_ev,
            graph_required=graph_required, tensor_work=fx.tensor_work(fid),
            notes=(("boolean parameters: " + ", ".join(booleans)),) if booleans else (),
            invalid_name_arguments=names_ev, tensor_parameter_iteration=iteration_ev,
            shape_varying_calls=varying_calls, static_shape_reads=static_reads,
        )
        key = pf.class_of(fid)
        exported = rec["hy"] is not None and (
            "input_signature" in rec["hy"][2] or (key is not None and rec["par"] is None and pf.is_keras(key)))
        refactoring, blocked, notes, undetermined = decide(facts, rec, pf.root_kind[fid], exported,
                                                           self._returns_object(fid, 3))
        return _replace(facts, refactoring=refactoring, blocked_by=tuple(blocked), undetermined=tuple(undetermined),
                        notes=facts.notes + tuple(notes))

    def _returns_object(self, fid: int, depth: int) -> bool:
        """Some `return` gives `Cls(...)` of a project class that is no ExtensionType/CompositeTensor, or the
        result of a project function that does (up to `depth` calls deep)."""
        pf = self.pf
        for kind in pf.fns[fid]["ret"]:
            if not (isinstance(kind, (tuple, list)) and kind[0] == "r"):
                continue
            found = pf.resolve(fid, tuple(kind[1]))
            if found is None or found[0] != "fn":
                continue
            if found[3] == CTOR:
                key = pf.class_of(found[1])
                if key is not None and not pf.is_composite(key):
                    return True
            elif depth > 0 and found[1] != fid and self._returns_object(found[1], depth - 1):
                return True
        return False

    def _covered(self, fid: int) -> Fact:
        """F-CALLERS: every known caller only ever runs in graph context (Hybridize HAS_COVERED_CALLERS)."""
        pf = self.pf
        callers = [e for e in pf.callers[fid] if e.via != "callback:tf_function"]
        if not callers:
            return Fact(None, "no known caller")
        for edge in callers:
            if edge.eager_callback or not self._graph_only(edge.caller, set()):
                where = "module level" if pf.is_module_level(edge.caller) else pf.fns[edge.caller]["q"]
                how = "eagerly" if not pf.in_graph(edge.caller) else "from a function that may also run eagerly"
                return Fact(False, f"called {how}: {where} ({pf.path_of(edge.caller)}:{edge.line})",
                            (Evidence("eager-caller", pf.path_of(edge.caller), edge.line),))
        return Fact(True, f"all {len(callers)} known caller(s) run only in graph context")

    def instance_made_by_callers(self, fn: "FunctionInfo | int") -> bool:
        """A method whose object every known caller made itself (`stream = SeedStream(seed); stream()`),
        directly or through methods of the same object: its `self` is scratch of the calling frame, made
        anew by each trace of graph code, not state that outlives a call (issue 10 #3, P24-precfix).
        Like the side-effect fixpoint, which drops the callee's `self` effects for such callers."""
        fid = self.fid(fn)
        return fid is not None and self._made_by_callers(fid, {})

    def instance_made_by_graph_callers(self, fn: "FunctionInfo | int") -> bool:
        """`instance_made_by_callers` over the callers in graph context only: whatever object eager code
        calls the method on, in graph code its `self` is made by the same trace (lingvo's `Params.Define`
        on the `Params` its graph callers build, P5-tfmava), so what graph code reads of it cannot go stale
        between calls."""
        fid = self.fid(fn)
        return fid is not None and self._made_by_callers(fid, {}, graph_only=True)

    def _made_by_callers(self, fid: int, memo: dict[int, bool], graph_only: bool = False) -> bool:
        pf = self.pf
        if fid in memo:
            return memo[fid]  # False while in progress: a cycle proves nothing
        memo[fid] = False
        if pf.root_kind[fid] is not None or pf.fns[fid]["self"] is None:
            return False
        edges = [e for e in pf.callers[fid] if not graph_only or pf.in_graph(e.caller)]
        callers = [e for e in edges if not e.via.startswith("callback:")]
        if not callers or len(callers) != len(edges):
            return False  # no caller seen, or the method handed on as a callback: whose object is unknown
        for edge in callers:
            target = self.fx.effect_for_caller(edge, "self", None)
            if target is None:
                continue  # a local object of the caller (or the one its constructor call makes)
            if target != "self" or not self._made_by_callers(edge.caller, memo, graph_only):
                return False
        memo[fid] = True
        return True

    def _graph_only(self, fid: int, seen: set[int]) -> bool:
        """A function whose body only ever runs under tracing: a hybrid root, or a non-public function
        all of whose callers are graph-only (in graph context is not enough: it may also be called eagerly)."""
        pf = self.pf
        if pf.root_kind[fid] is not None:
            return True
        if fid in seen or not pf.in_graph(fid) or pf.is_module_level(fid):
            return False
        seen.add(fid)
        if self._public(fid).value is not False:
            return False
        callers = [e for e in pf.callers[fid] if e.via != "callback:tf_function"]
        return bool(callers) and all(not e.eager_callback and self._graph_only(e.caller, seen) for e in callers)

    def _public(self, fid: int) -> Fact:
        """F-PUBLIC: part of a library's importable API (so callers we cannot see may exist)."""
        pf = self.pf
        rec = pf.fns[fid]
        mod = pf.mods[pf.fn_mod[fid]]
        path = mod["path"]
        from .paths import is_test_path

        if is_test_path(path):
            return Fact(False, "a test module")
        if rec["par"] is not None:
            return Fact(False, "a nested function")
        parts = [p for p in rec["q"].split(".")]
        if any(p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts):
            base = self._public_base_method(fid)
            if base is not None:
                return Fact(True, f"overrides {base}: callers reach it through the base class's interface")
            return Fact(False, "a private name")
        module_parts = mod["module"].split(".") if mod["module"] else []
        if any(p.startswith("_") for p in module_parts):
            return Fact(False, "in a private module")
        if mod["all"] is not None and parts[0] in mod["all"]:
            return Fact(True, f"listed in {path}'s __all__")
        if "." in mod["module"] or mod["pkg"]:
            return Fact(True, f"importable as {mod['module']}.{rec['q']} from a package")
        return Fact(False, "a top-level script or module outside any package")

    def _public_base_method(self, fid: int) -> str | None:
        """`Base.name` when the function is a public-named method of a private class that overrides a method
        of a public project base class (`class _KerasModel(VariableModel): def predict_on_batch`): users get
        the object as the base type and call the method through it, which the call graph cannot see
        (issue 10 P29-precfix, TFF's model contract)."""
        pf = self.pf
        rec = pf.fns[fid]
        name = rec["n"]
        if rec["cls"] is None or rec["cls"] != rec["q"].rpartition(".")[0] or name.startswith("_"):
            return None
        key = pf.class_of(fid)
        if key is None:
            return None
        for base in pf.class_bases(key):
            if isinstance(base, tuple) and not base[1].rpartition(".")[2].startswith("_"):
                found = pf.find_method(base, name)
                if found is not None and found != fid:
                    return pf.fns[found]["q"]
        return None

    # ---- whole project ----------------------------------------------------------------------------
    def all_functions(self) -> Iterable[FunctionFacts]:
        for fid in self.pf.functions():
            yield self.of(fid)  # type: ignore[misc]


def _replace(facts: FunctionFacts, **changes: Any) -> FunctionFacts:
    from dataclasses import replace

    return replace(facts, **changes)


def _effect_detail(kind: str, target: str, detail: str, transitive: bool, origin: str) -> str:
    what = {
        "global-write": f"assigns global `{detail}`", "nonlocal-write": f"assigns nonlocal `{detail}`",
        "attr-write": f"sets `{detail}`", "item-write": f"assigns into `{detail}`",
        "mutation": f"mutates `{detail}`", "print": f"writes output with `{detail}`",
        "io": f"does I/O with `{detail}`", "nondeterminism": f"reads Python randomness or the clock with `{detail}`",
    }.get(kind, f"{kind} `{detail}`")
    if target.startswith("p:"):
        what += f" (argument `{target[2:]}`)"
    elif target == "self":
        what += " (the receiver object)"
    return f"{what}" + (f" in {origin}" if transitive else "")
