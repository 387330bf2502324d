"""HYB004: variables (and objects that own variables) created in graph code on every trace."""
from __future__ import annotations

import ast
from typing import Iterable

from ..fixes.catalog import fix_for
from ..fixes.variable_hoist_plan import VARIABLE_CONSTRUCTORS, HoistPlan, plan_variable_hoist
from ..model import Finding, Fix, FixSafety, Severity
from ..project import GraphFunction
from ..summary import ClassInfo, FunctionInfo
from ._callers import graph_caller_links
from ._eager_guards import in_init_scope
from ._once_guard import is_once_guarded
from ._variable_in_graph_examples import INVALID, VALID
from .base import ModuleContext, Rule, via_text

# tf.random.Generator keeps its state in a tf.Variable (https://www.tensorflow.org/guide/random_numbers).
_GENERATOR_CONSTRUCTORS = frozenset({
    "tensorflow.random.Generator", "tensorflow.random.Generator.from_seed",
    "tensorflow.random.Generator.from_non_deterministic_state", "tensorflow.random.Generator.from_key_counter",
    "tensorflow.random.experimental.Generator",
})
# Keras families whose classes own variables (optimizer slots and iteration counters, layer weights,
# metric accumulators, whole models).
_KERAS_OWNER_PREFIXES = ("keras.optimizers.", "keras.layers.", "keras.metrics.", "keras.applications.")
_KERAS_MODELS = frozenset({"keras.Sequential", "keras.Model", "keras.models.Sequential", "keras.models.Model"})
# Layers that hold no variables: constructing one in graph code creates nothing that tf.function refuses.
# Not the dropout/noise layers: in Keras 3 they own a SeedGenerator, whose state is a variable (checked
# under TF 2.21 / Keras 3.15 in tests/runtime/test_side_effect_claims.py).
_WEIGHTLESS_LAYERS = frozenset({
    "Activation", "ActivityRegularization", "Add", "Average", "AveragePooling1D",
    "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "Concatenate", "Cropping1D",
    "Cropping2D", "Cropping3D", "Dot", "ELU", "Flatten", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Identity", "Input", "InputLayer",
    "InputSpec", "Lambda", "LeakyReLU", "Masking", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D",
    "MaxPooling2D", "MaxPooling3D", "Maximum", "Minimum", "Multiply", "Permute", "ReLU", "RepeatVector",
    "Reshape", "Softmax", "Subtract",
    "ThresholdedReLU", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
    "ZeroPadding3D", "Layer",
})
_KERAS_BASES = ("keras.layers.", "keras.Layer", "keras.Model", "keras.Sequential", "keras.models.")
# Methods where creating variables is the point and happens once (Keras calls build once per layer).
_CREATION_METHODS = frozenset({"__init__", "build"})

_FIX = Fix(
    "create it once outside the function (in __init__ or at module level) and reuse it, or guard the "
    "creation: `if self.v is None: self.v = tf.Variable(...)`",
    FixSafety.SUGGESTION,
)


class VariableInGraph(Rule):
    code = "HYB004"
    name = "variable-created-in-graph"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 2 right); was error.
    severity = Severity.INFO
    fix_safety = FixSafety.GATED
    summary = "A tf.function may create variables only on its first trace; creating them on every trace fails."
    what = """
        Finds `tf.Variable(...)`, `keras.Variable(...)`, `tf.keras.backend.variable(...)` and
        `tf.random.Generator` constructors in graph code, and constructors of objects that create
        variables when first used: Keras optimizers, layers with weights, metrics and models (also
        project subclasses of Keras layers and models). Creation guarded so that it happens once
        (`if self.v is None:`, `if not hasattr(self, "v"):`, `if key not in cache:`, `if not
        self.built:`) and creation inside Keras `build` or a constructor are not reported.
    """
    why = """
        `tf.function` supports creating variables only on its first trace. When the first trace
        creates variables, TensorFlow traces the function a second time to check that it does not
        create more; unconditional creation then fails at the very first call ("tf.function only
        supports singleton tf.Variables created on the first call", a `ValueError` on TF 2.21). An
        optimizer or a layer built inside the function creates its variables on first use and fails
        the same way.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def step(x):
            v = tf.Variable(tf.zeros_like(x))
            return v.assign_add(x)
    """
    use_instead = """
        import tensorflow as tf

        class Accumulator(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def __call__(self, x):
                if self.v is None:
                    self.v = tf.Variable(tf.zeros_like(x))
                return self.v.assign_add(x)
    """
    fix_doc = """
        Gated, for `v = tf.Variable(init)` written directly in the function's body: the creation moves
        to the end of the class's `__init__` (`self._v = tf.Variable(init)`, and the function reads
        `v = self._v`) or, for a module-level function `f`, to a module-level `_f_v` just above it.
        It is applied only when every fact it needs is known: `init` reads only module-level names
        (no parameter, local or `self`) and draws no random numbers, `v` is bound once, and the
        function only reads `v` (arithmetic, comparisons, TensorFlow ops that do not assign,
        `.read_value()`, `.shape`): never assigns it, returns it or passes it on. Then one shared
        variable holds, at every read, the value a fresh one would, so the results are those of the
        function run eagerly (`tests/runtime/test_refactoring_equivalence.py` checks it under TF).
        Otherwise the fix stays a suggestion whose reason names the failed fact: create it in
        `__init__`/`build` or at module level, or use the guard idiom (`if self.v is None:`) so that it
        is created on the first trace only. Layers, optimizers, metrics and random generators are
        never moved automatically (their state changes as they are used). Functions that really run
        once (an export script) can suppress the finding.

        Speculative analysis (ASE 2025, arXiv 2504.05424) guesses parameter kinds from function names;
        this refactoring never depends on a parameter, and it does not speculate either: a creation
        whose initial value reads the call's values (a variable shaped like the first batch) would
        silently differ from the next call's, so it stays a suggestion.
    """
    references = (
        "https://www.tensorflow.org/guide/function#creating_tfvariables",
        "https://www.tensorflow.org/api_docs/python/tf/function",
        "https://www.tensorflow.org/guide/intro_to_graphs",
    )
    valid = VALID
    invalid = INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            info = gf.info
            if info.name in _CREATION_METHODS and info.cls is not None:
                continue
            if not gf.is_root and _only_called_under_guard(ctx, gf):
                continue
            body = ctx.body(info)
            for call in body.calls:
                what = _creates_variables(ctx, info, call)
                if what is None or is_once_guarded(body, call) or in_init_scope(ctx, body, call):
                    continue  # under tf.init_scope() the creation runs eagerly, outside the trace
                text = ctx.source.segment(call.func)
                consequence = (
                    "so this fails when the function is called" if what.startswith(_DIRECT) else
                    "so this usually fails at the first call (at best each trace gets a fresh, untrained object)"
                )
                message = (
                    f"`{text}(...)` in graph code {what} on every trace; tf.function allows creating "
                    f"variables only on its first trace, {consequence}{via_text(gf)}"
                )
                fix = _hoist_fix(ctx, info, body.parent(call), call) if what == "creates a variable" else _FIX
                yield ctx.report(self, call, message, fn=gf, fix=fix)


def _hoist_fix(ctx: ModuleContext, info: FunctionInfo, parent: ast.AST | None, call: ast.Call) -> Fix:
    """Gated when the creation can move to `__init__` or module level (fixes/variable_hoist_plan.py),
    else the suggestion with the failed precondition as its reason."""
    fn = info.node
    cls = info.cls.node if info.is_method and info.cls is not None else None
    tree = ctx.source.tree
    top = next((st for st in tree.body if st is fn or st is cls), None)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) or top is None:
        return _FIX
    plan = plan_variable_hoist(tree, fn, cls, top, call, parent, ctx.qualify)
    if isinstance(plan, HoistPlan):
        return fix_for("HYB004", FixSafety.GATED, reason=plan.facts)
    return Fix(_FIX.description, FixSafety.SUGGESTION, reason=f"not moved automatically: {plan}")


# Direct variable creation always fails; Keras objects may lift their variables out of the graph (a Keras 3
# layer whose sublayers are made in __init__ built without error in tf.function under TF 2.21).
_DIRECT = ("creates a variable", "creates a random generator")


def _creates_variables(ctx: ModuleContext, fn: FunctionInfo, call: ast.Call) -> str | None:
    """How `call` creates variables ('creates a variable', ...), or None when it does not."""
    q = ctx.qualify(call.func)
    if q is not None:
        if q in VARIABLE_CONSTRUCTORS:
            return "creates a variable"
        if q in _GENERATOR_CONSTRUCTORS:
            return "creates a random generator (its state is a variable)"
        if q in _KERAS_MODELS:
            return "creates a Keras model (it makes variables when first used)"
        if q.startswith(_KERAS_OWNER_PREFIXES):
            last = q.rsplit(".", 1)[1]
            if not last[:1].isupper() or ".schedules." in q:
                return None  # functions (keras.layers.add) and learning-rate schedules
            if q.startswith("keras.layers.") and last in _WEIGHTLESS_LAYERS:
                return None
            if q.startswith("keras.layers.") and last in _CELL_WRAPPERS and _weightless_project_cell(ctx, fn, call):
                return None  # the wrapper's weights are its cell's, and this cell makes none
            return "creates a Keras object (it makes variables when first used)"
    if q is None or q.startswith(("builtins.", "tensorflow.", "keras.")):
        return None
    cls = ctx.project.lookup_qualified(q)
    if not isinstance(cls, ClassInfo):
        return None
    if any(b and b.startswith(_KERAS_BASES) for b in cls.bases):
        if _weightless_class(ctx, cls):
            return None  # a cell or layer none of whose methods makes a weight
        return f"creates a Keras `{cls.name}` (it makes variables when first used)"
    owner = ctx.project.modules_by_class(cls)
    init = owner.find_method(cls, "__init__") if owner is not None else None
    if init is not None:
        for inner in ctx.project.body(init).calls:
            if owner.imports.qualify(inner.func) in VARIABLE_CONSTRUCTORS:
                return f"creates a `{cls.name}` (its constructor creates a variable)"
    return None


# Keras layers whose variables are those of the cell or layer they wrap.
_CELL_WRAPPERS = frozenset({"RNN", "Bidirectional", "TimeDistributed"})
_WEIGHT_MAKERS = frozenset({"add_weight", "add_variable"})


def _weightless_project_cell(ctx: ModuleContext, fn: FunctionInfo, call: ast.Call) -> bool:
    """`keras.layers.RNN(MyCell(...))` (or `cell = MyCell(...); keras.layers.RNN(cell)`) where MyCell is a
    project class none of whose methods makes a weight (`add_weight`, `tf.Variable`, a Keras layer): the
    wrapper creates no variables either."""
    cell = call.args[0] if call.args else None
    if isinstance(cell, ast.Name):
        made = [st.value for st in ctx.project.body(fn).of_type(ast.Assign)
                if any(isinstance(t, ast.Name) and t.id == cell.id for t in st.targets)]
        cell = made[0] if len(made) == 1 else None
    if not isinstance(cell, ast.Call):
        return False
    q = ctx.qualify(cell.func)
    cls = ctx.project.lookup_qualified(q) if q is not None else None
    return isinstance(cls, ClassInfo) and _weightless_class(ctx, cls)


def _weightless_class(ctx: ModuleContext, cls: ClassInfo) -> bool:
    """No method of the project class makes a weight (`add_weight`, `tf.Variable`, a Keras layer). Only
    the class's own methods are read: a project base class that makes weights is not followed."""
    owner = ctx.project.modules_by_class(cls)
    if owner is None:
        return False
    for method in cls.methods.values():
        for inner in ctx.project.body(method).calls:
            func = inner.func
            if isinstance(func, ast.Attribute) and func.attr in _WEIGHT_MAKERS:
                return False
            made = owner.imports.qualify(func)
            if made is not None and (made in VARIABLE_CONSTRUCTORS or made.startswith(_KERAS_OWNER_PREFIXES)):
                return False
    return True


def _only_called_under_guard(ctx: ModuleContext, gf: GraphFunction) -> bool:
    """A helper whose every call from its graph caller is inside a once-guard (`if key not in cache:`)."""
    found = graph_caller_links(ctx, gf)
    return found is not None and all(is_once_guarded(found[0], node) for node in found[1])
