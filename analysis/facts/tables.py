"""What the facts know about library calls: which are pure, which compute tensors, which are eager-only.

An unresolved call is "unknown" (it makes a fact undeterminable) unless it is listed here as pure: a
linter that guesses "pure" for what it cannot see would gate refactorings on a guess.
"""
from __future__ import annotations

# ---- tensor-producing TensorFlow APIs -------------------------------------------------------------
# `tf.*` calls return tensors except for these families (configuration, data pipelines, distribution,
# I/O helpers, Python-side objects). Prefixes are matched on normalized qualified names (imports.py).
NON_TENSOR_TF_PREFIXES = (
    "tensorflow.function", "tensorflow.config.", "tensorflow.data.", "tensorflow.distribute.",
    "tensorflow.io.gfile.", "tensorflow.summary.", "tensorflow.saved_model.", "tensorflow.lite.",
    "tensorflow.train.", "tensorflow.debugging.set_log_device_placement", "tensorflow.get_logger",
    "tensorflow.GradientTape", "tensorflow.device", "tensorflow.name_scope", "tensorflow.TensorSpec",
    "tensorflow.TensorShape", "tensorflow.DType", "tensorflow.dtypes.as_dtype", "tensorflow.random.Generator",
    "tensorflow.random.set_seed", "tensorflow.Module", "tensorflow.print", "tensorflow.executing_eagerly",
    "tensorflow.autograph.", "tensorflow.experimental.numpy.experimental_enable_numpy_behavior",
    "tensorflow.keras", "tensorflow.estimator.", "tensorflow.sysconfig.", "tensorflow.test.",
    "tensorflow.compat.v1.Session", "tensorflow.compat.v1.placeholder", "tensorflow.nest.",
    "tensorflow.is_tensor", "tensorflow.get_static_value", "tensorflow.type_spec_from_value",
)
# tf.data constructors and transformations: their results are datasets; iterating one yields tensors.
DATASET_PREFIXES = ("tensorflow.data.Dataset", "tensorflow.data.TFRecordDataset", "tensorflow.data.TextLineDataset",
                    "tensorflow.data.FixedLengthRecordDataset", "tensorflow.data.experimental.")
DATASET_METHODS = frozenset({
    "map", "filter", "flat_map", "interleave", "batch", "padded_batch", "shuffle", "repeat", "prefetch",
    "take", "skip", "cache", "unbatch", "rebatch", "zip", "concatenate", "apply", "with_options", "shard",
    "window", "scan", "enumerate", "ragged_batch", "bucket_by_sequence_length", "from_tensor_slices",
    "from_tensors", "range", "list_files", "parallel_interleave", "group_by_window", "prefetch_to_device",
})
# tf.data transformations whose callback is always traced (the run_functions_eagerly docstring:
# "the eager switch does not apply to tf.data functions", https://www.tensorflow.org/api_docs/python/tf/config/run_functions_eagerly).
# Keywords whose function TensorFlow builds into a graph wherever it is handed on: an Estimator's
# `model_fn` (`tf.estimator.Estimator(model_fn=...)`, TPUEstimator, and the configuration objects that carry
# it there, as magenta's `Config(model_fn=...)`): not eager code (bench/precision/patterns.md, P6-lead10).
GRAPH_BUILT_KEYWORDS = frozenset({"model_fn"})
TFDATA_CALLBACK_METHODS = frozenset({"map", "filter", "flat_map", "interleave", "reduce", "scan", "group_by_window",
                                     "parallel_interleave"})
# Ops whose presence alone justifies a graph (dense linear algebra, convolutions, gradient tapes):
# "Seeing the speed-up", https://www.tensorflow.org/guide/function ; tf-2.21-facts.md
# ("hybridizing is not always faster": six small ops ran at 0.45x as a graph).
HEAVY_TF_SUFFIXES = frozenset({
    "matmul", "conv1d", "conv2d", "conv3d", "conv2d_transpose", "conv1d_transpose", "conv3d_transpose",
    "depthwise_conv2d", "separable_conv2d", "einsum", "tensordot", "gradient", "scan", "while_loop", "map_fn",
    "vectorized_map", "fft", "fft2d", "ifft", "svd", "qr", "cholesky", "lstsq", "solve", "batch_matmul",
})
# Keras training-surface methods that fail inside a trace (Hybridize HAS_EAGER_ONLY_CALLS, #363/#836;
# tf-2.21-facts.md §3 for the exception types on Keras 3).
EAGER_ONLY_METHODS = frozenset({
    "numpy", "fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
    "fit_generator", "evaluate_generator", "predict_generator",
})
# Callbacks of these run eagerly in Python even when called from a graph
# (https://www.tensorflow.org/api_docs/python/tf/py_function).
PY_FUNCTION_CALLS = frozenset({
    "tensorflow.py_function", "tensorflow.numpy_function", "tensorflow.compat.v1.py_func",
    "tensorflow.compat.v1.py_function", "tensorflow.compat.v1.numpy_function",
})
KERAS_INPUT_CALLS = frozenset({"keras.Input", "keras.layers.Input", "keras.input"})
# Used with these, a function needs graph mode (HYB022's extra preconditions, study §3.2).
# Calls that switch the whole process to TF1 graph mode (https://www.tensorflow.org/api_docs/python/tf/compat/v1/
# disable_eager_execution): a program whose entry point makes one runs nothing eagerly.
GRAPH_MODE_SWITCHES = frozenset({"tensorflow.compat.v1.disable_v2_behavior",
                                 "tensorflow.compat.v1.disable_eager_execution"})
GRAPH_REQUIRED_METHODS = frozenset({"get_concrete_function", "experimental_get_compiler_ir"})
# Methods of a tf.function that trace it (or lower it) without running the graph: a function whose every
# use is one of these, with the result dropped, only ever runs its Python body (HYB001, issue 11 P2-tffalse).
# https://www.tensorflow.org/api_docs/python/tf/types/experimental/GenericFunction#get_concrete_function
TRACE_ONLY_METHODS = frozenset({"get_concrete_function", "experimental_get_compiler_ir"})
GRAPH_REQUIRED_CALLS = frozenset({
    "tensorflow.saved_model.save", "tensorflow.lite.TFLiteConverter.from_concrete_functions",
    "tensorflow.lite.TFLiteConverter.from_saved_model", "tensorflow.compat.v1.saved_model.save",
})

# Calls that return an object that already exists (the strategy in scope, the current replica context, the
# default graph), the same one on every call: a function that closes over the result does not serve a new
# object per call, so it could be made once (HYB007; issue 11 P65-recall3, TF Graphics' `_train_epoch`).
# https://www.tensorflow.org/api_docs/python/tf/distribute/get_strategy
SHARED_OBJECT_CALLS = frozenset({
    "tensorflow.distribute.get_strategy", "tensorflow.distribute.get_replica_context",
    "tensorflow.distribute.get_cross_replica_context", "tensorflow.distribute.has_strategy",
    "tensorflow.compat.v1.get_default_graph", "tensorflow.get_logger",
})

# ---- purity of library calls -----------------------------------------------------------------------
# TensorFlow and Keras calls do not change Python state (`tf.Variable.assign*` and `tf.print` are graph
# ops, not Python side effects: Hybridize testPythonSideEffects2).
PURE_PREFIXES = (
    "tensorflow.", "keras.", "math.", "numpy.", "operator.", "functools.partial", "itertools.", "typing.",
    "dataclasses.replace", "dataclasses.field", "copy.copy", "copy.deepcopy", "collections.namedtuple",
    "collections.OrderedDict", "collections.defaultdict", "collections.deque", "collections.Counter",
    "abc.", "enum.", "string.", "re.", "json.dumps", "json.loads", "tensorflow_probability.", "gin.",
    "absl.flags.", "six.", "numbers.",
)
# Non-deterministic or effectful members of otherwise pure families.
IMPURE_PREFIXES = ("numpy.random.", "numpy.save", "numpy.load", "numpy.savetxt", "numpy.loadtxt", "numpy.fromfile",
                   "numpy.genfromtxt", "tensorflow.io.gfile.", "tensorflow.summary.", "tensorflow.saved_model.save",
                   "keras.utils.plot_model", "keras.backend.set_value", "keras.backend.clear_session",
                   "tensorflow.config.", "tensorflow.random.set_seed", "keras.utils.set_random_seed")
PURE_BUILTINS = frozenset({
    "abs", "all", "any", "ascii", "bin", "bool", "bytes", "callable", "chr", "complex", "dict", "divmod",
    "enumerate", "filter", "float", "format", "frozenset", "getattr", "hasattr", "hash", "hex", "id", "int",
    "isinstance", "issubclass", "iter", "len", "list", "map", "max", "min", "next", "object", "oct", "ord",
    "pow", "range", "repr", "reversed", "round", "set", "slice", "sorted", "str", "sum", "super", "tuple",
    "type", "zip", "vars", "NotImplementedError", "ValueError", "TypeError", "KeyError", "IndexError",
    "RuntimeError", "AssertionError", "AttributeError", "Exception", "StopIteration", "staticmethod",
    "classmethod", "property",
})
# Method names that are pure on the objects they are normally called on (tensors, variables, NumPy
# arrays, strings, dicts read access, Keras metrics/optimizers whose state lives in tf.Variables).
PURE_METHODS = frozenset({
    # tensors / arrays
    "numpy", "reshape", "astype", "get_shape", "set_shape", "transpose", "squeeze", "sum", "mean", "max", "min",
    "argmax", "argmin", "flatten", "ravel", "item", "tolist", "copy", "dot", "round", "clip", "std", "var",
    "as_list", "as_numpy_iterator", "ref", "value", "read_value", "eval", "cast", "any", "all", "prod",
    # tf.Variable updates: graph ops, not Python side effects
    "assign", "assign_add", "assign_sub", "scatter_update", "scatter_add", "scatter_nd_update",
    "scatter_nd_add", "scatter_sub",
    # Keras objects whose state lives in variables
    "update_state", "result", "reset_state", "reset_states", "apply_gradients", "minimize", "apply",
    "get_weights", "get_config", "compute_output_shape", "count_params", "add_loss", "add_metric",
    "add_weight", "add_variable",
    # gradient tapes, distribution strategies
    "gradient", "watch", "jacobian", "batch_jacobian", "stop_recording", "reduce", "scope",
    "experimental_local_results", "run",
    # str / dict / sequence reads
    "format", "join", "split", "strip", "lstrip", "rstrip", "startswith", "endswith", "lower", "upper",
    "replace", "get", "items", "keys", "values", "index", "count", "encode", "decode", "find", "rfind",
    "zfill", "isdigit", "__len__", "__getitem__", "splitlines", "partition", "rpartition", "title",
    # datasets (pure transformations; their callbacks are followed separately)
    *DATASET_METHODS,
})
CONTAINER_MUTATORS = frozenset({
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "add", "discard", "popitem",
    "appendleft", "extendleft", "popleft", "sort", "reverse", "__setitem__", "__delitem__",
})
OUTPUT_CALLS = frozenset({"builtins.print", "warnings.warn", "sys.stdout.write", "sys.stderr.write",
                          "pprint.pprint"})
LOGGING_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
IO_CALLS = frozenset({
    "builtins.open", "builtins.input", "io.open", "json.dump", "json.load", "pickle.dump", "pickle.load",
    "yaml.dump", "yaml.safe_dump", "yaml.load", "yaml.safe_load", "csv.reader", "csv.writer",
    "numpy.save", "numpy.savez", "numpy.savez_compressed", "numpy.savetxt", "numpy.load", "numpy.loadtxt",
    "numpy.genfromtxt", "numpy.fromfile", "urllib.request.urlopen", "urllib.request.urlretrieve",
    "glob.glob", "glob.iglob",
})
IO_PREFIXES = ("shutil.", "subprocess.", "requests.", "httpx.", "http.client.", "urllib3.", "socket.", "os.",
               "tensorflow.io.gfile.", "tensorflow.summary.", "pathlib.")
NONDETERMINISM_PREFIXES = ("random.", "numpy.random.", "secrets.", "uuid.uuid", "time.", "datetime.datetime.now",
                           "datetime.datetime.utcnow", "datetime.date.today")
PRIMITIVE_ANNOTATIONS = frozenset({"builtins.int", "builtins.float", "builtins.str", "builtins.bool", "builtins.bytes"})
TENSOR_ANNOTATION_SUFFIXES = ("Tensor", "Variable", "TensorLike", "RaggedTensor", "SparseTensor", "TensorSpec")


def python_effect_of_call(qual: str | None) -> str | None:
    """The Python side-effect kind of a library call ('print', 'io', 'nondeterminism'), else None."""
    if qual is None:
        return None
    if qual in OUTPUT_CALLS:
        return "print"
    if qual.startswith(("logging.", "absl.logging.")) and qual.rsplit(".", 1)[1] in LOGGING_METHODS:
        return "print"
    if qual in IO_CALLS or qual.startswith(IO_PREFIXES):
        if qual.startswith(("os.path.join", "os.path.basename", "os.path.dirname", "os.path.splitext",
                            "os.path.split", "os.path.normpath", "os.path.abspath", "os.fspath", "os.sep",
                            "os.environ.get", "os.getenv", "pathlib.Path", "pathlib.PurePath")):
            return None
        return "io"
    if qual.startswith(NONDETERMINISM_PREFIXES):
        return "nondeterminism"
    return None


def is_pure_library_call(qual: str) -> bool:
    """A call into a library the facts trust not to change Python state."""
    if qual.startswith(IMPURE_PREFIXES):
        return False
    if qual.startswith("builtins.object."):
        return True  # super().__init__() and friends on a plain class
    if qual.startswith("builtins."):
        return qual[9:] in PURE_BUILTINS
    return qual.startswith(PURE_PREFIXES) or qual.startswith(("os.path.", "posixpath.", "pathlib.Path"))


# Libraries whose functions compute on tensors under the TensorFlow backend (Keras 3 ops, TFP).
TENSOR_LIBRARY_PREFIXES = ("keras.ops.", "keras.backend.", "keras.activations.", "tensorflow_probability.math.",
                           "tensorflow_probability.stats.", "tensorflow_probability.distributions.")
# Methods that run TensorFlow ops whatever their receiver: tf.Variable updates and reads, Keras metric
# and optimizer state updates (variables), gradient tapes. A tf.function made of these does TF work
# (issue 10: `for m in metrics: m.reset_state()` and `tape.gradient` were taken for "no computation").
TENSOR_METHODS = frozenset({"assign", "assign_add", "assign_sub", "scatter_update", "scatter_add",
                            "scatter_nd_update", "scatter_nd_add", "scatter_sub", "read_value",
                            "reset_state", "reset_states", "update_state", "result", "apply_gradients",
                            "gradient", "jacobian", "batch_jacobian"})

# Methods of TensorFlow objects (made by a `tensorflow.train.*`, `tensorflow.random.*` constructor, which
# are not ops themselves) that run ops: `ema.apply(variables)` adds one assign per variable, a
# Generator's samplers draw tensors. Qualified as the call graph resolves `self._ema.apply` when
# `self._ema = tf.train.ExponentialMovingAverage(...)` (issue 10 P51-fixa, OpenNMT-tf's MovingAverage).
TF_OBJECT_OP_METHODS = frozenset({
    *(f"{ema}.apply" for ema in ("tensorflow.train.ExponentialMovingAverage",
                                 "tensorflow.compat.v1.train.ExponentialMovingAverage")),
    *(f"tensorflow.random.Generator.{m}" for m in ("normal", "uniform", "uniform_full_int", "truncated_normal",
                                                   "binomial", "make_seeds", "skip")),
})


def is_tensor_api(qual: str | None) -> bool:
    """A TensorFlow (or Keras ops / TFP) call whose result is a tensor (ops, constants, variables, math)."""
    if qual is None:
        return False
    if qual.startswith("tensorflow."):
        return not qual.startswith(NON_TENSOR_TF_PREFIXES)
    return qual.startswith(TENSOR_LIBRARY_PREFIXES)


def is_dataset_api(qual: str | None) -> bool:
    return qual is not None and qual.startswith(DATASET_PREFIXES)


def is_heavy_tensor_api(qual: str) -> bool:
    return qual.rsplit(".", 1)[-1] in HEAVY_TF_SUFFIXES
