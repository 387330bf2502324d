"""HYB002: mutation of Python state that lives outside the graph function."""
from __future__ import annotations

from typing import Iterable

from ..model import Finding, Fix, FixSafety, Severity
from ..summary import FunctionInfo
from ._callers import every_caller, every_graph_call
from ._outer_mutation_examples import INVALID, VALID
from ._once_guard import is_once_guarded, runs_once
from ._outer_writes import OuterWrites
from .base import ModuleContext, Rule, via_text

# Methods whose job is to (re)initialize an object's attributes; they run on a fresh or once-only object.
_INITIALIZERS = frozenset({"__init__", "build", "__post_init__", "__new__", "__setstate__"})

_FIX = Fix(
    "keep the state in a tf.Variable updated with .assign/.assign_add, accumulate with tf.TensorArray, "
    "or return the value from the function",
    FixSafety.SUGGESTION,
)


class OuterMutation(Rule):
    code = "HYB002"
    name = "outer-state-mutation-in-graph"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 18 right); was warning.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "Changes to outer Python state in a tf.function happen once per trace, not once per call."
    what = """
        Finds graph code (a `tf.function`, a Keras `train_step`, a `tf.data` callback, or a project
        function they call, in any file) that changes Python state living outside the call: container
        methods (`append`, `extend`, `insert`, `update`, `pop`, ...) or item assignment on module globals,
        closure variables or `self` attributes; rebinding of `global`/`nonlocal` names; `self.attr = ...`
        and `self.attr += ...`; and mutation of a `tf.function`'s own Python arguments.
    """
    why = """
        TensorFlow runs the Python body of a `tf.function` only while tracing it; later calls replay the
        graph. A counter incremented in Python stops counting after the first trace (or counts twice
        when the first call creates variables), a list of losses grows only when the function retraces,
        and a tensor stored in a list or attribute is a symbolic graph tensor that cannot be used outside
        the function. TensorFlow rejects mutation of a `tf.function`'s own list or dict arguments with
        "should not modify its Python input arguments".
    """
    example = """
        import tensorflow as tf

        history = []

        @tf.function
        def train_step(x):
            loss = tf.reduce_sum(x)
            history.append(loss)
            return loss
    """
    use_instead = """
        import tensorflow as tf

        history = []

        @tf.function
        def train_step(x):
            return tf.reduce_sum(x)

        for batch in [tf.ones([2])] * 3:
            history.append(train_step(batch).numpy())
    """
    fix_doc = """
        Suggestion only: the right replacement depends on what the state is for. Counters and running
        values belong in a `tf.Variable` updated with `.assign`/`.assign_add`; per-step values are best
        returned and collected by the eager caller; accumulation inside a loop uses `tf.TensorArray`.
        Mutating a container created in the same function, the guarded lazy-creation idiom
        (`if self.v is None: self.v = tf.Variable(...)`) and attribute setting in Keras `build` are not
        reported. Mutation of a helper's parameters is not reported (the caller may own the object),
        nor is mutation of objects imported from other modules, nor a store `self.name = ...` when no
        code of the project reads an attribute called `name` (on any object, or as a string handed to
        a call such as `getattr`) and nothing that may hold the object reads attributes by computed
        names (`vars`, `__dict__`, `getattr(obj, name)`, pickling in its module or class hierarchy) and
        its class has no base outside the project: nobody sees the value, so setting it only while
        tracing is harmless. A library's users, outside the project, are not seen.
    """
    references = (
        "https://www.tensorflow.org/guide/function#executing_python_side_effects",
        "https://www.tensorflow.org/guide/function#changing_python_global_and_free_variables",
        "https://www.tensorflow.org/guide/function#all_outputs_of_a_tffunction_must_be_return_values",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/limitations.md",
    )
    valid = VALID
    invalid = INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            info = gf.info
            if info.name in _INITIALIZERS and (info.cls is not None or info.name == "build"):
                continue
            if _initializer_helper(ctx, info):
                continue  # `def __init__(self, m): self._build(m)`: sets up an object being created
            if runs_once(info.node):
                continue  # `@once.once def _initialize(self, x)`: build code meant for the first trace
            if _graph_calls_once_guarded(ctx, info):
                continue  # `if not self._initialized: self.resample()`: first-trace set-up, eager calls normal
            checker = OuterWrites(ctx, gf)
            for node, message in checker.problems():
                yield ctx.report(self, node, message + via_text(gf), fn=gf, fix=_FIX)


def _initializer_helper(ctx: ModuleContext, info: FunctionInfo) -> bool:
    """A method called only from its own class's initializers (`__init__` -> `self._build(...)`): it sets
    up a fresh object like `__init__` does, so its attribute stores are not state kept across calls."""
    if info.cls is None:
        return False
    return every_caller(ctx, info, lambda caller, _site: caller.name in _INITIALIZERS
                        and caller.qualname.rpartition(".")[0] == info.qualname.rpartition(".")[0])


def _graph_calls_once_guarded(ctx: ModuleContext, info: FunctionInfo) -> bool:
    """Every call of `info` from graph code sits under a create-once guard in its caller (`if not
    self._initialized: self.resample(); self._initialized.assign(True)`): in graph code it runs only as
    the one-time set-up, like a guarded store; calls from eager code run it normally (trieste's
    `deep_ensemble_trajectory.resample`, P45-fixa)."""
    return every_graph_call(ctx, info, lambda body, calls: all(is_once_guarded(body, c) for c in calls))


