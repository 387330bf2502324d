"""Three-valued facts with their reasons, and the per-function record the project computes."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where a fact comes from: a repository path and a 1-based line (None when not tied to a place)."""

    kind: str
    path: str | None = None
    line: int | None = None
    detail: str = ""

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "location": self.location() or None, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Fact:
    """yes (True) / no (False) / undeterminable (None), with a sentence saying why and the evidence."""

    value: bool | None
    reason: str
    evidence: tuple[Evidence, ...] = ()
    # Assumed from a name hint (facts/speculation.py), not derived: a refactoring resting on it is a
    # suggestion only (issue 15).
    speculative: bool = False

    @property
    def determinate(self) -> bool:
        return self.value is not None

    def __bool__(self) -> bool:  # pragma: no cover - guard against `if fact:` meaning "is yes"
        raise TypeError("a Fact is three-valued: test fact.value is True / False / None")


YES, NO, UNKNOWN = True, False, None


@dataclass(frozen=True, slots=True)
class CallSite:
    """One place where a project function is called (or handed on as a callback).

    `arg_kinds` maps each parameter of the callee that this site binds to the kind of value passed
    (see fact_kinds.KINDS; "param:x" when the caller passes its own parameter x, "call:f" for the result of a
    call). `via` is "call", "constructor", "dispatch" (Keras `model(x)` -> `call`), or "callback:<how>"
    ("tfdata", "py_function", "strategy", "tf_function", "graph_built", "arg").
    """

    caller: int  # function id of the calling function (the module's top level has its own id)
    callee: int
    path: str
    line: int
    col: int
    in_loop: bool
    via: str
    arg_kinds: dict[str, object] = field(default_factory=dict)
    caller_in_graph: bool = False


@dataclass(frozen=True, slots=True)
class FunctionFacts:
    """Everything `hybridize facts` reports for one function (see docs/facts.md)."""

    fid: int
    path: str
    qualname: str
    line: int
    hybrid: bool
    in_graph: bool
    public: Fact
    tensor_parameters: dict[str, Fact]
    primitive_parameters: dict[str, Fact]
    side_effects: Fact
    side_effect_reasons: tuple[Evidence, ...]
    recursive: Fact
    tensor_computation: Fact
    eager_only_calls: Fact
    callers_covered: Fact
    called_in_loop: Fact
    numpy_on_parameters: tuple[Evidence, ...]
    keras_tensor_arguments: tuple[Evidence, ...]
    graph_required: tuple[Evidence, ...]
    tensor_work: int
    refactoring: str | None = None
    blocked_by: tuple[str, ...] = ()
    # Preconditions that could not be decided but do not block: the refactoring is only a suggestion.
    undetermined: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Preconditions of issue 11 (facts/precondition_scans.py): non-string `name` arguments of TF ops, and
    # iteration over a tensor parameter that AutoGraph does not convert.
    invalid_name_arguments: tuple[Evidence, ...] = ()
    tensor_parameter_iteration: tuple[Evidence, ...] = ()
    # A hybrid function's loop call sites that pass tensors of visibly varying shape (HYB008's evidence),
    # and its body's static shape reads: the `reconfigure` outcome and what blocks it.
    shape_varying_calls: tuple[Evidence, ...] = ()
    static_shape_reads: tuple[Evidence, ...] = ()

    def names_where(self, facts: dict[str, Fact], value: bool) -> list[str]:
        return [name for name, fact in facts.items() if fact.value is value]
