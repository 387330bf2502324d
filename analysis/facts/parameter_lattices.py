"""Parameter lattices: whether each parameter receives a tensor, and whether it receives Python
literals or scalars, from the kinds its call sites pass (with the reasons api.py puts into words).

A fixed number of rounds per connected component (`ParameterLattices`, a part of `Fixpoints` in
compute.py), because a parameter's kind depends on its callers' parameters and on the functions
whose results they pass (`result_links`). Separate because it is the one fixpoint that reads the
argument kinds of every call site rather than just the edges.
"""
from __future__ import annotations

from typing import Any, Iterable

from .call_edges import Edge
from .call_resolution import CTOR
from .dependency_links import components
from .fact_kinds import ALLOC, DATASET, KERAS, LIT_BOOL, LOOP_VARYING, NUMPY, PRIMITIVE_KINDS, PY_SCALAR, TENSOR
from .project_facts import ProjectFacts
from .speculation import name_hint

_ROUNDS = 8  # parameter lattices: rounds until nothing changes (call chains deeper than this stay unknown)
# Value: (value True/False/None, reason, evidence (path, line) or None)
ParamFact = tuple
_UNBOUND = object()
_CALLBACK = object()
_ANN_TENSOR = (True, "annotation-tensor", None, False)
_ANN_NOT_TENSOR = (False, "annotation-scalar", None, False)
_TFDATA_TENSOR = (True, "tfdata", None, False)
_NO_SITES = (None, "no-sites", None, False)
_ALL_NOT_TENSOR = (False, "sites-not-tensor", None, False)
_ANN_PRIM = (True, "annotation-scalar", None, False)
_ANN_BOOL = (True, "annotation-bool", None, True)
_ANN_NOT_PRIM = (False, "annotation-tensor", None, False)
_TFDATA_NOT_PRIM = (False, "tfdata", None, False)

# Sentences for the reason codes ({where}: the call site of the evidence edge; {caller}: its function).
REASONS = {
    "annotation-tensor": "annotated as a tensor type",
    "annotation-scalar": "annotated as a Python scalar type",
    "annotation-bool": "annotated as bool",
    "tfdata": "tf.data passes dataset elements (tensors) to its callbacks",
    "keras-speculative": "speculative: the first argument of a Keras call/train_step is a tensor",
    "name-speculative": "speculative: named like a training/inference step or model call (Hybridize's keyword "
                        "analysis), so assumed to take a tensor",
    "no-sites": "no known call site passes a value for it",
    "sites-not-tensor": "every known call site passes a non-tensor value",
    "site-tensor": "receives a tensor from {caller} ({where})",
    "site-unknown": "the value passed at {where} is of unknown kind",
    "site-not-literal": "{caller} passes a non-literal value ({where})",
    "sites-literal": "every known call site passes Python literals or scalars (e.g. {where})",
    "sites-bool": "every known call site passes booleans (e.g. {where})",
    "sites-varying": "receives Python values that vary between calls (e.g. {where})",
}


class ParameterLattices:
    """Fills `tensor`, `primitive` and `returns_tensor` (see `Fixpoints.__init__`)."""

    pf: ProjectFacts

    # ---- parameter lattices ----------------------------------------------------------------------
    def sites(self, fid: int) -> list[tuple[Edge, dict[str, Any]]]:
        """The function's call sites with the kinds they bind to its parameters (memoized)."""
        found = self._sites.get(fid)
        if found is None:
            pf = self.pf
            found = self._sites[fid] = []
            for edge in pf.callers[fid]:
                if edge.via == "callback:tf_function":
                    continue  # wrapping a function in tf.function(f) is not calling it
                if edge.via.startswith("callback:") and not edge.via.startswith("callback:tfdata"):
                    found.append((edge, {}))
                elif not edge.via.startswith("callback:"):
                    found.append((edge, pf.bind(edge)))
        return found

    def _candidate_params(self, fid: int) -> list[str]:
        rec = self.pf.fns[fid]
        params = list(rec["p"])
        if rec["self"] is not None and params and params[0] == rec["self"]:
            params = params[1:]
        return params

    def _kind_tensor(self, caller: int, kind: Any) -> bool | None:
        if kind == TENSOR or kind == KERAS:
            return True
        if kind in PRIMITIVE_KINDS or kind in (ALLOC, NUMPY, DATASET, "s"):
            return False
        if isinstance(kind, tuple):
            if kind[0] == "p":
                fact = self.tensor[caller].get(kind[1])
                return fact[0] if fact is not None else None
            if kind[0] == "r":
                return self._returns_tensor(caller, kind[1])
        return None

    def _returns_tensor(self, caller: int, ref: tuple) -> bool | None:
        found = self._resolve_result(caller, ref)
        if found is None:
            return None
        if found[0] == "fn":
            if found[3] == CTOR:
                return False
            return True if self.returns_tensor[found[1]] else None
        if found[0] == "ext":
            return True if found[2] and found[1].endswith("__call__") else None
        return False

    def _kind_primitive(self, caller: int, kind: Any) -> tuple[bool | None, bool]:
        """(is primitive, is a boolean)."""
        if kind in PRIMITIVE_KINDS:
            return True, kind == LIT_BOOL
        if kind in (TENSOR, KERAS, ALLOC, NUMPY, DATASET, "s"):
            return False, False
        if isinstance(kind, tuple) and kind[0] == "p":
            fact = self.primitive[caller].get(kind[1])
            if fact is None:
                return None, False
            return fact[0], fact[3]
        return None, False

    def _parameters(self) -> None:
        """Per connected component (`components`): round 1 computes every parameter; later rounds revisit
        only the functions whose call sites pass a value that depends on a fact that changed in the round
        before (a caller's parameter, or a call result when a returns-a-tensor fact of the component
        changed). Rounds are counted per component, so a component's facts never depend on how long
        another one takes to settle (and a warm run can recompute only the components an edit reached)."""
        pf = self.pf
        component = components(self.pf, self._scope, self.ret_links)
        fids: dict[int, list[int]] = {}  # component -> its functions with parameters, in order
        dynamic_ret: dict[int, list[int]] = {}  # component -> its functions returning call results
        for fid in self._scope:
            rec = pf.fns[fid]
            if rec["p"]:
                fids.setdefault(component[fid], []).append(fid)
            if any(isinstance(k, tuple) for k in rec["ret"]):
                dynamic_ret.setdefault(component[fid], []).append(fid)
            if any(k == TENSOR or k == KERAS for k in rec["ret"]):
                self.returns_tensor[fid] = True
        for comp in sorted(set(fids) | set(dynamic_ret)):
            self._parameter_rounds(fids.get(comp, []), dynamic_ret.get(comp, []))

    def _parameter_rounds(self, fids: list[int], dynamic_ret: list[int]) -> None:
        pf = self.pf
        param_deps: dict[int, set[int]] = {}  # caller -> functions whose sites pass the caller's parameters
        result_dependent: list[int] = []  # functions whose sites pass call results
        for fid in fids:
            uses_result = False
            for edge, binding in self.sites(fid):
                for k in binding.values():
                    if isinstance(k, tuple):
                        if k[0] == "p":
                            param_deps.setdefault(edge.caller, set()).add(fid)
                        else:
                            uses_result = True
            if uses_result:
                result_dependent.append(fid)
        todo: Iterable[int] = fids
        for _ in range(_ROUNDS):
            changed_fids: set[int] = set()
            for fid in todo:
                tensor, primitive = self.tensor[fid], self.primitive[fid]
                rec = pf.fns[fid]
                if (not self.sites(fid) and not rec["ann"] and pf.root_kind[fid] is None
                        and name_hint(pf, fid) is None):
                    for name in self._candidate_params(fid):  # no caller, no hint: nothing to know
                        tensor[name] = _NO_SITES
                        primitive[name] = _NO_SITES
                    continue
                for name in self._candidate_params(fid):
                    t = self._tensor_param(fid, name)
                    if tensor.get(name) != t:
                        tensor[name] = t
                        changed_fids.add(fid)
                    p = self._primitive_param(fid, name)
                    if primitive.get(name) != p:
                        primitive[name] = p
                        changed_fids.add(fid)
            returns_changed = False
            for fid in dynamic_ret:
                if not self.returns_tensor[fid] and any(self._kind_tensor(fid, k) is True for k in pf.fns[fid]["ret"]):
                    self.returns_tensor[fid] = True
                    returns_changed = True
            nxt: set[int] = set()
            for fid in changed_fids:
                nxt |= param_deps.get(fid, set())
            if returns_changed:
                nxt.update(result_dependent)
            if not nxt and not returns_changed:
                break
            todo = sorted(nxt)

    def _param_sites(self, fid: int) -> dict[str, list[tuple[Any, Edge]]]:
        """Parameter -> the distinct kinds its call sites pass, each with the first site passing it
        (`_UNBOUND`: a site that passes nothing we can bind; `_CALLBACK`: the function handed on as a
        callback). Many sites pass the same kinds, so the lattices iterate over far fewer entries."""
        found = self._psites.get(fid)
        if found is not None:
            return found
        out: dict[str, list[tuple[Any, Edge]]] = {}
        seen: dict[str, set] = {}
        names = self._candidate_params(fid)
        for edge, binding in self.sites(fid):
            callback = not binding and edge.via.startswith("callback:")
            for name in names:
                kind = _CALLBACK if callback else binding.get(name, _UNBOUND)
                key = (kind, edge.caller) if isinstance(kind, tuple) else kind
                bucket = seen.setdefault(name, set())
                if key in bucket:
                    continue
                bucket.add(key)
                out.setdefault(name, []).append((kind, edge))
        self._psites[fid] = out
        return out

    # Parameter facts are (value, reason code, evidence edge or None, is boolean); the sentence is
    # written only when a fact is shown (api.py), not in the fixpoint's inner loop.
    def _tensor_param(self, fid: int, name: str) -> ParamFact:
        pf = self.pf
        rec = pf.fns[fid]
        ann = rec["ann"].get(name) if rec["ann"] else None
        if ann == "tensor":
            return _ANN_TENSOR
        if ann is not None:
            return _ANN_NOT_TENSOR
        if pf.root_kind[fid] in ("tf.data", "tf.data?"):
            return _TFDATA_TENSOR
        unknown_site = None
        real_sites = 0
        for kind, edge in self._param_sites(fid).get(name, ()):
            if kind is _CALLBACK:
                unknown_site = unknown_site or edge
                continue
            real_sites += 1
            if kind is _UNBOUND:
                unknown_site = unknown_site or edge
                continue
            verdict = self._kind_tensor(edge.caller, kind)
            if verdict is True:
                return (True, "site-tensor", edge, False)
            if verdict is None:
                unknown_site = unknown_site or edge
        undecided = unknown_site is not None or real_sites == 0
        hint = name_hint(pf, fid) if self._candidate_params(fid)[:1] == [name] else None
        if hint is not None and (undecided or hint.overrides_sites):
            # Hybridize's speculative keyword analysis (speculation.py): assumed, and marked as such.
            return (True, hint.code, None, False)
        if real_sites == 0 and unknown_site is None:
            return _NO_SITES
        if unknown_site is not None:
            return (None, "site-unknown", unknown_site, False)
        return _ALL_NOT_TENSOR

    def _primitive_param(self, fid: int, name: str) -> tuple:
        pf = self.pf
        rec = pf.fns[fid]
        ann = rec["ann"].get(name) if rec["ann"] else None
        if ann == "prim":
            return _ANN_PRIM
        if ann == "bool":
            return _ANN_BOOL
        if ann == "tensor":
            return _ANN_NOT_PRIM
        if pf.root_kind[fid] in ("tf.data", "tf.data?"):
            return _TFDATA_NOT_PRIM
        entries = self._param_sites(fid).get(name, ())
        if not entries:
            return _NO_SITES
        first_unknown = None
        all_bool = True
        first = None
        varying = None
        for kind, edge in entries:
            if kind is _UNBOUND or kind is _CALLBACK:
                first_unknown = first_unknown or edge
                continue
            value, is_bool = self._kind_primitive(edge.caller, kind)
            if value is False:
                return (False, "site-not-literal", edge, False)
            if value is None:
                first_unknown = first_unknown or edge
            else:
                first = first or edge
                all_bool = all_bool and is_bool
                if kind == LOOP_VARYING or kind == PY_SCALAR:
                    varying = varying or edge
        if first_unknown is not None:
            return (None, "site-unknown", first_unknown, False)
        if varying is not None and not all_bool:
            return (True, "sites-varying", varying, False)
        return (True, "sites-bool" if all_bool else "sites-literal", first, all_bool)
