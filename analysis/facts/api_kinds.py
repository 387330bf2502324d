"""What TensorFlow, Keras and Python calls and attributes give back, as data: a tensor or a Python value.

At trace time many TensorFlow helpers return ordinary Python values: `tf.nest.flatten` a Python list,
`tf.get_static_value` a NumPy value or None, `tf.executing_eagerly` a bool, `x.shape` a `TensorShape`
whose `rank` and items are ints or None, `x.dtype` a `DType`. Rules that ask "is this condition / this
iterable a tensor?" (HYB015, HYB016, HYB018) read these tables through `value_kinds.LocalKinds` instead
of matching patterns of their own. Checked against TensorFlow 2.21 and the API reference
(https://www.tensorflow.org/api_docs/python/tf/nest, .../tf/get_static_value, .../tf/TensorShape,
.../tf/dtypes/DType).

Kinds:
    TENSOR     a tf.Tensor (symbolic while tracing)
    VARIABLE   a tf.Variable (reads are tensors)
    PYTHON     a Python scalar or static value: bool, int, float, str, None, TensorShape, DType
    STRUCTURE  a Python container (list, tuple, dict, nest structure): iterating it is Python
               iteration, its truth value is Python's; its items may be tensors (unknown)
    DATASET    a tf.data.Dataset (or a distributed dataset)
    TENSORS    a Python list of tensors (`tf.unstack`, `tf.split`): iterating it is Python iteration, each
               item is a tensor
    VARIABLES  a Python list of variables (`model.trainable_variables`): each item is a variable
    LAYER      a Keras layer or model object: calling it returns a tensor (symbolic under `keras.Input`)
    UNKNOWN    nothing known

The API summaries below (calls, attributes, methods, elements) play the part of the seed tool's
WALA/Ariadne summaries of the TensorFlow and Keras API (issue 11): what the library gives back is data
here, never a special case in a rule.
"""
from __future__ import annotations

from typing import Final

from . import tables

TENSOR: Final = "tensor"
VARIABLE: Final = "variable"
PYTHON: Final = "python"
STRUCTURE: Final = "structure"
DATASET: Final = "dataset"
TENSORS: Final = "tensors"
VARIABLES: Final = "variables"
LAYER: Final = "layer"
UNKNOWN: Final = "unknown"

TENSOR_LIKE = frozenset({TENSOR, VARIABLE})
# Python containers, whatever their items: iterating one is Python iteration, its truth value Python's.
STRUCTURES = frozenset({STRUCTURE, TENSORS, VARIABLES})
PYTHON_LIKE = frozenset({PYTHON}) | STRUCTURES
# Library objects (not tensors, not Python values a condition could test): tracked so that what they
# give back (a dataset's elements, a layer's output) has a kind.
OBJECTS = frozenset({DATASET, LAYER})

# ---- calls: exact qualified names (imports.py's normalized spelling) ----------------------------------
CALL_KINDS: dict[str, str] = {
    # tf.nest works on Python structures and returns them (a single tensor only for a bare-tensor input)
    "tensorflow.nest.flatten": STRUCTURE,
    "tensorflow.nest.map_structure": STRUCTURE,
    "tensorflow.nest.pack_sequence_as": STRUCTURE,
    "tensorflow.nest.map_structure_up_to": STRUCTURE,
    "tensorflow.nest.flatten_with_joined_string_paths": STRUCTURE,
    "tensorflow.nest.is_nested": PYTHON,
    "tensorflow.nest.assert_same_structure": PYTHON,
    # static values and trace-time predicates
    "tensorflow.get_static_value": PYTHON,
    "tensorflow.executing_eagerly": PYTHON,
    "tensorflow.executing_eagerly_outside_functions": PYTHON,
    "tensorflow.compat.v1.executing_eagerly": PYTHON,
    "tensorflow.compat.v1.executing_eagerly_outside_functions": PYTHON,
    "tensorflow.inside_function": PYTHON,
    "tensorflow.is_tensor": PYTHON,
    "tensorflow.is_symbolic_tensor": PYTHON,
    "tensorflow.debugging.is_numeric_tensor": PYTHON,
    "tensorflow.compat.dimension_value": PYTHON,
    "tensorflow.compat.v1.dimension_value": PYTHON,
    "tensorflow.compat.dimension_at_index": PYTHON,
    "tensorflow.TensorShape": PYTHON,
    "tensorflow.as_dtype": PYTHON,
    "tensorflow.dtypes.as_dtype": PYTHON,
    "tensorflow.TensorSpec": PYTHON,
    "tensorflow.type_spec_from_value": PYTHON,
    "tensorflow.print": PYTHON,  # None eagerly; an op only for control dependencies
    # ops that return a Python list of tensors
    "tensorflow.unstack": TENSORS,
    "tensorflow.split": TENSORS,
    "tensorflow.meshgrid": TENSORS,
    "tensorflow.dynamic_partition": TENSORS,
    "tensorflow.unique_with_counts": STRUCTURE,
    # TPU computations: a Python list of outputs (one list per replica for replicate; trax's pmap, P50-growb)
    "tensorflow.compat.v1.tpu.replicate": STRUCTURE,
    "tensorflow.compat.v1.tpu.shard": STRUCTURE,
    "tensorflow.Variable": VARIABLE,
    "tensorflow.compat.v1.get_variable": VARIABLE,
    # Keras: `Input` is a symbolic (Keras) tensor; model constructors and loaders give layer objects
    "keras.Input": TENSOR,
    "keras.input": TENSOR,
    "keras.layers.Input": TENSOR,
    "keras.Model": LAYER,
    "keras.Sequential": LAYER,
    "keras.models.Model": LAYER,
    "keras.models.Sequential": LAYER,
    "keras.models.load_model": LAYER,
    "keras.models.clone_model": LAYER,
    "keras.saving.load_model": LAYER,
    # Keras backend helpers that answer from static shapes and settings
    "keras.backend.int_shape": STRUCTURE,
    "keras.backend.ndim": PYTHON,
    "keras.backend.is_keras_tensor": PYTHON,
    "keras.backend.is_tensor": PYTHON,
    "keras.backend.floatx": PYTHON,
    "keras.backend.epsilon": PYTHON,
    "keras.backend.image_data_format": PYTHON,
    "keras.backend.backend": PYTHON,
    "keras.backend.standardize_dtype": PYTHON,
    "keras.config.floatx": PYTHON,
    "keras.config.epsilon": PYTHON,
    "keras.config.image_data_format": PYTHON,
    "keras.config.backend": PYTHON,
    # Python builtins
    **{f"builtins.{name}": PYTHON for name in (
        "isinstance", "issubclass", "len", "hasattr", "callable", "bool", "int", "float", "str", "repr", "type",
        "id", "hash", "round", "abs", "format", "chr", "ord", "any", "all", "divmod")},
    **{f"builtins.{name}": STRUCTURE for name in (
        "list", "tuple", "dict", "set", "frozenset", "sorted", "range", "zip", "enumerate", "reversed", "map",
        "filter", "vars", "dir")},
    "numpy.shape": STRUCTURE,
    "numpy.ndim": PYTHON,
    "math.prod": PYTHON,
}
_NEST_MODULES = frozenset({"nest", "nest_util", "tree", "tree_util"})
# Families answered by prefix when no exact name matches (longest first wins).
CALL_KIND_PREFIXES: tuple[tuple[str, str], ...] = (
    ("tensorflow.nest.", STRUCTURE),
    ("keras.layers.", LAYER),  # every public class of keras.layers is a layer (Input is listed above)
    ("keras.applications.", LAYER),  # keras.applications.ResNet50(...) etc. build models
    ("tensorflow.config.", PYTHON),
    ("tensorflow.io.gfile.", PYTHON),
    ("tensorflow.distribute.", UNKNOWN),
    ("tensorflow.autograph.", UNKNOWN),
    # Lookup tables and their initializers are resource-holding Python objects, not tensors (their
    # methods return tensors): https://www.tensorflow.org/api_docs/python/tf/lookup
    ("tensorflow.lookup.", UNKNOWN),
    ("os.", PYTHON),
    ("math.", PYTHON),
    ("operator.", UNKNOWN),
)

# ---- attributes -----------------------------------------------------------------------------------
# Attributes of a tensor (or variable, or anything tensor-like) that are static Python values at trace
# time: `x.shape` is a TensorShape, `x.dtype` a DType, `x.ndim` an int.
STATIC_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "rank", "ndims", "name", "device", "graph",
                               "trainable", "is_sparse", "is_ragged"})
# Methods whose result is a static Python value whatever the receiver (TensorShape, DType, tensors).
STATIC_METHODS = frozenset({"get_shape", "as_list", "is_fully_defined", "is_compatible_with", "num_elements",
                            "is_floating", "is_integer", "is_bool", "is_complex", "as_numpy_dtype",
                            "most_specific_compatible_shape", "merge_with", "with_rank", "with_rank_at_least",
                            "assert_is_compatible_with", "assert_has_rank"})


# keras.layers' functional forms of the merge layers: each returns the merged tensor.
KERAS_MERGE_FUNCTIONS = frozenset({"add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate",
                                   "dot"})
# Attributes whose value is a Python list of variables. The first group names only the variable lists
# of `tf.Module` / Keras layers, models and optimizers, whatever the receiver; `weights` and `variables`
# are common words elsewhere (a config's `weights = [0.5, 0.5]`), so they count only on a known layer.
VARIABLE_LIST_ATTRIBUTES = frozenset({"trainable_variables", "trainable_weights", "non_trainable_variables",
                                      "non_trainable_weights"})
LAYER_VARIABLE_LIST_ATTRIBUTES = frozenset({"weights", "variables"})
# Methods whose result has a known kind whatever their receiver (distinctive names only).
METHOD_KINDS: dict[str, str] = {
    "experimental_distribute_dataset": DATASET,  # tf.distribute.Strategy: a DistributedDataset
    "distribute_datasets_from_function": DATASET,
    "experimental_distribute_datasets_from_function": DATASET,
    "watched_variables": VARIABLES,  # tf.GradientTape
}
# `tf.GradientTape.gradient(target, sources)` (and `jacobian`) return a structure mirroring `sources`
# (https://www.tensorflow.org/api_docs/python/tf/GradientTape#gradient): a Python list of gradients for a
# list of variables. Method name -> (position, keyword) of the sources argument. Only a Python structure
# of sources is mirrored: a single source gives a single tensor, but `gradient` is too common a method
# name elsewhere to claim a tensor on the name alone.
SOURCE_MIRRORING_METHODS: dict[str, tuple[int, str]] = {"gradient": (1, "sources"), "jacobian": (1, "sources")}
# What iterating (or indexing) a value of a kind gives. A dataset's element is a nest of tensors (one
# tensor, or a tuple/dict of them): only a destructuring target (`for x, y in ds`) is surely a tensor.
# A tensor's rows are tensors too, but a parameter taken for a tensor is often a Python list of them:
# loops over tensors are left unknown rather than risk a false alarm on such a list.
ELEMENT_KINDS: dict[str, str] = {TENSORS: TENSOR, VARIABLES: VARIABLE}
DESTRUCTURED_ELEMENT_KINDS: dict[str, str] = {DATASET: TENSOR}


def attribute_kind(attr: str, receiver: str) -> str:
    """The kind of `receiver_value.attr` from the attribute table (UNKNOWN when not listed)."""
    if attr in VARIABLE_LIST_ATTRIBUTES:
        return VARIABLES
    if attr in LAYER_VARIABLE_LIST_ATTRIBUTES and receiver == LAYER:
        return VARIABLES
    return UNKNOWN


def method_kind(method: str, receiver: str) -> str:
    """The kind a method call returns, from its name and its receiver's kind (UNKNOWN when not known)."""
    kind = METHOD_KINDS.get(method)
    if kind is not None:
        return kind
    if receiver == DATASET and method in tables.DATASET_METHODS:
        return DATASET
    if receiver == LAYER and method in ("call", "__call__"):
        return TENSOR
    return UNKNOWN


def mirrored_kind(sources: str) -> str:
    """What a sources-mirroring method (`tape.gradient`) returns for sources of this kind."""
    if sources in (VARIABLES, TENSORS):
        return TENSORS  # one gradient tensor per variable, in a Python list
    return STRUCTURE if sources == STRUCTURE else UNKNOWN


def element_kind(container: str, *, destructured: bool = False) -> str:
    """What one item of a container of this kind is; `destructured` when the item is unpacked further."""
    kind = ELEMENT_KINDS.get(container)
    if kind is None and destructured:
        kind = DESTRUCTURED_ELEMENT_KINDS.get(container)
    return kind or UNKNOWN


def is_nest_call(qual: str | None) -> bool:
    """A function of a nest library (tf.nest, TF's util.nest, TFP's nest_util, dm-tree)."""
    return qual is not None and qual.rpartition(".")[0].rsplit(".", 1)[-1] in _NEST_MODULES


def call_kind(qual: str | None) -> str:
    """The kind of value a call of the qualified name returns (UNKNOWN for None or an unknown name)."""
    if qual is None:
        return UNKNOWN
    kind = CALL_KINDS.get(qual)
    if kind is not None:
        return kind
    name = qual.rpartition(".")[2]
    if is_nest_call(qual):
        # Every nest library (tf.nest, TF's internal util.nest, TFP's nest, dm-tree) works on Python
        # structures: its predicates return bools, everything else a structure.
        return PYTHON if name.startswith(("is_", "assert_")) else STRUCTURE
    best = ""
    for prefix, pkind in CALL_KIND_PREFIXES:
        if qual.startswith(prefix) and len(prefix) > len(best):
            best, kind = prefix, pkind
    if kind == LAYER and not name[:1].isupper():
        # keras.layers' functional helpers (`concatenate`, `add`) return tensors; other lowercase names
        # (`serialize`, `deserialize`) are not layers either
        return TENSOR if name in KERAS_MERGE_FUNCTIONS else UNKNOWN
    if kind is not None:
        return kind
    if tables.is_dataset_api(qual):
        return DATASET
    if tables.is_tensor_api(qual):
        return TENSOR
    return UNKNOWN
