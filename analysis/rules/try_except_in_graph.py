"""HYB019: Python try/except around graph ops, which cannot catch errors raised when the graph runs."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..model import Finding, Fix, FixSafety, Severity
from .base import Invalid, ModuleContext, Rule, Valid, via_text

_BROAD = frozenset({"builtins.Exception", "builtins.BaseException"})
# Exception classes TensorFlow raises when a graph *executes* (tf.errors); all subclass OpError.
# https://www.tensorflow.org/api_docs/python/tf/errors
RUNTIME_ERROR_NAMES = frozenset({
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
    "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "UnauthenticatedError",
    "ResourceExhaustedError", "FailedPreconditionError", "AbortedError", "OutOfRangeError",
    "UnimplementedError", "InternalError", "UnavailableError", "DataLossError",
})
_TF_ERROR_MODULES = ("tensorflow.errors.", "tensorflow.python.framework.errors", "tensorflow.compat.v1.errors.")


def _handler_types(handler: ast.ExceptHandler) -> list[ast.expr]:
    if handler.type is None:
        return []
    return list(handler.type.elts) if isinstance(handler.type, ast.Tuple) else [handler.type]


def classify_handler(ctx: ModuleContext, handler: ast.ExceptHandler) -> str | None:
    """'tf' for tf.errors types, 'broad' for bare/Exception/BaseException, None for specific Python errors."""
    if handler.type is None:
        return "broad"
    kinds = set()
    for t in _handler_types(handler):
        q = ctx.qualify(t) or ""
        short = q.rsplit(".", 1)[-1]
        if q.startswith(_TF_ERROR_MODULES) or (q.startswith("tensorflow") and short in RUNTIME_ERROR_NAMES):
            kinds.add("tf")
        elif q in _BROAD:
            kinds.add("broad")
    return "tf" if "tf" in kinds else "broad" if "broad" in kinds else None


def _calls_in(stmts: list[ast.stmt]) -> Iterator[ast.Call]:
    stack: list[ast.AST] = list(stmts)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # defined here, run elsewhere
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _reraises(handler: ast.ExceptHandler) -> bool:
    """A handler that ends by raising only annotates trace-time errors; it does not claim to recover."""
    return bool(handler.body) and isinstance(handler.body[-1], ast.Raise)


class TryExceptInGraph(Rule):
    code = "HYB019"
    name = "try-except-in-graph"
    severity = Severity.WARNING
    fix_safety = FixSafety.SUGGESTION
    summary = "A Python `except` in a tf.function only sees trace-time errors, never errors raised when the graph runs."
    what = """
        Finds `try` statements in graph code whose body calls TensorFlow (or Keras) and which have a
        handler for `tf.errors.*` (e.g. `InvalidArgumentError`, `OutOfRangeError`), for `Exception` /
        `BaseException`, or a bare `except:`. A `tf.errors` handler is reported whenever the body calls
        anything, since those errors are raised at execution. Handlers for specific Python errors
        (`KeyError` from a configuration lookup, `ValueError` from a static shape check) are legitimate
        trace-time handling and are not reported, nor are handlers that end by re-raising (they annotate
        trace-time errors rather than recover from runtime ones).
    """
    why = """
        The Python code of a `tf.function` runs only while it is traced; later calls execute the graph.
        Errors raised while the graph executes (an out-of-range `tf.gather` index, a failed
        `tf.debugging.assert_*`) surface at the call site of the `tf.function`, outside the Python `try`,
        and TensorFlow has no in-graph exception handling (tensorflow/tensorflow#10332). The handler
        therefore never runs for the errors it was most likely written for.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def safe_gather(params, index):
            try:
                return tf.gather(params, index)
            except tf.errors.InvalidArgumentError:
                return tf.zeros([], params.dtype)
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def safe_gather(params, index):
            in_range = tf.logical_and(index >= 0, index < tf.shape(params)[0])
            return tf.cond(in_range, lambda: tf.gather(params, index), lambda: tf.zeros([], params.dtype))
    """
    fix_doc = """
        Suggestion only: guard with `tf.cond`/`tf.where` or `tf.debugging.*` assertions, or move the
        `try` around the call of the `tf.function`.
    """
    references = (
        "https://www.tensorflow.org/guide/function",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/error_handling.md",
        "https://github.com/tensorflow/tensorflow/issues/10332",
        "https://www.tensorflow.org/api_docs/python/tf/errors",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def scale(x, config):
                try:
                    factor = config["scale"]
                except KeyError:
                    factor = 1.0
                return x * factor
        """, note="trace-time KeyError on static configuration"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def load(x, table):
                try:
                    value = table.lookup_python(x)
                except Exception:
                    value = None
                return x if value is None else value
        """, note="broad handler around code without TF calls"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def safe_gather(params, index):
                return tf.gather(params, index)

            def call(params, index):
                try:
                    return safe_gather(params, index)
                except tf.errors.InvalidArgumentError:
                    return None
        """, note="the try is around the call of the tf.function, in eager code"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def convert(outputs):
                try:
                    return [tf.convert_to_tensor(o) for o in outputs]
                except Exception as e:
                    raise ValueError(f"outputs must be convertible to tensors: {e}")
        """, note="a handler that re-raises only annotates trace-time errors"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def reshape(x):
                try:
                    return tf.reshape(x, [2, 2])
                except ValueError:
                    return x
        """, note="ValueError from a static shape check is raised at trace time"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def safe_gather(params, index):
                try:
                    return tf.gather(params, index)
                except tf.errors.InvalidArgumentError:
                    return tf.zeros([], params.dtype)
        """, lines=(7,)),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def checked(x):
                try:
                    tf.debugging.assert_positive(x)
                    return x
                except Exception:
                    return -x
        """, lines=(8,), note="broad handler"),
        Invalid("""
            import tensorflow as tf
            from tensorflow.errors import OutOfRangeError

            def next_batch(it):
                try:
                    return it.get_next()
                except (OutOfRangeError, KeyError):
                    return None

            @tf.function
            def step(it):
                return next_batch(it)
        """, lines=(7,), note="tf.errors handler in a callee, in a tuple"),
        Invalid("""
            import tensorflow as tf

            class Model(tf.keras.Model):
                def train_step(self, data):
                    try:
                        return {"loss": tf.reduce_mean(self(data))}
                    except:
                        return {}
        """, lines=(7,), note="bare except in a Keras train_step"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            for node in body.of_type(ast.Try, getattr(ast, "TryStar", ast.Try)):
                calls = list(_calls_in(node.body))
                if not calls:
                    continue
                calls_tf = any((ctx.qualify(c.func) or "").startswith(("tensorflow.", "keras.")) for c in calls)
                for handler in node.handlers:
                    kind = classify_handler(ctx, handler)
                    if kind is None or (kind == "broad" and not calls_tf) or _reraises(handler):
                        continue
                    caught = "`tf.errors` exceptions" if kind == "tf" else "everything"
                    message = (
                        f"this handler catches {caught}, but in graph code it only sees trace-time errors: "
                        "errors raised when the graph runs surface where the tf.function is called"
                        + via_text(gf)
                    )
                    fix = Fix("guard with tf.cond / tf.debugging asserts, or put the try around the call of "
                              "the tf.function", FixSafety.SUGGESTION)
                    yield ctx.report(self, handler, message, fn=gf, fix=fix,
                                     snippet=ctx.source.lines[handler.lineno - 1].strip())
