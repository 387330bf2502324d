"""HYB006: a Python number that changes per loop iteration passed to a tf.function (one trace per value).

Call sites come from the whole-repository facts (loop call edges into tf.function roots), refined on the
calling scope's AST in `_hybrid_call_sites.py`.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterable

from ..body import FunctionBody
from ..model import Edit, Finding, Fix, FixSafety, Severity
from ..summary import FunctionInfo
from ._hybrid_call_sites import (
    LoopCall, is_scalar_expr, iter_loop_calls, loop_varying_names, non_scalar_names, only_cast_reads, tf_alias_of,
    varying_reason,
)
from .base import Invalid, ModuleContext, Rule, Valid

# tf.* calls whose listed positional arguments / keywords are shapes, sizes or axes: a Python int there
# is a graph-construction constant (it fixes a static shape), not data flowing through ops.
_SHAPE_POSITIONS: dict[str, tuple[int, ...]] = {
    "tensorflow.zeros": (0,), "tensorflow.ones": (0,), "tensorflow.fill": (0,), "tensorflow.reshape": (1,),
    "tensorflow.random.normal": (0,), "tensorflow.random.uniform": (0,), "tensorflow.broadcast_to": (1,),
    "tensorflow.one_hot": (1,), "tensorflow.tile": (1,), "tensorflow.expand_dims": (1,),
    "tensorflow.squeeze": (1,), "tensorflow.transpose": (1,), "tensorflow.split": (1, 2),
    "tensorflow.zeros_like": (), "tensorflow.eye": (0, 1), "tensorflow.random.truncated_normal": (0,),
}
_SHAPE_KEYWORDS = frozenset({"shape", "axis", "depth", "perm", "num_or_size_splits", "multiples", "num_rows",
                             "num_columns", "batch_shape", "k", "size", "maxlen"})


def _param_uses(ctx: ModuleContext, callee: FunctionInfo, param: str) -> tuple[int, int]:
    """(graph-construction uses, other uses) of `param` in the callee's body.

    Graph-construction uses are Python control flow (`if`/`while` tests, `for ... in range(param)`,
    conditional expressions) and shapes/axes of TF calls or slice bounds. Everything else (arithmetic,
    TF op arguments, passing it on) makes the value part of the computation.
    """
    body = ctx.project.body(callee)
    construction = other = 0
    qualify = callee.module.imports.qualify
    for name in body.of_type(ast.Name):
        if name.id != param or not isinstance(name.ctx, ast.Load):
            continue
        if _is_construction_use(body, name, qualify):
            construction += 1
        else:
            other += 1
    return construction, other


def _is_construction_use(body: FunctionBody, node: ast.AST, qualify: Callable[[ast.AST], str | None]) -> bool:
    child = node
    for parent in body.ancestors(node):
        if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)) and child is parent.test:
            return True
        if isinstance(parent, (ast.For, ast.AsyncFor)) and child is parent.iter:
            return True
        if isinstance(parent, ast.comprehension) and child is parent.iter:
            return True
        if isinstance(parent, ast.Subscript) and child is parent.slice:
            return True
        if isinstance(parent, ast.keyword) and parent.arg in _SHAPE_KEYWORDS:
            return True
        if isinstance(parent, ast.Call):
            if _python_numeric(qualify(parent.func)):
                return True  # `math.factorial(l)`, `float(n)`: trace-time arithmetic, a tensor would fail
            positions = _SHAPE_POSITIONS.get(qualify(parent.func) or "")
            if positions is not None and any(child is parent.args[i] for i in positions if i < len(parent.args)):
                return True
            # Any other call: keep climbing (`range(n)` in a `for` header, `len(x) > n` in an `if`).
        if isinstance(parent, ast.stmt):
            return False
        child = parent
    return False


# Python numeric code that a symbolic tensor cannot enter (NumPy, SciPy and `math` functions, Python's
# own conversions): a parameter used there is a trace-time constant by construction.
_PYTHON_NUMERIC_PREFIXES = ("numpy.", "scipy.", "math.")
_PYTHON_CONVERSIONS = frozenset({"builtins.int", "builtins.float", "builtins.range", "builtins.round"})


def _python_numeric(qualified: str | None) -> bool:
    return qualified is not None and (qualified.startswith(_PYTHON_NUMERIC_PREFIXES) or qualified in _PYTHON_CONVERSIONS)


def _tf_alias(ctx: ModuleContext) -> str | None:
    for local, qualified in ctx.summary.imports.names.items():
        if qualified == "tensorflow":
            return local
    return None


class VaryingPythonScalar(Rule):
    code = "HYB006"
    name = "varying-python-scalar"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 1 right (1 debatable)); was warning.
    severity = Severity.INFO
    fix_safety = FixSafety.GATED
    summary = "A Python number that changes every iteration makes the tf.function trace again for each value."
    what = """
        Finds calls of a `tf.function` (decorated, wrapped as `f = tf.function(g)`, or a method called
        through `self.` or a local instance), in any module of the project, made inside a loop with an
        argument that is a Python number changing per iteration: a `range` index, an `enumerate`
        counter, a counter updated in the loop (`step += 1`), or a value computed from those
        (`lr = base * 0.9 ** epoch`). Reported as info when the function uses the parameter only for
        Python control flow or shapes (a graph-construction constant that must stay static). Not
        reported: literals (`training=True`), values that do not change in the loop, loops over a
        literal list of hyperparameters, comparisons (two values at most), functions with an
        `input_signature` (TensorFlow converts the argument to a tensor), and loops in code that itself
        runs under tracing (a `tf.function`, a Keras `call`, or a function they call): such a loop
        unrolls while the outer graph is built, so the callee traces once per value then and every
        later call of the outer graph reuses it.
    """
    why = """
        TensorFlow keys its traces on the *value* of Python arguments: every new `int`, `float` or
        `str` means a new trace and a new graph kept in memory. On TensorFlow 2.21 a function fed 30
        different Python ints traced 30 times, and each such call was about 1,800x slower than the
        plain Python function. `reduce_retracing=True` does not help here (Python values are never
        generalized; measured: 5 values, 5 traces). TensorFlow's own retracing warning names
        "passing Python objects instead of tensors" as a cause.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def decay(lr, step):
            return lr * 0.99 ** step

        for step in range(10_000):
            decay(tf.constant(0.1), step)
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def decay(lr, step):
            return lr * 0.99 ** tf.cast(step, tf.float32)

        for step in range(10_000):
            decay(tf.constant(0.1), tf.constant(step))
    """
    fix_doc = """
        Pass `tf.constant(step)` (or `tf.convert_to_tensor`) at the call site. Gated (applied under
        `autofix = "gated"` / `--unsafe-fixes`) only where it provably changes no value: inside the
        function the parameter is only ever read as `tf.cast(step, dtype)` and never rebound. `tf.cast`
        converts a Python number with `convert_to_tensor`'s defaults (int to int32, float to float32),
        exactly what `tf.constant` does, so the cast sees the same tensor and the function traces once
        instead of once per value (tests/runtime/test_refactoring_equivalence.py). Everywhere else it
        stays a suggestion: the parameter becomes a tensor, so Python `if`/`range`/shape uses change
        meaning (AutoGraph turns them into graph control flow, or they fail), and a Python int becomes
        an int32 tensor and `step / 10` a float64 one, which fails when mixed with float32 tensors where
        the Python number was converted silently. Where the parameter drives Python control flow on
        purpose, keep it and accept one trace per value, or give it few values. When the parameter is
        not cast-only and every fact is known, HYB022 (de-hybridize, Hybridize P3) is the gated
        refactoring instead; where it is cast-only, HYB022 leaves the graph to this fix.
    """
    references = (
        "https://www.tensorflow.org/guide/function#rules_of_tracing",
        "https://www.tensorflow.org/guide/function#controlling_retracing",
        "https://www.tensorflow.org/api_docs/python/tf/function",
        "https://github.com/tensorflow/tensorflow/issues/44033",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def step_fn(x, training):
                return x * 2 if training else x

            for epoch in range(10):
                step_fn(tf.ones([2]), training=True)
        """, note="a literal constant: one trace"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def scale(x, factor):
                return x * factor

            factor = 3.0
            for i in range(100):
                scale(tf.ones([2]), factor)
        """, note="a hyperparameter that does not change in the loop"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def decay(lr, step):
                return lr * 0.99 ** tf.cast(step, tf.float32)

            for step in range(1000):
                decay(tf.constant(0.1), tf.constant(step))
        """, note="the varying value is passed as a tensor"),
        Valid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32)])
            def decay(lr, step):
                return lr * 0.99 ** tf.cast(step, tf.float32)

            for step in range(1000):
                decay(0.1, step)
        """, note="an input_signature converts Python numbers to tensors: one trace"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def train(x, lr):
                return x * lr

            for lr in (0.1, 0.01, 0.001):
                train(tf.ones([2]), lr)
        """, note="a sweep over a few literal hyperparameters: a few traces by design"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def step_fn(x, log):
                return x + 1

            for i in range(100):
                step_fn(tf.ones([2]), i % 10 == 0)
        """, note="a comparison has two values: at most two traces"),
        Valid("""
            import tensorflow as tf

            NUM_LAYERS = 4

            @tf.function
            def forward(x, num_layers):
                for _ in range(num_layers):
                    x = tf.nn.relu(x)
                return x

            for batch in range(100):
                forward(tf.ones([2]), NUM_LAYERS)
        """, note="a Python int used for Python control flow that does not change between calls"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def train(x, epochs):
                return x * epochs

            epochs = 0
            for arg in ("a", "b"):
                epochs += 1
            train(tf.ones([2]), epochs)
        """, note="a hyperparameter passed once, outside the loop that computes it"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def bessel(x, n=0):
                if n == 0:
                    return tf.sin(x) / x
                return tf.cos(x) * n

            ks = tf.keras

            class SphericalBasis(ks.layers.Layer):
                def __init__(self, num_spherical):
                    super().__init__()
                    self.num_spherical = num_spherical

                def call(self, x):
                    return tf.stack([bessel(x, n) for n in range(self.num_spherical)], axis=1)
        """, note="issue 10 P47-fixb (kgcnn DimeNet++): the loop runs while Keras traces `call` (of a layer "
                  "whose base is spelled through `ks = tf.keras`), so `bessel` traces once per order then, "
                  "and the layer's graph reuses those traces on every call"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def targets_for_output(y_true, grid_size, anchor_idxs):
                n = tf.shape(y_true)[0]
                out = tf.zeros((n, grid_size, grid_size, tf.shape(anchor_idxs)[0], 6))
                return out + tf.cast(y_true[0, 0, 0] // (1 / grid_size), tf.float32)

            def transform_targets(y_train, anchor_masks, size):
                y_outs = []
                grid_size = size // 32
                for anchor_idxs in anchor_masks:
                    y_outs.append(targets_for_output(y_train, grid_size, anchor_idxs))
                    grid_size *= 2
                return tuple(y_outs)
        """, note="issue 11 P4-tffalse (yolov3-tf2 dataset.py): a size doubled per output scale (13, 26, 52) "
                  "takes a few values in a loop that must be short: a few traces, made once and reused"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def decay(lr, step):
                return lr * 0.99 ** step

            for step in range(10_000):
                decay(tf.constant(0.1), step)
        """, lines=(8,)),
        Invalid({
            "proj/__init__.py": "",
            "proj/model.py": """
                import tensorflow as tf

                @tf.function
                def train_step(x, step):
                    return x * tf.cast(step, tf.float32)
            """,
            "proj/train.py": """
                import tensorflow as tf
                from proj.model import train_step

                def fit(batches):
                    step = 0
                    for x in batches:
                        train_step(x, step)
                        step += 1
            """,
        }, path="proj/train.py", lines=(7,), note="a counter in train.py, the tf.function in model.py"),
        Invalid("""
            import tensorflow as tf

            class Trainer:
                @tf.function
                def step(self, x, lr):
                    return x * lr

                def fit(self, data, epochs):
                    for epoch in range(epochs):
                        lr = 0.1 * 0.5 ** epoch
                        for x in data:
                            self.step(x, lr)
        """, lines=(12,), note="a value computed from the loop index, through self."),
        Invalid("""
            import tensorflow as tf

            def scale(x, k):
                return x * k

            fast_scale = tf.function(scale)

            def run(xs):
                for i, x in enumerate(xs):
                    fast_scale(x, k=i)
        """, lines=(10,), note="an enumerate counter, a tf.function(g) alias, passed by keyword"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def pad(x, n):
                if n > 0:
                    return tf.zeros([n, 3])
                return x

            for n in range(8):
                pad(tf.ones([1, 3]), n)
        """, lines=(10,), note="used only for control flow and shapes: reported as info"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def warmup(base, step):
                return base * tf.minimum(1.0, tf.cast(step, tf.float32) / 100.0)

            for step in range(1000):
                warmup(tf.constant(0.1), step)
        """, lines=(8,), note="gated fix: `step` is only read through tf.cast, so `tf.constant(step)` keeps every value"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def scaled(x, lr):
                return x * lr

            def fit(batches):
                lr = 0.1
                for x in batches:
                    scaled(x, lr)
                    lr *= 0.9
        """, lines=(10,), note="a float decayed per batch: a new value (and trace) every step; P4-tffalse's "
                               "integer rescaling is only for factors of at least 2"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for lc in iter_loop_calls(ctx):
            if "input_signature" in lc.site.keywords:
                continue  # every argument is converted to a tensor of its spec: no value-keyed traces
            if lc.traced:
                continue  # the loop unrolls while the caller is traced: one trace per value, once (P47-fixb)
            blocked = non_scalar_names(ctx, lc.body)
            varying = loop_varying_names(ctx, lc.body, lc.loops, blocked)
            if not varying:
                continue
            for param, arg in lc.bound.items():
                if not is_scalar_expr(ctx, arg, blocked):
                    continue
                why = varying_reason(arg, varying)
                if why is None:
                    continue
                yield self._finding(ctx, lc, param, arg, why)

    def _finding(self, ctx: ModuleContext, lc: LoopCall, param: str, arg: ast.expr, why: str) -> Finding:
        callee = lc.callee
        construction, other = _param_uses(ctx, callee, param)
        text = ctx.source.segment(arg)
        where = f"{callee.qualname}` ({callee.module.path}:{callee.line})"
        if construction and not other:
            severity = Severity.INFO
            tail = (f"; `{param}` is used only for Python control flow or shapes, so each value is a "
                    f"different graph by design: keep it if that is intended, or give it few values")
        else:
            severity = None
            tail = f"; pass a tensor: `tf.constant({text})`"
        message = (f"`{text}` is a Python number that changes every iteration ({why}): tf.function "
                   f"`{where} traces once per distinct value of `{param}`{tail}")
        if severity is Severity.INFO:
            # Converting a control-flow/shape parameter to a tensor changes what the function does.
            return ctx.report(self, arg, message, fn=lc.scope, severity=severity)
        alias = tf_alias_of(ctx)
        edits = (Edit(arg.lineno, arg.col_offset, arg.end_lineno or arg.lineno, arg.end_col_offset or arg.col_offset,
                      f"{alias}.constant({text})"),) if alias else ()
        description = f"pass `tf.constant({text})` so that every call reuses one trace"
        if edits and only_cast_reads(ctx, callee, param):
            # tf.cast converts a Python number with convert_to_tensor's defaults (int -> int32, float ->
            # float32), exactly what tf.constant does: the cast sees the same tensor either way.
            fix = Fix(description, FixSafety.GATED, edits, reason=(
                f"inside `{callee.qualname}` the parameter `{param}` is only ever read as `tf.cast({param}, ...)`, "
                f"which converts a Python number exactly as `tf.constant` does: same values, one trace"))
        else:
            fix = Fix(description, FixSafety.SUGGESTION, edits,
                      reason=f"inside `{callee.qualname}` the parameter `{param}` becomes a tensor: Python "
                             "control flow, shapes and float arithmetic on it change meaning")
        return ctx.report(self, arg, message, fn=lc.scope, fix=fix)
