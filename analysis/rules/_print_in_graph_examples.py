"""HYB001's examples: the code it must leave alone (`VALID`) and the code it must report (`INVALID`).

Tests and documentation of `PrintInGraph` (print_in_graph.py), like every rule's `valid` / `invalid`;
kept apart because they are most of the rule (every false alarm the precision studies found is one of
them, bench/precision/patterns.md), and the rule's own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

VALID = (
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
    Valid("""
        import tensorflow as tf

        def test_trace_prints_once():
            @tf.function(autograph=False)
            def traced(x):
                print("tracing", x.shape)
                return x * 2

            _ = traced.get_concrete_function(tf.TensorSpec([3], tf.float32))
            tf.function(traced).get_concrete_function(tf.TensorSpec([4], tf.float32))
    """, path="tests/trace_test.py", note="jax2tf call_tf_test.py: a tf.function its test only traces "
                                         "(`get_concrete_function`, result dropped): tracing is all that runs (P2-tffalse)"),
    Valid("""
        import tensorflow as tf

        class Optimizer(tf.Module):
            def __init__(self, name):
                self._name = name
                self._once = True

            def __call__(self, tape, loss, variables):
                if self._once:
                    print(f"Found {len(variables)} {self._name} variables.")
                    self._once = False
                grads = tape.gradient(loss, variables)
                return grads

        OPT = Optimizer("model")

        @tf.function
        def train(x, variables):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(x * variables[0])
            return OPT(tape, loss, variables)
    """, note="dreamerv2's Optimizer: the branch turns off the flag that lets it print, so the author prints "
              "once on purpose, eagerly too (P3-tfmava)"),
)


INVALID = (
    Invalid("""
        import tensorflow as tf

        def export(x):
            @tf.function(autograph=False)
            def traced(x):
                print("step", x)
                return x * 2

            concrete = traced.get_concrete_function(tf.TensorSpec([3], tf.float32))
            return concrete(x)
    """, lines=(6,), note="the concrete function is kept and called: the print runs only at the trace "
                          "(P2-tffalse's trace-only test drops it)"),
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
