"""The Hybridize preconditions as decision tables (hybridization-study.md §2.3 and §2.4).

`decide` names the candidate refactoring of a function and the preconditions that block it, in the
tool's vocabulary (`PreconditionFailure.java`): an empty `blocked_by` means the refactoring applies.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .paths import is_test_path

if TYPE_CHECKING:
    from .model import FunctionFacts

CONVERT_TO_HYBRID = "convert-to-hybrid"
CONVERT_TO_EAGER = "convert-to-eager"
# Hybridize's P4/P5: change the decorator of a hybrid function so that it stops tracing once per input shape
# (`reduce_retracing=True` or an `input_signature` with None dimensions). Ours is produced where call sites
# visibly vary the shapes they pass (HYB008's evidence), not from an inferred signature.
RECONFIGURE = "reconfigure"

HAS_PYTHON_SIDE_EFFECTS = "HAS_PYTHON_SIDE_EFFECTS"
UNDETERMINABLE_SIDE_EFFECTS = "UNDETERMINABLE_SIDE_EFFECTS"
HAS_PRIMITIVE_PARAMETERS = "HAS_PRIMITIVE_PARAMETERS"
HAS_NO_PRIMITIVE_PARAMETERS = "HAS_NO_PRIMITIVE_PARAMETERS"
UNDETERMINABLE_PRIMITIVE_PARAMETER = "UNDETERMINABLE_PRIMITIVE_PARAMETER"
HAS_NO_TENSOR_PARAMETERS = "HAS_NO_TENSOR_PARAMETERS"
UNDETERMINABLE_TENSOR_PARAMETER = "UNDETERMINABLE_TENSOR_PARAMETER"
IS_RECURSIVE = "IS_RECURSIVE"
# Hybridize's SPECULATIVE_ANALYSIS: the only tensor parameters are assumed from the function's name
# (speculation.py). Never blocks, never gates: the refactoring becomes a suggestion.
SPECULATIVE_TENSOR_PARAMETER = "SPECULATIVE_TENSOR_PARAMETER"
NO_TENSOR_COMPUTATION = "NO_TENSOR_COMPUTATION"
HAS_EAGER_ONLY_CALLS = "HAS_EAGER_ONLY_CALLS"
HAS_NUMPY_CALLS_ON_PARAMETERS = "HAS_NUMPY_CALLS_ON_PARAMETERS"
HAS_KERAS_SYMBOLIC_ARGUMENTS = "HAS_KERAS_SYMBOLIC_ARGUMENTS"
# Hybridize #814: a non-string where a TF op takes its `name` (`tf.sqrt(x, tf.float32)`): ignored eagerly,
# `TypeError` once traced (TF 2.21).
HAS_INVALID_NAME_ARGUMENTS = "HAS_INVALID_NAME_ARGUMENTS"
# Hybridize #830: iteration over a tensor parameter that AutoGraph does not convert (a comprehension,
# `enumerate`/`zip`, a `for` that appends to a Python list); a plain `for` is converted (TF 2.21).
HAS_TENSOR_PARAMETER_ITERATION = "HAS_TENSOR_PARAMETER_ITERATION"
# Hybridize #811/#864: with relaxed shapes a static read (`x.shape[0]`, `len(x)`) gives None: reconfigure
# only a function that reads none (the same gate as HYB008's fix, rules/_static_shapes.py).
HAS_UNRESOLVED_STATICALLY_READ_AXES = "HAS_UNRESOLVED_STATICALLY_READ_AXES"
HAS_COVERED_CALLERS = "HAS_COVERED_CALLERS"
# Ours (study §3.2 HYB022 extra preconditions): graph execution is required by how the function is used.
REQUIRES_GRAPH_EXECUTION = "REQUIRES_GRAPH_EXECUTION"
HAS_JIT_COMPILE = "HAS_JIT_COMPILE"
IS_FRAMEWORK_TRACED = "IS_FRAMEWORK_TRACED"
# Test code: a tf.function written in a test is usually the test's subject (tracing, AutoGraph, XLA),
# and a test helper is not worth compiling; refactoring suggestions there are noise (issue 10 #5).
IS_TEST_CODE = "IS_TEST_CODE"
# A nested function: decorating it makes a new tf.function on every call of the enclosing function,
# which traces again each time (HYB007's hazard), so converting it cannot pay off.
IS_NESTED_FUNCTION = "IS_NESTED_FUNCTION"
RETURNS_PYTHON_FUNCTION = "RETURNS_PYTHON_FUNCTION"  # a tf.function cannot return a Python function
# Returns an instance of a project class that is not an ExtensionType/CompositeTensor: a tf.function raises
# "must return zero or more Tensors or ExtensionTypes" (TF 2.21; TF Quant Finance's `DateTensor`, issue 10).
RETURNS_PYTHON_OBJECT = "RETURNS_PYTHON_OBJECT"
# An abstract method (its body only raises NotImplementedError): a tf.function there tells subclasses how the
# method is meant to run; removing it gains nothing (TensorFlowASR's AugmentationMethod.augment, issue 10).
IS_ABSTRACT_STUB = "IS_ABSTRACT_STUB"  # Keras train_step / tf.data callbacks: traced by TF itself
# A decorator that is not a known neutral one (staticmethod, classmethod, abc.abstractmethod...): what
# callers call is whatever it returns, which may already be compiled (tensorcircuit's
# `compiled_jit = partial(backend.jit, jit_compile=True)`, issue 10 P48-fixa), cached or registered;
# stacking a tf.function on it is at best redundant.
HAS_UNKNOWN_DECORATOR = "HAS_UNKNOWN_DECORATOR"
# Decorators that hand back the function itself (or a plain descriptor of it).
NEUTRAL_DECORATORS = frozenset({"builtins.staticmethod", "builtins.classmethod", "abc.abstractmethod",
                                "typing.overload", "typing.override", "typing_extensions.override",
                                "typing.final", "typing_extensions.final"})


def _any(facts: dict, value: bool) -> bool:
    return any(f.value is value for f in facts.values())


def _significant_primitives(facts: "FunctionFacts") -> dict:
    """Booleans are tracked apart (Hybridize's ignoreBooleans): two traces at most, not a retracing storm."""
    booleans = set()
    for note in facts.notes:
        if note.startswith("boolean parameters: "):
            booleans.update(n.strip() for n in note.split(":", 1)[1].split(","))
    return {k: v for k, v in facts.primitive_parameters.items() if k not in booleans}


def tensor_parameter_value(facts: "FunctionFacts") -> bool | None:
    """hasTensorParameter: yes if any parameter is likely a tensor, no if all are determinately not."""
    if _any(facts.tensor_parameters, True):
        return True
    if not facts.tensor_parameters or _any(facts.tensor_parameters, None):
        return None if facts.tensor_parameters else False
    return False


def primitive_parameter_value(facts: "FunctionFacts") -> bool | None:
    prims = _significant_primitives(facts)
    if _any(prims, True):
        return True
    if _any(prims, None):
        return None
    return False


def decide(facts: "FunctionFacts", rec: dict[str, Any], root_kind: str | None,
           exported: bool = False, returns_object: bool = False) -> tuple[str | None, list[str], list[str], list[str]]:
    """(refactoring, blocked_by, notes, undetermined) for one function.

    `undetermined`: preconditions that could not be decided but do not block (issue 15): a function with a
    known tensor parameter and one parameter of unknown kind is still a candidate, as a suggestion only.

    `exported`: the hybrid function is a method of a tf.Module/Keras class or has an input_signature,
    which is how concrete functions and SavedModel signatures are made (graph mode required).
    `returns_object`: some return statement gives an instance of a project class a tf.function cannot return.
    """
    notes: list[str] = []
    tensor = tensor_parameter_value(facts)
    primitive = primitive_parameter_value(facts)
    effects = facts.side_effects.value
    blocked: list[str] = []
    if is_test_path(facts.path):
        blocked.append(IS_TEST_CODE)
    if facts.hybrid:
        hy = rec["hy"]
        if hy[0] == "keras" or root_kind == "keras":
            return None, [IS_FRAMEWORK_TRACED], ["Keras compiles train_step/test_step/predict_step itself"], []
        if facts.recursive.value is True:
            notes.append("Recursive tf.functions are not supported by TensorFlow.")
        if effects is True:
            notes.append("This hybrid function potentially contains Python side-effects.")
        candidate = []
        if tensor is False:
            candidate.append("P2")
        if tensor is True and primitive is True:
            candidate.append("P3")
        if facts.tensor_computation.value is False:
            candidate.append("P6")
        if not candidate:
            if tensor is None:
                blocked.append(UNDETERMINABLE_TENSOR_PARAMETER)
            elif primitive is None:
                blocked.append(UNDETERMINABLE_PRIMITIVE_PARAMETER)
            else:
                blocked.append(HAS_NO_PRIMITIVE_PARAMETERS)
        else:
            notes.append("precondition " + "/".join(candidate))
        if effects is True:
            blocked.append(HAS_PYTHON_SIDE_EFFECTS)
        elif effects is None:
            blocked.append(UNDETERMINABLE_SIDE_EFFECTS)
        if facts.graph_required or exported:
            blocked.append(REQUIRES_GRAPH_EXECUTION)
        if rec.get("stub"):
            blocked.append(IS_ABSTRACT_STUB)
        if "jit_compile" in hy[2] or "experimental_compile" in hy[2]:
            blocked.append(HAS_JIT_COMPILE)
        kept = [code for code in blocked if code != IS_TEST_CODE]
        if kept and facts.shape_varying_calls:
            # The graph stays (removing it is blocked), but its call sites make it trace once per input
            # shape: change its decorator instead.
            notes.append("convert-to-eager blocked by " + ", ".join(kept))
            return RECONFIGURE, _reconfigure_blocks(facts), notes, []
        return CONVERT_TO_EAGER, blocked, notes, []
    if root_kind is not None:
        return None, [IS_FRAMEWORK_TRACED], [f"traced by {root_kind}"], []
    if facts.in_graph:
        # Already runs inside a graph (called from hybrid code): a decorator adds only a nested boundary.
        return None, [HAS_COVERED_CALLERS], [], []
    if tensor is False:
        blocked.append(HAS_NO_TENSOR_PARAMETERS)
    elif tensor is None:
        blocked.append(UNDETERMINABLE_TENSOR_PARAMETER)
    undetermined: list[str] = []
    if tensor is True and all(f.speculative for f in facts.tensor_parameters.values() if f.value is True):
        undetermined.append(SPECULATIVE_TENSOR_PARAMETER)
    if primitive is True:
        blocked.append(HAS_PRIMITIVE_PARAMETERS)
    elif primitive is None:
        # One parameter of unknown kind does not hide a function whose other parameters are known tensors
        # (issue 15): it stays a candidate, demoted to a suggestion. With no known tensor it still blocks.
        (undetermined if tensor is True else blocked).append(UNDETERMINABLE_PRIMITIVE_PARAMETER)
    if effects is True:
        blocked.append(HAS_PYTHON_SIDE_EFFECTS)
    elif effects is None:
        blocked.append(UNDETERMINABLE_SIDE_EFFECTS)
    if facts.recursive.value is True:
        blocked.append(IS_RECURSIVE)
    if facts.tensor_computation.value is False:
        blocked.append(NO_TENSOR_COMPUTATION)
    if facts.eager_only_calls.value is True:
        blocked.append(HAS_EAGER_ONLY_CALLS)
    if facts.numpy_on_parameters:
        blocked.append(HAS_NUMPY_CALLS_ON_PARAMETERS)
    if facts.keras_tensor_arguments:
        blocked.append(HAS_KERAS_SYMBOLIC_ARGUMENTS)
    if facts.invalid_name_arguments:
        blocked.append(HAS_INVALID_NAME_ARGUMENTS)
    if facts.tensor_parameter_iteration:
        blocked.append(HAS_TENSOR_PARAMETER_ITERATION)
    if facts.callers_covered.value is True:
        blocked.append(HAS_COVERED_CALLERS)
    if rec["par"] is not None:
        blocked.append(IS_NESTED_FUNCTION)
    if any(d not in NEUTRAL_DECORATORS for d in rec["deco"]):
        blocked.append(HAS_UNKNOWN_DECORATOR)
    if "fn" in rec["ret"]:
        blocked.append(RETURNS_PYTHON_FUNCTION)
    if returns_object:
        blocked.append(RETURNS_PYTHON_OBJECT)
    return CONVERT_TO_HYBRID, blocked, notes, undetermined


def _reconfigure_blocks(facts: "FunctionFacts") -> list[str]:
    blocked = [IS_TEST_CODE] if is_test_path(facts.path) else []
    if facts.static_shape_reads:
        blocked.append(HAS_UNRESOLVED_STATICALLY_READ_AXES)
    return blocked
