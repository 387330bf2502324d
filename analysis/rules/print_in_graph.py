"""HYB001: print/logging in graph code."""
from __future__ import annotations

import ast
from typing import Iterable

from ..body import FunctionBody
from ..facts.value_kinds import LocalKinds
from ..model import Finding, Fix, FixSafety, Severity
from ..summary import FunctionInfo
from ._callers import every_graph_call
from ._eager_guards import runs_only_eagerly
from ._local_tensors import body_kinds
from .base import Invalid, ModuleContext, Rule, Valid, via_text

_INITIALIZERS = frozenset({"__init__", "__post_init__", "build"})
_LOGGING_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


def output_call_kind(qualname: str | None) -> str | None:
    """'print', 'logging', 'warnings' or 'stdout' for a Python output call, else None."""
    if qualname is None:
        return None
    if qualname == "builtins.print":
        return "print"
    if qualname == "warnings.warn":
        return "warnings"
    if qualname in ("sys.stdout.write", "sys.stderr.write"):
        return "stdout"
    if qualname.startswith("logging.") and qualname.rsplit(".", 1)[1] in _LOGGING_METHODS:
        return "logging"
    if qualname.startswith("absl.logging.") and qualname.rsplit(".", 1)[1] in _LOGGING_METHODS:
        return "logging"
    return None


def _is_logger_call(ctx: ModuleContext, call: ast.Call) -> bool:
    """`logger.info(...)` where `logger = logging.getLogger(...)` at module level."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in _LOGGING_METHODS and isinstance(func.value, ast.Name)):
        return False
    return func.value.id in _module_loggers(ctx)


def _module_loggers(ctx: ModuleContext) -> frozenset[str]:
    cached = getattr(ctx.summary, "_loggers", None)
    if cached is not None:
        return cached
    names = set()
    for st in ctx.summary.source.tree.body:
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call):
            q = ctx.qualify(st.value.func)
            if q in ("logging.getLogger", "absl.logging.get_absl_logger"):
                names.update(t.id for t in st.targets if isinstance(t, ast.Name))
    result = frozenset(names)
    ctx.summary._loggers = result  # type: ignore[attr-defined]
    return result


class PrintInGraph(Rule):
    code = "HYB001"
    name = "print-in-graph"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 1 of 6 right); was warning.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "Python output in a tf.function runs once per trace, not once per call."
    what = """
        Finds `print(...)`, `logging.*(...)`, `logger.*(...)`, `warnings.warn(...)` and
        `sys.stdout.write(...)` in graph code: in a `tf.function`, in a Keras `train_step`, in a
        `tf.data` callback, or in any project function they call, in this file or another one.
        Log lines that describe the trace itself are not reported: under a Python-valued `if`, after a
        Python-valued `if` whose branch returns, in an `except` handler (a Python exception in graph code
        is raised while tracing), or just before a `raise`.
    """
    why = """
        The Python body of a `tf.function` runs only while TensorFlow traces it; later calls replay the
        graph. A `print` therefore fires on the first call (often twice when variables are created) and
        then never again, which makes logs lie about what the program does. TensorFlow's guide uses
        exactly this to *detect* retracing, so a message that mentions tracing is reported as info.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def train_step(x):
            print("loss", x)
            return x * 2
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def train_step(x):
            tf.print("loss", x)
            return x * 2
    """
    fix_doc = """
        Suggestion only: `tf.print` runs on every call, but it writes to standard error by default and
        formats tensors differently from `print`, so the output changes. Logging calls have no
        graph equivalent; move them outside the function or use `tf.print`/`tf.summary`.
    """
    references = (
        "https://www.tensorflow.org/guide/function#executing_python_side_effects",
        "https://www.tensorflow.org/api_docs/python/tf/print",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                tf.print("value", x)
                return x
        """, note="tf.print is a graph op"),
        Valid("""
            import tensorflow as tf

            def eager(x):
                print("eager code may print", x)
                return x
        """, note="not graph code"),
        Valid("""
            import tensorflow as tf

            def helper(x):
                print(x)

            @tf.function
            def f(x):
                return x + 1

            helper(1)
        """, note="helper is never called from graph code"),
        Valid("""
            import tensorflow as tf

            def print(*args):
                pass

            @tf.function
            def f(x):
                print(x)
                return x
        """, note="a user function named print is not the builtin"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                print("x")  # hybridize: ignore[HYB001]
                return x
        """, note="suppressed"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                if tf.executing_eagerly():
                    print("eager only", x)
                else:
                    tf.print("graph", x)
                return x
        """, note="the eager branch is never traced (HYB014 reports the branch itself)"),
        Valid("""
            import logging
            import warnings
            import tensorflow as tf

            @tf.function
            def pool(x, weights=None):
                if x.shape.rank is None or isinstance(weights, (list, tuple)):
                    logging.warning("unknown rank: pooling over the last axis")
                if weights is not None:
                    warnings.warn("`weights` is deprecated, use `mask`", DeprecationWarning)
                logging.info("pool() is deprecated and will be removed")
                return tf.reduce_mean(x, axis=-1)
        """, note="static-configuration and deprecation messages are meant to appear once, at trace time"),
        Valid("""
            import tensorflow as tf

            class Base(tf.keras.layers.Layer):
                def map_values(self, fun, inputs):
                    if isinstance(inputs, tf.RaggedTensor):
                        print("WARNING: Layer %s fail call on value Tensor of ragged Tensor." % self.name)
                    return fun(inputs)

            class Concat(Base):
                def call(self, inputs):
                    return self.map_values(tf.concat, inputs)
        """, note="a `print(\"WARNING: ...\")` about a static condition is a warning-level log line: "
                  "once per trace is what it means (issue 10 P51-fixb, kgcnn)"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def decode(x):
                try:
                    import scipy.special
                except ImportError:
                    print("decode() needs scipy: pip install scipy")
                    raise
                return x
        """, note="a message printed before re-raising: the trace fails with it"),
        Valid({
            "lib/__init__.py": "",
            "lib/optimize.py": """
                def minimize(f, x):
                    print("iteration")
                    return f(x)
            """,
            "tests/test_optimize.py": """
                import tensorflow as tf
                from lib.optimize import minimize

                def test_minimize_in_graph():
                    fast = tf.function(minimize)
                    fast(tf.square, tf.constant(1.0))
            """,
        }, note="library code that only a test traces is not graph code (config `test-roots = true` opts in)"),
        Valid("""
            import tensorflow as tf

            def monitor():
                print("foo")

            def run(monitor):
                compiled = tf.function(monitor)
                return compiled(0)

            def run_local(group):
                monitor = group
                return tf.function(monitor)(0)
        """, note="`tf.function(monitor)` wraps the parameter or local, not the module function it shadows"),
        Valid("""
            import logging
            import tensorflow as tf

            def make_test_step(metric, is_training, num_clips):
                @tf.function
                def test_step(x):
                    if not metric:
                        logging.info("Skip test_step because metric is None (%s)", metric)
                        return None
                    if is_training and num_clips != 1:
                        logging.warning("`num_clips` %d is ignored", num_clips)
                    return metric(x)
                return test_step
        """, note="log messages about configuration (closure flags, Python arguments)"),
        Valid("""
            import logging
            import tensorflow as tf

            class Chunker:
                def __init__(self, max_bytes):
                    self._max_bytes = max_bytes
                    logging.debug("Chunker: max_bytes=%s", max_bytes)

                def encode(self, x):
                    return x * self._max_bytes

            @tf.function
            def encode(x):
                return Chunker(8).encode(x)
        """, note="a constructor's message about the object it builds"),
        Valid("""
            import logging
            import tensorflow as tf

            def get_serve_fn(model, tf_transform_output):
                @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.string, name="examples")])
                def serve_tf_examples_fn(serialized):
                    features = tf.io.parse_example(serialized, tf_transform_output.raw_feature_spec())
                    transformed = model.tft_layer(features)
                    logging.info("serve_transformed_features = %s", transformed)
                    return model(transformed)
                return serve_tf_examples_fn
        """, note="a serving signature (fixed input_signature) is traced once, at export: its log line is meant "
                  "for that moment, and tf.print would log every request (issue 10, TFX templates)"),
        Valid({
            "sim/__init__.py": "",
            "sim/backend.py": """
                import numpy as np
            """,
            "sim/run.py": """
                from .backend import np as tf

                @tf.function
                def step(x):
                    print("step", x)
                    return x
            """,
        }, path="sim/run.py", note="another module's object imported under the name tf is not TensorFlow"),
        Valid("""
            import logging
            import tensorflow as tf

            @tf.function
            def check_result(r):
                try:
                    _ = len(r.shape)
                except ValueError:
                    logging.warning("The shape check cannot be performed: unknown rank")
                    return r
                return tf.identity(r)
        """, note="issue 10 P58-growb (jax2tf): a Python exception in graph code is raised while tracing, so "
                  "the log in its handler reports this trace"),
        Valid("""
            import logging
            import tensorflow as tf

            def make_pack(use_custom_ops):
                @tf.function
                def pack(x):
                    if use_custom_ops:
                        return x * 2
                    logging.info("Features are compatible: not using the custom ops.")
                    return x
                return pack
        """, note="issue 10 P49-growa (seqio): after a Python-valued `if` that returns, the log is on the other "
                  "side of the same trace-time decision"),
        Valid("""
            import logging
            import tensorflow as tf

            def info(msg, *args):
                \"\"\"Visible in notebooks too.\"\"\"
                print(msg % args, flush=True)
                logging.info(msg, *args)

            class Model(tf.keras.Model):
                @tf.function
                def collect(self, x):
                    if self.verbose >= 2:
                        info("Training tensor examples: %s", x)
                    return x
        """, note="tensorflow-decision-forests tf_logging.py: a logging helper whose every graph-code call is "
                  "under a static condition (P47-growb)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                print("x is", x)
                return x
        """, lines=(5,)),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                if tf.reduce_min(x) < 0:
                    print("WARNING: negative input")
                return x
        """, lines=(6,), note="a warning print under a tensor condition: meant for every call"),
        Invalid("""
            import logging
            import tensorflow as tf

            logger = logging.getLogger(__name__)

            def log_loss(loss):
                logger.info("loss %s", loss)

            @tf.function(jit_compile=True)
            def step(x):
                log_loss(x)
                logging.warning("step")
                return x
        """, lines=(7, 12)),
        Invalid({
            "pkg/__init__.py": "",
            "pkg/util.py": """
                def report(x):
                    print("value", x)
            """,
            "pkg/train.py": """
                import tensorflow as tf
                from pkg.util import report

                @tf.function
                def train_step(x):
                    report(x)
                    return x
            """,
        }, path="pkg/util.py", lines=(2,), note="interprocedural, across modules"),
        Invalid({
            "app/__init__.py": "",
            "app/tensorflow_wrapper.py": """
                import os

                os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
                import tensorflow as tf
            """,
            "app/model.py": """
                from .tensorflow_wrapper import tf

                @tf.function
                def step(x):
                    print("step", x)
                    return x * 2
            """,
        }, path="app/model.py", lines=(5,), note="tf imported through a project module (issue 11, mining study)"),
        Invalid("""
            import tensorflow as tf

            class Model(tf.keras.Model):
                def train_step(self, data):
                    print("training")
                    return {}
        """, lines=(5,), note="Keras compiles train_step into a tf.function"),
        Invalid("""
            from tensorflow import function as tff

            def g(x):
                print("tracing!", x)
                return x

            g_fast = tff(g)
        """, lines=(4,)),
        Invalid({
            "lib/__init__.py": "",
            "lib/optimize.py": """
                def minimize(f, x):
                    print("iteration")
                    return f(x)
            """,
            "tests/test_optimize.py": """
                import tensorflow as tf
                from lib.optimize import minimize

                def test_minimize_in_graph():
                    fast = tf.function(minimize)
                    fast(tf.square, tf.constant(1.0))
            """,
        }, path="lib/optimize.py", lines=(2,), config={"test-roots": True},
            note="with `test-roots = true`, tests that trace library code make it graph code"),
        Invalid("""
            import logging
            import tensorflow as tf

            @tf.function
            def step(x):
                logging.info("step %s", x)
                if x.shape.rank == 2:
                    print("matrix", x)
                if tf.reduce_sum(x) > 0:
                    logging.info("positive")
                return x
        """, lines=(6, 8, 10), note="a per-step log, a print of a tensor under a static condition, a log under a "
                                   "tensor condition: each runs once per trace"),
        Invalid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
            def serve(x):
                print("request", x)
                return x * 2
        """, lines=(5,), note="a print is still reported in a serving signature: it is meant per request"),
        Invalid("""
            import logging
            import tensorflow as tf

            @tf.function
            def step(x):
                if tf.reduce_sum(x) > 0:
                    return x
                logging.info("non-positive batch")
                return -x
        """, lines=(8,), note="a log after an early return on a tensor condition runs once per trace"),
        Invalid("""
            import logging
            import tensorflow as tf

            def info(msg, *args):
                print(msg % args, flush=True)
                logging.info(msg, *args)

            @tf.function
            def step(x):
                info("step %s", x)
                return x
        """, lines=(5, 6), note="a logging helper called on every step from graph code writes once per trace"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            if gf.info.cls is not None and gf.info.name in _INITIALIZERS and not gf.is_root:
                continue  # a constructor's messages describe the object it builds, which a trace builds once
            body = ctx.body(gf.info)
            if not gf.is_root and _logging_wrapper(ctx, body) and _graph_calls_meant_once(ctx, gf.info):
                continue  # `def info(msg): print(msg); logging.info(msg)` called only under static conditions
            kinds: LocalKinds | None = None
            for call in body.calls:
                kind = output_call_kind(ctx.qualify(call.func))
                if kind is None and _is_logger_call(ctx, call):
                    kind = "logging"
                if kind is None or kind == "warnings" or runs_only_eagerly(ctx, body, call):
                    continue  # warnings.warn: Python's default filter shows it once per place anyway
                if kinds is None:
                    kinds = body_kinds(ctx, body)
                if _meant_for_trace_time(body, call, kind, kinds):
                    continue
                if kind == "logging" and _traced_once(ctx, gf.info.node):
                    continue
                message = (
                    f"`{ctx.source.segment(call.func)}` in graph code runs once per trace, not on every call"
                    f"{via_text(gf)}"
                )
                severity = Severity.INFO if _mentions_tracing(call) else None
                fix = None
                if kind == "print":
                    fix = Fix("use tf.print (prints on every call; writes to stderr by default, formats "
                              "tensors differently)", FixSafety.SUGGESTION)
                yield ctx.report(self, call, message, fn=gf, fix=fix, severity=severity)


def _meant_for_trace_time(body: FunctionBody, call: ast.Call, kind: str, kinds: LocalKinds) -> bool:
    """Output that is right to emit once, while tracing: a log message about configuration (under a
    condition that is not a tensor, such as `x.shape.rank is None`, `isinstance(...)` or a flag), a
    deprecation notice, or a message emitted just before its block raises (the trace fails with it)."""
    if _mentions(call, "deprecat"):
        return True
    child: ast.AST = call
    for anc in body.ancestors(call):
        if (kind == "logging" or _is_warning_print(call)) and isinstance(anc, ast.If) and not kinds.is_tensor(anc.test):
            # A message about configuration: `if is_training and clips != 1: logging.warning(...)`, or the
            # same as `print("WARNING: ...")` (issue 10 P51-fixb, kgcnn).
            return True
        if kind == "logging" and isinstance(anc, ast.ExceptHandler):
            # In graph code a Python exception is raised only while tracing (a tensor cannot raise one),
            # so a log in its handler reports this trace (issue 10 P58-growb, jax2tf's static rank check).
            return True
        for field in ("body", "orelse", "finalbody"):
            block = getattr(anc, field, None)
            if isinstance(block, list) and block and isinstance(block[-1], ast.Raise) and any(s is child for s in block):
                return True
            if (kind == "logging" or _is_warning_print(call)) and isinstance(block, list) \
                    and _after_python_exit(block, child, kinds):
                return True
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
        child = anc
    return False


def _logging_wrapper(ctx: ModuleContext, body: FunctionBody) -> bool:
    """A project's logging helper: its statements (docstring aside) are all output calls (`print(msg %
    args); logging.info(msg, *args)`), so what it writes is decided where it is called."""
    statements = list(body.node.body)
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]
    return bool(statements) and all(
        isinstance(st, ast.Expr) and isinstance(st.value, ast.Call)
        and (output_call_kind(ctx.qualify(st.value.func)) is not None or _is_logger_call(ctx, st.value))
        for st in statements)


def _graph_calls_meant_once(ctx: ModuleContext, info: FunctionInfo) -> bool:
    """Every call of the helper from graph code is a message meant for trace time where it is written
    (under a condition that is not a tensor, say): tensorflow-decision-forests' `tf_logging.info` under
    `if self._verbose >= 2:` (P47-growb)."""
    def meant_once(body: FunctionBody, calls: list[ast.Call]) -> bool:
        kinds = LocalKinds.of(ctx.qualify, body.nodes, ())
        return all(_meant_for_trace_time(body, c, "logging", kinds) for c in calls)

    return every_graph_call(ctx, info, meant_once)


def _after_python_exit(block: list[ast.stmt], child: ast.AST, kinds: LocalKinds) -> bool:
    """`if use_generic_ops: ...; return y` then `logging.info(...)`: a statement after an `if` on a value
    that is not a tensor, one of whose branches returns or raises, runs under the negated condition, the
    other side of the same trace-time decision (seqio's packing, P49-growa)."""
    if not any(st is child for st in block):
        return False
    for st in block:
        if st is child:
            return False
        if isinstance(st, ast.If) and not kinds.is_tensor(st.test) and any(
                branch and isinstance(branch[-1], (ast.Return, ast.Raise)) for branch in (st.body, st.orelse)):
            return True
    return False


def _is_warning_print(call: ast.Call) -> bool:
    """`print("WARNING: ..." % name)`: a print used as a warning-level log line."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.lstrip().lower().startswith("warn")
               for arg in call.args for n in ast.walk(arg))


def _traced_once(ctx: ModuleContext, node: ast.AST) -> bool:
    """Decorated `@tf.function(input_signature=[...])`: one concrete function, traced once (a serving or
    export signature). A log line in it is written once, at export, by construction; `tf.print` would
    instead log on every serving request (issue 10 P-tfx: TFX's `serve_tf_examples_fn` templates)."""
    for dec in getattr(node, "decorator_list", ()):
        if (isinstance(dec, ast.Call) and ctx.qualify(dec.func) == "tensorflow.function"
                and any(k.arg == "input_signature" and not (isinstance(k.value, ast.Constant) and k.value.value is None)
                        for k in dec.keywords)):
            return True
    return False


def _mentions_tracing(call: ast.Call) -> bool:
    return _mentions(call, "trac")


def _mentions(call: ast.Call, word: str) -> bool:
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and word in arg.value.lower():
            return True
        if isinstance(arg, ast.JoinedStr):
            for part in arg.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str) and word in part.value.lower():
                    return True
    return False
