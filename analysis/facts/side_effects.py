"""Side effects: what each function changes (its own, and its callees' as they apply to it).

One worklist pass from callees to callers (`SideEffects`, a part of `Fixpoints` in compute.py); an
effect on a callee's `self` or parameter is translated to what the caller passed (`effect_for_caller`,
also asked by api.py). Separate because it is the one fixpoint whose values change along the edges.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from .call_edges import Edge
from .call_resolution import CTOR, DISPATCH
from .fact_kinds import ALLOC, DATASET, KERAS, LITERALS, NUMPY, TENSOR
from .project_facts import ProjectFacts

_EFFECT_CAP = 6  # distinct (kind, target) effects kept per function: enough to explain, bounded work


class SideEffects:
    """Fills `effects`: function -> {(kind, target): (fid, line, detail) of the first evidence}."""

    pf: ProjectFacts
    effects: list[dict[tuple[str, str], tuple[int, int, str]]]

    # ---- side effects --------------------------------------------------------------------------
    def _side_effects(self) -> None:
        pf, eff = self.pf, self.effects
        work: deque[int] = deque()
        for fid in self._scope:
            for kind, target, line, detail in pf.fns[fid]["fx"]:
                key = (kind, target)
                if key not in eff[fid] and len(eff[fid]) < _EFFECT_CAP:
                    eff[fid][key] = (fid, line, detail)
            if eff[fid]:
                work.append(fid)
        queued = set(work)
        while work:
            g = work.popleft()
            queued.discard(g)
            for edge in pf.callers[g]:
                if edge.eager_callback or edge.via == "callback:tf_function":
                    continue
                f = edge.caller
                binding: dict[str, Any] | None = None
                changed = False
                for (kind, target), evidence in list(eff[g].items()):
                    if target.startswith("p:") and binding is None:
                        binding = pf.bind(edge)
                    new_target = self.effect_for_caller(edge, target, binding)
                    if new_target is None:
                        continue
                    key = (kind, new_target)
                    if key in eff[f] or len(eff[f]) >= _EFFECT_CAP:
                        continue
                    eff[f][key] = evidence
                    changed = True
                if changed and f not in queued:
                    queued.add(f)
                    work.append(f)

    def effect_for_caller(self, edge: Edge, target: str, binding: dict[str, Any] | None) -> str | None:
        """What a callee's effect on `target` is for the caller (None: on an object the caller made)."""
        pf = self.pf
        if target in ("world", "global"):
            return target
        caller_self = pf._self_name_of(edge.caller)
        if target == "self":
            if edge.via == CTOR:
                return None  # the constructor initialises the object the caller is allocating
            if edge.recv == "self" or (caller_self is not None and edge.root == caller_self):
                return "self"
            if edge.recv in ("alloc", "local", "tensor"):
                return None
            if edge.recv == "param":
                return "p:" + edge.root
            if edge.via == DISPATCH and edge.root in pf.fns[edge.caller]["inst"]:
                return None  # model = Model(); model(x): a local instance
            return "global"
        # "p:name": the callee changes what its parameter refers to.
        name = target[2:]
        if edge.via.startswith("callback:"):
            return "global"
        kind = (binding or {}).get(name)
        if kind is None:
            return None if name in pf.fns[edge.callee]["dflt"] and pf.fns[edge.callee]["dflt"][name] in LITERALS \
                else "global"
        if kind in LITERALS or kind in (ALLOC, TENSOR, NUMPY, DATASET, KERAS):
            return None
        if isinstance(kind, tuple):
            if kind[0] == "p":
                return "p:" + kind[1]
            if kind[0] == "r":
                return None  # the result of a call: a fresh object in the common case
        if kind == "s":
            return "self"
        return "global"
