"""Why a refactoring does not apply: one sentence per failed (or undetermined) precondition, from the facts.

`hybridize facts` prints these next to the precondition codes, and the follow-up PR body quotes the facts
that justified a refactoring (issue 15: a decision shows its reasons, never only a code).
"""
from __future__ import annotations

from . import preconditions as pc
from .model import Evidence, Fact, FunctionFacts
from .rulesupport import MIN_TENSOR_WORK

# Our benefit heuristics on top of Hybridize's P1 (HYB021 suggests only what likely pays off).
NOT_CALLED_IN_LOOP = "NOT_CALLED_IN_LOOP"
TOO_LITTLE_TENSOR_WORK = "TOO_LITTLE_TENSOR_WORK"

_FIXED = {
    pc.IS_TEST_CODE: "test code: a tf.function there is the test's subject, a helper not worth compiling",
    pc.RETURNS_PYTHON_FUNCTION: "returns a Python function, which a tf.function cannot return",
    pc.IS_ABSTRACT_STUB: "an abstract method (it only raises NotImplementedError): the decorator is a contract "
                         "for the subclasses that override it",
    pc.RETURNS_PYTHON_OBJECT: "returns an instance of a project class that is not a Tensor or ExtensionType, "
                              "which a tf.function cannot return",
    pc.HAS_JIT_COMPILE: "compiled with XLA (jit_compile): graph mode is what the author asked for",
    pc.IS_FRAMEWORK_TRACED: "TensorFlow or Keras traces it itself",
    pc.IS_NESTED_FUNCTION: "a nested function: as a tf.function it would be re-created and traced on every call "
                           "of its enclosing function",
    pc.HAS_UNKNOWN_DECORATOR: "has a decorator the analysis does not know: callers call what it returns, which "
                              "may already be compiled or wrapped",
    pc.HAS_NO_PRIMITIVE_PARAMETERS: "no parameter receives Python values: nothing retraces",
}


def _params(facts: dict[str, Fact], value: bool | None) -> str:
    return "; ".join(f"`{n}`: {f.reason}" for n, f in facts.items() if f.value is value) or "no parameters"


def _evidence(items: tuple[Evidence, ...]) -> str:
    return "; ".join(f"{e.detail} ({e.location()})" if e.location() else e.detail for e in items[:3])


def reason(ff: FunctionFacts, code: str) -> str:
    """The sentence behind one precondition code for this function."""
    table = {
        pc.HAS_NO_TENSOR_PARAMETERS: lambda: _params(ff.tensor_parameters, False),
        pc.UNDETERMINABLE_TENSOR_PARAMETER: lambda: _params(ff.tensor_parameters, None),
        pc.HAS_PRIMITIVE_PARAMETERS: lambda: _params(ff.primitive_parameters, True),
        pc.UNDETERMINABLE_PRIMITIVE_PARAMETER: lambda: _params(ff.primitive_parameters, None),
        pc.SPECULATIVE_TENSOR_PARAMETER: lambda: "; ".join(
            f"`{n}`: {f.reason}" for n, f in ff.tensor_parameters.items() if f.speculative),
        pc.HAS_PYTHON_SIDE_EFFECTS: lambda: ff.side_effects.reason,
        pc.UNDETERMINABLE_SIDE_EFFECTS: lambda: ff.side_effects.reason,
        pc.IS_RECURSIVE: lambda: ff.recursive.reason,
        pc.NO_TENSOR_COMPUTATION: lambda: ff.tensor_computation.reason,
        pc.HAS_EAGER_ONLY_CALLS: lambda: ff.eager_only_calls.reason,
        pc.HAS_NUMPY_CALLS_ON_PARAMETERS: lambda: _evidence(ff.numpy_on_parameters),
        pc.HAS_KERAS_SYMBOLIC_ARGUMENTS: lambda: _evidence(ff.keras_tensor_arguments),
        pc.HAS_INVALID_NAME_ARGUMENTS: lambda: _evidence(ff.invalid_name_arguments) + ": ignored eagerly, "
                                               "TypeError once traced",
        pc.HAS_TENSOR_PARAMETER_ITERATION: lambda: _evidence(ff.tensor_parameter_iteration) + ": AutoGraph does "
                                                   "not convert it, tracing raises",
        pc.HAS_UNRESOLVED_STATICALLY_READ_AXES: lambda: "; ".join(e.detail for e in ff.static_shape_reads) + (
            ": with relaxed shapes a static read gives None"),
        pc.HAS_COVERED_CALLERS: lambda: ("already runs in graph context (called from hybrid code)" if ff.in_graph
                                         else ff.callers_covered.reason),
        pc.REQUIRES_GRAPH_EXECUTION: lambda: _evidence(ff.graph_required) or "exported (input_signature or a "
                                                                              "tf.Module/Keras method)",
        NOT_CALLED_IN_LOOP: lambda: ff.called_in_loop.reason,
        TOO_LITTLE_TENSOR_WORK: lambda: f"tensor work {ff.tensor_work} < {MIN_TENSOR_WORK}: a graph's per-call "
                                        "cost would outweigh the saved Python overhead",
    }
    found = table.get(code)
    return found() if found is not None else _FIXED.get(code, "")


def benefit_failures(ff: FunctionFacts) -> list[str]:
    """For a convert-to-hybrid candidate: our benefit preconditions that fail (HYB021 then stays silent)."""
    if ff.refactoring != pc.CONVERT_TO_HYBRID:
        return []
    out = []
    if ff.called_in_loop.value is not True:
        out.append(NOT_CALLED_IN_LOOP)
    if ff.tensor_work < MIN_TENSOR_WORK:
        out.append(TOO_LITTLE_TENSOR_WORK)
    return out


def verdict(ff: FunctionFacts) -> tuple[str, dict[str, str]]:
    """('applies' | 'suggestion only' | 'blocked' | 'not worth it', {code: reason})."""
    if ff.blocked_by:
        return "blocked", {c: reason(ff, c) for c in ff.blocked_by}
    benefit = benefit_failures(ff)
    if benefit:
        return "not worth it", {c: reason(ff, c) for c in benefit}
    if ff.undetermined:
        return "suggestion only", {c: reason(ff, c) for c in ff.undetermined}
    return "applies", {}
