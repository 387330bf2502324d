"""HYB003: Python randomness, clock reads and I/O in graph code."""
from __future__ import annotations

import ast
from typing import Iterable

from ..model import Finding, Fix, FixSafety, Severity
from .base import Invalid, ModuleContext, Rule, Valid, via_text

# Exact qualified names, by kind. Prefix families (random.*, numpy.random.*, shutil.*, ...) are below.
_CLOCK = frozenset({
    "time.time", "time.time_ns", "time.perf_counter", "time.perf_counter_ns", "time.monotonic",
    "time.monotonic_ns", "time.process_time", "time.process_time_ns", "time.localtime", "time.gmtime",
    "time.ctime", "time.asctime", "time.strftime", "time.sleep",
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
})
_RANDOM_EXACT = frozenset({"os.urandom", "os.getrandom"})
_IO_EXACT = frozenset({
    "builtins.open", "builtins.input", "io.open",
    "json.dump", "json.load", "pickle.dump", "pickle.load", "yaml.dump", "yaml.safe_dump", "yaml.load",
    "yaml.safe_load", "csv.reader", "csv.writer",
    "numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt", "numpy.load", "numpy.loadtxt",
    "numpy.genfromtxt", "numpy.fromfile",
    "os.remove", "os.unlink", "os.rename", "os.replace", "os.mkdir", "os.makedirs", "os.rmdir",
    "os.removedirs", "os.listdir", "os.scandir", "os.walk", "os.stat", "os.system", "os.popen",
    "os.open", "os.write", "os.read", "os.chmod", "os.symlink", "os.link", "os.truncate",
    "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.getsize", "os.path.getmtime",
    "glob.glob", "glob.iglob",
    "urllib.request.urlopen", "urllib.request.urlretrieve",
})
_RANDOM_PREFIXES = ("random.", "numpy.random.", "secrets.", "uuid.uuid")
_IO_PREFIXES = ("shutil.", "subprocess.", "requests.", "httpx.", "http.client.", "urllib3.", "socket.")
# `pathlib.Path(...).write_text(...)`: a method on a freshly built path.
_PATH_IO_METHODS = frozenset({
    "open", "read_text", "write_text", "read_bytes", "write_bytes", "unlink", "mkdir", "rmdir", "touch",
    "exists", "is_file", "is_dir", "iterdir", "glob", "rglob", "rename", "replace", "stat",
})

_FIXES = {
    "random": Fix(
        "use tf.random.uniform/tf.random.normal or a seeded tf.random.Generator, which draw new values on "
        "every call; mind the bounds: random.randint(a, b) includes b, tf.random.uniform(shape, a, b + 1, "
        "dtype=tf.int32) is needed for the same range because its integer maxval is excluded",
        FixSafety.SUGGESTION,
        reason="random streams differ from Python's, and integer ranges are half-open in TF",
    ),
    "clock": Fix(
        "use tf.timestamp() for a per-call time, or read the clock in the eager caller",
        FixSafety.SUGGESTION,
    ),
    "io": Fix(
        "do the I/O in the eager caller, or use tf.io.read_file/tf.io.write_file/tf.summary; tf.py_function "
        "runs Python on every call but is slow and cannot be saved in a SavedModel",
        FixSafety.SUGGESTION,
    ),
}


def effect_kind(qualname: str | None) -> str | None:
    """'random', 'clock' or 'io' for a call that reads the outside world in Python, else None."""
    if qualname is None:
        return None
    if qualname in _CLOCK:
        return "clock"
    if qualname in _RANDOM_EXACT or qualname.startswith(_RANDOM_PREFIXES):
        return "random"
    if qualname in _IO_EXACT or qualname.startswith(_IO_PREFIXES):
        return "io"
    return None


class PythonNondeterminism(Rule):
    code = "HYB003"
    name = "python-random-clock-io-in-graph"
    severity = Severity.WARNING
    fix_safety = FixSafety.SUGGESTION
    summary = "Python random numbers, clock reads and I/O in a tf.function run once per trace; the result is frozen."
    what = """
        Finds calls into Python's `random`, `numpy.random`, `secrets` and `uuid`; clock reads
        (`time.time`, `time.perf_counter`, `datetime.datetime.now`, ...); and file, OS and network I/O
        (`open`, `json.dump/load`, `pickle.dump/load`, `numpy.save/load`, `os` file operations, `shutil`,
        `subprocess`, `requests`, `urllib.request`) in graph code: a `tf.function`, a Keras
        `train_step`, a `tf.data` callback, or a project function they call, in any file. A random value
        a constructor stores on the object (`self.name = "x_%s" % uuid.uuid4()`) is one value per object
        and is not reported.
    """
    why = """
        These calls run only while TensorFlow traces the function. A random number or a timestamp is
        computed once and frozen into the graph as a constant, so every later call sees the same value;
        TensorFlow 2.21 gives no warning for this. A file written or a request sent at trace time
        happens once (or once per retrace), not on each call.
    """
    example = """
        import random
        import tensorflow as tf

        @tf.function
        def augment(x):
            if random.random() < 0.5:
                x = tf.image.flip_left_right(x)
            return x
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def augment(x):
            if tf.random.uniform([]) < 0.5:
                x = tf.image.flip_left_right(x)
            return x
    """
    fix_doc = """
        Suggestion only. `tf.random.*` and `tf.random.Generator` draw on every call but produce a
        different stream than Python's or NumPy's generator, and integer ranges differ by one:
        `random.randint(a, b)` includes `b`, while `tf.random.uniform(..., minval=a, maxval=b,
        dtype=tf.int32)` excludes `maxval`. Clock reads become `tf.timestamp()`. I/O belongs in the eager
        caller, or in `tf.io.*`/`tf.summary` ops; `tf.py_function` keeps Python but is slow and not saved
        in a SavedModel. Randomness used on purpose once per trace (a fixed mask) can be suppressed.
    """
    references = (
        "https://www.tensorflow.org/guide/function#executing_python_side_effects",
        "https://www.tensorflow.org/guide/random_numbers",
        "https://www.tensorflow.org/api_docs/python/tf/random/uniform",
        "https://www.tensorflow.org/api_docs/python/tf/timestamp",
        "https://www.tensorflow.org/api_docs/python/tf/py_function",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def noisy(x):
                shift = tf.random.uniform([], 0, 10, dtype=tf.int32)
                return x + tf.random.normal(tf.shape(x)) + tf.cast(shift, x.dtype)
        """, note="tf.random ops draw on every call"),
        Valid("""
            import tensorflow as tf

            gen = tf.random.Generator.from_seed(42)

            @tf.function
            def noisy(x):
                return x + gen.normal(tf.shape(x))
        """, note="a seeded tf.random.Generator created outside graph code"),
        Valid("""
            import numpy as np
            import tensorflow as tf

            @tf.function
            def scale(x, factor):
                return x * factor

            factor = np.random.uniform(0.5, 2.0)
            scale(tf.ones([3]), tf.constant(factor, tf.float32))
        """, note="np.random outside graph code, passed in as a tensor"),
        Valid("""
            import random
            import tensorflow as tf

            @tf.function
            def sample(x, random):
                return random.normal(tf.shape(x))
        """, note="a parameter named random is not the random module"),
        Valid("""
            import time
            import tensorflow as tf

            @tf.function
            def timed(x):
                start = tf.timestamp()
                y = tf.linalg.matmul(x, x)
                return y, tf.timestamp() - start

            t0 = time.time()
        """, note="tf.timestamp in graph code, time.time outside"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def save(x, path):
                tf.io.write_file(path, tf.io.serialize_tensor(x))
                return tf.io.read_file(path)
        """, note="tf.io file ops run on every call"),
        Valid("""
            import uuid
            import tensorflow as tf

            class Resource:
                def __init__(self, path):
                    self.path = path
                    self.shared_name = "model_%s" % (str(uuid.uuid4()),)

            class Model(tf.Module):
                def __init__(self):
                    self.resource = None

                @tf.function
                def leaves(self, x):
                    if self.resource is None:
                        self.resource = Resource("model.bin")
                    return x
        """, note="a random name stored on an object in its constructor is one value per object "
                  "(tensorflow-decision-forests, P49-growb)"),
        Valid("""
            import time
            import tensorflow as tf

            @tf.function
            def target_actions(policy, obs):
                time.time()
                return policy(obs)
        """, note="a clock read whose value is dropped freezes nothing (mava's trainers, issue 10 P55-growa)"),
        Valid("""
            import uuid
            import tensorflow as tf

            @tf.function
            def split_sentences(line):
                sep = str(uuid.uuid4())
                marked = tf.strings.regex_replace(line, r"([.!?]+)", r"\\1" + sep)
                return tf.strings.split([marked], sep).values
        """, note="t5 preprocessors.py: a uuid used only as a separator of tf.strings ops, which any string "
                  "absent from the text serves (P54-growa)"),
    )
    invalid = (
        Invalid("""
            import random
            import tensorflow as tf

            @tf.function
            def jitter(x):
                return x + random.randint(1, 1000)
        """, lines=(6,), note="the random number is drawn once and frozen into the graph"),
        Invalid("""
            import numpy as np
            import tensorflow as tf

            @tf.function
            def dropout_mask(x):
                keep = np.random.rand(3) > 0.5
                return x * tf.cast(keep, x.dtype)
        """, lines=(6,)),
        Invalid("""
            import json
            import time
            from datetime import datetime
            import tensorflow as tf

            def log_step(loss):
                with open("log.json", "a") as fh:
                    json.dump({"t": time.time(), "at": str(datetime.now())}, fh)

            @tf.function
            def train_step(x):
                loss = tf.reduce_sum(x)
                log_step(loss)
                return loss
        """, lines=(7, 8), note="the log is written once per trace, with the trace-time clock"),
        Invalid({
            "pkg/__init__.py": "",
            "pkg/aug.py": """
                import numpy as np

                def random_scale(x):
                    return x * np.random.uniform(0.5, 2.0)
            """,
            "pkg/data.py": """
                import tensorflow as tf
                from pkg.aug import random_scale

                @tf.function
                def augment(x):
                    return random_scale(x)
            """,
        }, path="pkg/aug.py", lines=(4,), note="interprocedural, across modules"),
        Invalid("""
            import random
            import uuid
            import tensorflow as tf

            class Model(tf.keras.Model):
                def train_step(self, data):
                    x, y = data
                    if random.random() < 0.1:
                        x = x * 0
                    self.run_id = str(uuid.uuid4())
                    return super().train_step((x, y))
        """, lines=(8, 10), note="Keras compiles train_step into a tf.function"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            shadowed: set[str] | None = None  # local names, computed only when a call matches
            identity = _object_identity_calls(gf.info.node) if gf.info.name == "__init__" and gf.info.cls else set()
            for call in body.calls:
                kind = effect_kind(ctx.qualify(call.func))
                if kind is None:
                    kind = _path_io(ctx, call)
                if kind is None or (kind == "random" and id(call) in identity):
                    continue
                if kind == "clock" and _discarded_read(ctx, body, call):
                    continue
                if kind == "random" and _string_sentinel(ctx, body, call):
                    continue
                root = _root_name(call.func)
                if root is not None:
                    if shadowed is None:
                        shadowed = body.local_names() - body.declared(ast.Global)
                    if root in shadowed:
                        continue  # `random` is a parameter or local here, not the module
                text = ctx.source.segment(call.func)
                yield ctx.report(self, call, _message(kind, text) + via_text(gf), fn=gf, fix=_FIXES[kind])


def _object_identity_calls(init: ast.AST) -> set[int]:
    """ids of the calls in `self.<attr> = ...` statements of a constructor: a random value stored on the
    object as it is built (a unique resource name, an id) is one value per object, drawn whenever the
    object is (tensorflow-decision-forests' `_CompiledSimpleMLModelResource`, P49-growb)."""
    out: set[int] = set()
    for node in ast.walk(init):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                   for t in targets):
                out.update(id(n) for n in ast.walk(node.value) if isinstance(n, ast.Call))
    return out


def _discarded_read(ctx: ModuleContext, body, call: ast.Call) -> bool:
    """A clock read used as a statement (`time.time()` alone on a line): nothing is frozen, the value is
    dropped in eager code too (mava's recurrent trainers, issue 10 P55-growa). `time.sleep` acts, so a
    bare sleep still is reported: it waits only while tracing."""
    return isinstance(body.parent(call), ast.Expr) and ctx.qualify(call.func) != "time.sleep"


def _string_sentinel(ctx: ModuleContext, body, call: ast.Call) -> bool:
    """`sep = str(uuid.uuid4())` whose every use is an argument of a `tf.strings` op (a separator or a
    replacement pattern): the value only has to be absent from the text, so one value frozen per trace is
    all it needs (t5's `neighboring_pairs`, P54-growa). A uuid used as an id or a file name is reported."""
    if not (ctx.qualify(call.func) or "").startswith("uuid.uuid"):
        return False
    node: ast.AST = call
    parent = body.parent(node)
    while isinstance(parent, ast.Call) and ctx.qualify(parent.func) == "builtins.str" or \
            isinstance(parent, ast.Attribute) and parent.attr == "hex":
        node, parent = parent, body.parent(parent)
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    uses = [n for n in body.of_type(ast.Name) if n.id == name and isinstance(n.ctx, ast.Load)]
    if not uses:
        return False
    for use in uses:
        if not any(isinstance(anc, ast.Call) and (ctx.qualify(anc.func) or "").startswith("tensorflow.strings.")
                   for anc in body.ancestors(use)):
            return False
    return True


def _message(kind: str, text: str) -> str:
    if kind == "random" and text.endswith("seed"):
        return (f"`{text}()` in graph code seeds the Python generator only while TensorFlow traces the "
                "function, not on every call; seed TensorFlow with tf.random.set_seed or a tf.random.Generator")
    if kind == "random":
        return (f"`{text}()` in graph code runs once per trace: the random value is drawn while TensorFlow "
                "traces the function and frozen into the graph, so every call gets the same value")
    if kind == "clock":
        return (f"`{text}()` in graph code runs once per trace: the time is read while TensorFlow traces "
                "the function and frozen into the graph")
    return (f"`{text}(...)` in graph code does its I/O only while TensorFlow traces the function, not on "
            "every call")


def _path_io(ctx: ModuleContext, call: ast.Call) -> str | None:
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr in _PATH_IO_METHODS
        and isinstance(func.value, ast.Call)
        and ctx.qualify(func.value.func) in ("pathlib.Path", "pathlib.PurePath")
    ):
        return "io"
    return None


def _root_name(expr: ast.expr) -> str | None:
    while isinstance(expr, (ast.Attribute, ast.Call)):
        expr = expr.value if isinstance(expr, ast.Attribute) else expr.func
    return expr.id if isinstance(expr, ast.Name) else None
