"""Call sites of one function body (`CallSites`, a part of `FunctionWalker`): the record of each call,
the local Python side effects and tensor work of library calls, eager-only methods, NumPy on
parameters, and the functions handed to other calls (callbacks, and what runs them)."""
from __future__ import annotations

import ast
import re

from ..imports import TF_FUNCTION, ImportTable
from ..summary import ModuleSummary
from . import tables
from .fact_kinds import ALLOC, DATASET, FUNCTION, KERAS, NUMPY, TENSOR
from .kind_inference import KindInference
from .refs import ref_of

_DATASET_NAME = re.compile(r"(^|_)(ds|dataset|datasets|data)(_|$)|dataset", re.I)
_STRATEGY_NAME = re.compile(r"strategy|strat$", re.I)
_STRATEGY_OPS = frozenset({"run", "reduce", "gather", "all_reduce"})
_LOGGER_NAME = re.compile(r"log", re.I)
_QUAL_INFO: dict[str, tuple] = {}
_NO_INFO = (None, False, False, False)


def _qual_info(qual: str) -> tuple:
    """(Python effect kind, is a tensor op, is a heavy op, is NumPy non-random) for a qualified name, memoized."""
    info = _QUAL_INFO.get(qual)
    if info is None:
        tensor = tables.is_tensor_api(qual)
        info = _QUAL_INFO[qual] = (
            tables.python_effect_of_call(qual), tensor, tensor and tables.is_heavy_tensor_api(qual),
            qual.startswith("numpy.") and not qual.startswith("numpy.random."),
        )
    return info


class CallSites(KindInference):
    """Fills `calls`, `callbacks`, `eager_only`, `numpy_params`, the tensor-op counts, and the effects of
    library calls (`effects`, or `pending` for a container mutated in place, whose owner is known later)."""

    summary: ModuleSummary
    imports: ImportTable
    calls: list[tuple]
    callbacks: list[tuple]
    effects: list[tuple]
    pending: list[tuple[str, str, int, str]]
    eager_only: list[tuple]
    numpy_params: list[tuple]
    aliases: dict[str, tuple]
    ops: int
    heavy: int

    # ---- calls ------------------------------------------------------------------------------------
    def call(self, call: ast.Call, in_loop: bool) -> None:
        func = call.func
        ref = ref_of(func)
        qual = self.qualify(func, ref) if ref is not None else None
        kind = self.kind
        star = False
        if call.args:
            args = tuple(kind(a) for a in call.args if type(a) is not ast.Starred)
            star = len(args) != len(call.args)
        else:
            args = ()
        if call.keywords:
            kwargs = tuple((k.arg, kind(k.value)) for k in call.keywords if k.arg is not None)
            star = star or len(kwargs) != len(call.keywords)
        else:
            kwargs = ()
        recv = self.receiver(ref)
        self.calls.append((ref, qual, call.lineno, call.col_offset, in_loop, args, kwargs, recv, star))
        attr = func.attr if type(func) is ast.Attribute else None
        # Local effects of library calls (project calls are followed by the project fixpoint).
        info = _qual_info(qual) if qual is not None else _NO_INFO
        effect = info[0]
        if effect is not None:
            self.effects.append((effect, "world", call.lineno, qual or ""))
        elif attr is not None and ref is not None and attr in tables.LOGGING_METHODS and len(ref) == 2 \
                and recv == "free" and _LOGGER_NAME.search(ref[0]):
            self.effects.append(("print", "world", call.lineno, ".".join(ref)))
        elif attr is not None and attr in tables.CONTAINER_MUTATORS and ref is not None and (
                qual is None or self._module_bound(ref[0])):
            self.pending.append(("mutation", ref[0], call.lineno, ".".join(ref)))
        # Tensor work.
        if info[1]:
            self.ops += 1
            if info[2]:
                self.heavy += 1
        elif attr is not None and qual is None and (recv == "tensor" or attr in tables.TENSOR_METHODS):
            self.ops += 1
        elif attr in _STRATEGY_OPS and ref is not None and len(ref) >= 2 and _STRATEGY_NAME.search(ref[-2]):
            # `strategy.run(step, args)` runs a replica step (its callback is often a model method the call
            # graph cannot resolve) and `strategy.reduce(...)` is a collective: TensorFlow computation
            # (TF Graphics' distributed_step, issue 10).
            self.ops += 1
        if attr is not None and attr in tables.EAGER_ONLY_METHODS:
            self.eager_only.append((call.lineno, attr, ref))
        if info[3]:
            for k in args:
                if type(k) is tuple and k[0] == "p":
                    self.numpy_params.append((call.lineno, k[1]))
                    break
        # Callbacks: functions handed to other calls.
        candidates: list[tuple[ast.expr, str | None]] = [
            (a, None) for a in call.args if type(a) is ast.Name or type(a) is ast.Attribute]
        if call.keywords:
            candidates += [(k.value, k.arg) for k in call.keywords
                           if type(k.value) is ast.Name or type(k.value) is ast.Attribute]
        if not candidates:
            return
        via = None
        for arg, keyword in candidates:
            cb = ref_of(arg)
            if cb is None or (len(cb) == 1 and cb[0] in self.kinds and cb[0] not in self.aliases
                               and self.kinds[cb[0]] != FUNCTION):
                continue
            if len(cb) == 1 and cb[0] in self.param_set:
                continue
            if keyword in tables.GRAPH_BUILT_KEYWORDS:
                self.callbacks.append((cb, arg.lineno, arg.col_offset, in_loop, "graph_built"))
                continue
            if via is None:
                via = self.callback_via(call, qual, attr)
            self.callbacks.append((cb, arg.lineno, arg.col_offset, in_loop, via))

    def _module_bound(self, name: str) -> bool:
        """A module-level variable of this module (not an import)."""
        mod = self.summary.module
        return self.imports.names.get(name) == (f"{mod}.{name}" if mod else name)

    def callback_via(self, call: ast.Call, qual: str | None, attr: str | None) -> str:
        if qual in tables.PY_FUNCTION_CALLS:
            return "py_function"
        if qual in TF_FUNCTION:
            return "tf_function"
        if attr is not None and isinstance(call.func, ast.Attribute):
            receiver = call.func.value
            if attr in tables.TFDATA_CALLBACK_METHODS:
                rk = self.kind(receiver)
                if rk == DATASET or (qual or "").startswith("tensorflow.data."):
                    return "tfdata"
                chain = ref_of(receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
                if chain and _DATASET_NAME.search(chain[-1]):
                    return "tfdata?"  # named like a dataset: speculative (reported as such)
            if attr == "run":
                chain = ref_of(receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
                if (qual or "").startswith("tensorflow.distribute.") or (chain and _STRATEGY_NAME.search(chain[-1])):
                    return "strategy"
        return "arg"

    def receiver(self, ref: tuple[str, ...] | None) -> str:
        if ref is None or len(ref) < 2:
            return ""
        root = ref[0]
        if root == self.self_name:
            return "self"
        if root == "super":
            return "super"
        if root in self.kinds:
            k = self.kinds[root]
            if k in (ALLOC,) or (isinstance(k, tuple) and k[0] == "r"):
                return "alloc"
            if k in (TENSOR, NUMPY, DATASET, KERAS):
                return "tensor"
            if isinstance(k, tuple) and k[0] == "p":
                return "param"
            return "local"
        if root in self.param_set:
            return "param"
        if root in self.stores:
            return "local"
        return "free"
