"""HYB013: eager-only APIs in graph code (`.numpy()`, Keras fit/predict, numpy on tf.function parameters)."""
from __future__ import annotations

import ast
from typing import Iterable

from ..body import FunctionBody
from ..facts.value_kinds import LocalKinds
from ..model import Finding, Fix, FixSafety, Severity
from ..project import GraphFunction
from ..summary import FunctionInfo
from ._callers import graph_caller_links
from ._declared_types import declared_not_keras
from ._eager_guards import runs_only_eagerly
from ._local_tensors import body_kinds
from .base import Invalid, ModuleContext, Rule, Valid, via_text
from .tensor_as_bool import likely_tensor_params

# Keras' eager-only entry points (Hybridize HAS_EAGER_ONLY_CALLS). Measured on TF 2.21 / Keras 3.15
# (tests/runtime/test_graph_api_claims.py): fit/evaluate/predict/predict_on_batch fail inside a
# tf.function (the exception type varies, tf-2.21-facts §3), while train_on_batch and test_on_batch
# work there and train on every call, so they are not listed. The *_generator forms are Keras 2 loops
# (removed in Keras 3, where the call fails as a missing attribute).
KERAS_EAGER_METHODS = frozenset({
    "fit", "evaluate", "predict", "predict_on_batch",
    "fit_generator", "evaluate_generator", "predict_generator",
})
# The keywords each of them accepts (Keras 3 `Model` signatures, plus Keras 2's queue/worker options):
# a call passing any other keyword is another library's method of the same name (TFF's
# `FunctionalModel.predict_on_batch(model_weights, x, training)`).
_COMMON = ("x", "y", "batch_size", "verbose", "steps", "callbacks", "max_queue_size", "workers",
           "use_multiprocessing", "sample_weight")
KERAS_EAGER_KEYWORDS: dict[str, frozenset[str]] = {
    "fit": frozenset({*_COMMON, "epochs", "validation_split", "validation_data", "shuffle", "class_weight",
                      "initial_epoch", "steps_per_epoch", "validation_steps", "validation_batch_size",
                      "validation_freq"}),
    "evaluate": frozenset({*_COMMON, "return_dict"}),
    "predict": frozenset(_COMMON),
    "predict_on_batch": frozenset({"x"}),
}
KERAS_EAGER_MAX_POSITIONAL = {"predict_on_batch": 1}
# Callbacks of these run eagerly in Python even when called from a graph.
PY_FUNCTIONS = frozenset({
    "tensorflow.py_function", "tensorflow.numpy_function", "tensorflow.compat.v1.py_func",
    "tensorflow.compat.v1.py_function", "tensorflow.compat.v1.numpy_function",
})
# `.numpy()` receivers that are clearly not TensorFlow tensors: torch's `t.detach().cpu().numpy()`.
_NON_TF_RECEIVER_METHODS = frozenset({"detach", "cpu", "cuda"})
_NON_TF_LIBRARIES = frozenset({"torch", "jax", "jaxlib", "cupy", "mxnet", "paddle", "pandas"})


class EagerOnlyApi(Rule):
    code = "HYB013"
    name = "eager-only-api"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 1 right); was error.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = ("Eager-only APIs (`.numpy()`, Keras `fit`/`predict`, NumPy on tensors) fail on the symbolic "
               "tensors of a tf.function.")
    what = """
        In graph code (a `tf.function`, a Keras train step, or a project function they call) finds:
        `.numpy()` calls; Keras `fit`/`evaluate`/`predict`/`predict_on_batch` and the Keras 2
        `*_generator` forms called on a model (`train_on_batch`/`test_on_batch` work in a graph under
        Keras 3 and are not reported); and NumPy functions applied directly to a parameter of a `tf.function`
        (Hybridize's `HAS_NUMPY_CALLS_ON_PARAMETERS`). Code in the eager branch of
        `if tf.executing_eagerly():`, under `tf.init_scope()`, or inside a `tf.py_function` /
        `tf.numpy_function` callback is not reported. `int()`/`float()` of a tensor are not reported:
        AutoGraph converts them (see HYB016 for `autograph=False`).
    """
    why = """
        While a `tf.function` is traced its tensors are symbolic: they have a dtype and a shape but no
        value. `.numpy()` and NumPy functions need a value, so tracing fails; Keras' training and
        prediction loops need concrete data as well and fail inside a graph. The exact exception type
        differs between TensorFlow and Keras versions, so do not rely on catching a particular one.
    """
    example = """
        import numpy as np
        import tensorflow as tf

        @tf.function
        def normalize(x):
            mean = np.mean(x)
            return (x - mean) / x.numpy().std()
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def normalize(x):
            mean = tf.reduce_mean(x)
            return (x - mean) / tf.math.reduce_std(x)
    """
    fix_doc = """
        Suggestion only: rewrite with TensorFlow ops, wrap the NumPy code in `tf.numpy_function` /
        `tf.py_function` (which ties the graph to a Python process and cannot be serialized), or move
        the eager post-processing out of the `tf.function`.
    """
    references = (
        "https://www.tensorflow.org/guide/function#debugging",
        "https://www.tensorflow.org/api_docs/python/tf/py_function",
        "https://github.com/tensorflow/tensorflow/issues/27491",
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(x):
                if tf.executing_eagerly():
                    print(x.numpy())
                return x * 2
        """, note="eager-only branch"),
        Valid("""
            import numpy as np
            import tensorflow as tf

            @tf.function
            def step(x):
                y = tf.py_function(lambda t: np.mean(t.numpy()), [x], tf.float32)
                return y
        """, note="py_function callbacks run eagerly"),
        Valid("""
            import numpy as np
            import tensorflow as tf

            def eager_stats(x):
                return np.std(x.numpy())

            @tf.function
            def step(x):
                return tf.py_function(eager_stats, [x], tf.float32)
        """, note="a named py_function callback (it receives eager tensors)"),
        Valid("""
            import tensorflow as tf
            from tensorflow.python.eager import context

            @tf.function
            def step(x):
                with tf.init_scope():
                    table = tf.constant([1.0, 2.0]).numpy()
                with context.eager_mode():
                    more = tf.constant(3.0).numpy()
                return x + table.sum() + more
        """, note="init_scope and eager_mode blocks run eagerly"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(x, scale: int = 3):
                return x * int(scale) + float(tf.reduce_sum(x))
        """, note="int()/float() are converted by AutoGraph"),
        Valid("""
            import numpy as np
            import tensorflow as tf

            @tf.function
            def step(x, n=4):
                table = np.arange(n)
                return x + tf.constant(table) + x.shape[0]
        """, note="numpy on a Python-valued parameter with a literal default, and static shapes"),
        Valid("""
            import tensorflow as tf

            def train(model, data):
                model.fit(data, epochs=1)
                return model.predict(data).numpy()
        """, note="eager code"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(model, batch, labels):
                return model.train_on_batch(batch, labels)
        """, note="train_on_batch works in a tf.function under Keras 3 (measured on TF 2.21)"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(x, torch_tensor):
                return x + torch_tensor.detach().cpu().numpy()
        """, note="a torch tensor's numpy(), not a TF tensor"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def client_update(model, weights, batch):
                first = model.predict_on_batch(model_weights=weights, x=batch, training=True)
                return first + model.predict_on_batch(weights, batch, True)
        """, note="arguments Keras' predict_on_batch does not take: another library's model (TFF FunctionalModel)"),
        Valid("""
            import tensorflow as tf

            class ProbabilisticModel:
                def predict(self, x):
                    return tf.reduce_mean(x, -1), tf.math.reduce_variance(x, -1)

            class ExpectedImprovement:
                def __init__(self, model: ProbabilisticModel):
                    self._model = model

                @tf.function
                def __call__(self, x):
                    mean, variance = self._model.predict(x)
                    return mean - tf.sqrt(variance)

            def lower_confidence_bound(model: ProbabilisticModel, beta: float):
                @tf.function
                def acquisition(x):
                    mean, variance = model.predict(x)
                    return mean - beta * tf.sqrt(variance)
                return acquisition
        """, note="a model declared as a class that is not Keras: its predict is that class's (issue 10 P25-corpusa, trieste)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def to_list(x):
                return x.numpy().tolist()
        """, lines=(5,)),
        Invalid("""
            import numpy as np
            import tensorflow as tf

            @tf.function
            def normalize(x):
                return (x - np.mean(x)) / np.std(x)
        """, lines=(6,), note="numpy on parameters"),
        Invalid("""
            import tensorflow as tf

            def evaluate(model, batch):
                return model.predict_on_batch(batch)

            @tf.function
            def step(model, batch, labels):
                model.fit(batch, labels, verbose=0)
                return evaluate(model, batch)
        """, lines=(4, 8), note="Keras eager-only methods, one in a callee"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def step(x):
                if not tf.executing_eagerly():
                    y = x.numpy()
                return x
        """, lines=(6,), note="the graph branch of an executing_eagerly() test"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def step(model: tf.keras.Model, x):
                return model.predict(x)
        """, lines=(5,), note="a model declared as a Keras model"),
        Invalid("""
            import numpy as np
            import tensorflow as tf

            @tf.function
            def standardize(x):
                centered = x - tf.reduce_mean(x)
                scale = np.sqrt(np.mean(tf.square(centered)))
                return centered / np.maximum(scale, 1e-6)
        """, lines=(7,), note="numpy on tensors computed from the parameters (issue 11)"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            if _only_a_py_function_callback(ctx, gf):
                continue
            body = ctx.body(gf.info)
            tensor_params = frozenset(likely_tensor_params(gf.info)) if gf.is_root else frozenset()
            kinds = body_kinds(ctx, body, tensor_params) if tensor_params else None
            for call in body.calls:
                problem = _eager_only_problem(ctx, gf.info, call, tensor_params, kinds)
                if problem is None or _runs_eagerly(ctx, body, call):
                    continue
                fix = Fix("use TensorFlow ops, tf.numpy_function/tf.py_function, or move this out of the "
                          "tf.function", FixSafety.SUGGESTION)
                yield ctx.report(self, call, problem + via_text(gf), fn=gf, fix=fix)


def _eager_only_problem(ctx: ModuleContext, fn: FunctionInfo, call: ast.Call, tensor_params: frozenset[str],
                        kinds: LocalKinds | None = None) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr == "numpy" and not call.args and not call.keywords and _may_be_tf_tensor(ctx, func.value):
            return "`.numpy()` needs an eager tensor, but in graph code tensors are symbolic and have no value yet"
        if (func.attr in KERAS_EAGER_METHODS and _looks_like_model(ctx, func.value) and _keras_keywords(call, func.attr)
                and not declared_not_keras(ctx, fn, func.value)):
            return (f"Keras `{func.attr}` runs its own eager/graph loop on concrete data and cannot be called "
                    "from graph code")
    qualname = ctx.qualify(func)
    if qualname is not None and qualname.startswith("numpy.") and tensor_params:
        args = list(call.args) + [k.value for k in call.keywords]
        used = [a.id for a in args if isinstance(a, ast.Name) and a.id in tensor_params]
        if used:
            return (f"NumPy `{ctx.source.segment(func)}` applied to parameter `{used[0]}` of a tf.function: "
                    "during tracing it is a symbolic tensor, which NumPy cannot compute with")
        # Values computed from the parameters (`x * 2`, `tf.square(x)`, `y = x[0]`) are symbolic too
        # (issue 11: NumPy beyond the parameters themselves).
        derived = [a for a in args if kinds is not None and kinds.is_tensor(a)]
        if derived:
            return (f"NumPy `{ctx.source.segment(func)}` applied to `{ctx.source.segment(derived[0])}`, a tensor "
                    "computed from the tf.function's parameters: during tracing it is symbolic, which NumPy "
                    "cannot compute with")
    return None


def _keras_keywords(call: ast.Call, method: str) -> bool:
    """Every keyword of the call is one the Keras method accepts, and it has no more positional arguments."""
    allowed = KERAS_EAGER_KEYWORDS.get(method)
    if method in KERAS_EAGER_MAX_POSITIONAL and len(call.args) > KERAS_EAGER_MAX_POSITIONAL[method]:
        return False
    return allowed is None or all(k.arg is None or k.arg in allowed for k in call.keywords)


def _may_be_tf_tensor(ctx: ModuleContext, receiver: ast.expr) -> bool:
    """False when the receiver is clearly another library's array (torch, JAX, ...), else True."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute):
        if receiver.func.attr in _NON_TF_RECEIVER_METHODS:
            return False
    qualname = ctx.qualify(receiver.func if isinstance(receiver, ast.Call) else receiver)
    return qualname is None or qualname.split(".", 1)[0] not in _NON_TF_LIBRARIES


def _looks_like_model(ctx: ModuleContext, receiver: ast.expr) -> bool:
    """`model.fit`, `self.model.predict`, `keras.Model(...).evaluate`: a Keras model by name or by type."""
    if isinstance(receiver, ast.Call):
        qualname = ctx.qualify(receiver.func)
        return qualname is not None and qualname.startswith("keras.")
    if isinstance(receiver, ast.Name):
        name = receiver.id
    elif isinstance(receiver, ast.Attribute):
        name = receiver.attr
    else:
        return False
    return "model" in name.lower()


def _runs_eagerly(ctx: ModuleContext, body: FunctionBody, call: ast.Call) -> bool:
    if runs_only_eagerly(ctx, body, call):
        return True
    # Inside a lambda handed to tf.py_function / tf.numpy_function.
    for anc in body.ancestors(call):
        if isinstance(anc, ast.Lambda):
            holder = body.parent(anc)
            if isinstance(holder, ast.keyword):
                holder = body.parent(holder)
            if isinstance(holder, ast.Call) and ctx.qualify(holder.func) in PY_FUNCTIONS:
                return True
    return False


def _only_a_py_function_callback(ctx: ModuleContext, gf: GraphFunction) -> bool:
    """A function that graph code reaches only as the callback of tf.py_function runs eagerly."""
    if gf.is_root:
        return False
    found = graph_caller_links(ctx, gf)
    if found is None:
        return False
    caller_body, links = found
    for node in links:
        holder = caller_body.parent(node)
        if isinstance(holder, ast.keyword):
            holder = caller_body.parent(holder)
        if not (isinstance(holder, ast.Call) and node is not holder.func
                and ctx.qualify(holder.func) in PY_FUNCTIONS):
            return False
    return True
