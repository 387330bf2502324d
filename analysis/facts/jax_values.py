"""What JAX APIs return while `jax.jit` traces: which values are static Python values, which are tracers.

The JAX rules' traced-value classifier (analysis/rules/_traced_values.py) reads these tables. Measured on
jax 0.10.2 (docs/framework-facts.md): under `jax.jit` a shape, a dtype or a `len()` is a concrete Python
value, while every `jax.numpy`/`lax`/`jax.random` call, even one of constants only (`jnp.zeros(2)`), is
staged into the trace and returns a tracer (`JitTracer(float32[2])`). A method call on a traced argument
is a tracer only when it is one of `jax.Array`'s own methods: a jitted function's arguments are often
pytrees of the project's own classes (a robot model, a sampler's state) whose methods return Python values
kept in static fields (`model.number_of_joints()`), and nothing says those are arrays. Checked against the
`jax.Array` reference of JAX 0.10 (https://docs.jax.dev/en/latest/_autosummary/jax.Array.html).
"""
from __future__ import annotations

# Attributes whose value JAX knows while tracing (shapes and types, not data).
STATIC_ATTRS = frozenset({"shape", "ndim", "dtype", "size", "sharding", "aval", "weak_type", "itemsize",
                          "nbytes"})
# Attributes of an array that are arrays of the same data.
ARRAY_ATTRS = frozenset({"T", "mT", "real", "imag"})
# Calls whose result is a Python value known while tracing, whatever their arguments.
STATIC_CALLS = frozenset({
    "builtins.len", "builtins.isinstance", "builtins.type", "builtins.hasattr", "builtins.getattr",
    "builtins.callable", "builtins.id", "builtins.repr", "builtins.str",
    "jax.numpy.shape", "jax.numpy.ndim", "jax.numpy.size", "jax.numpy.result_type", "jax.numpy.issubdtype",
    "jax.numpy.iscomplexobj", "jax.numpy.isscalar", "jax.numpy.dtype", "jax.numpy.finfo", "jax.numpy.iinfo",
    "jax.eval_shape", "jax.tree.structure", "jax.tree_util.tree_structure",
    # dtype helpers outside jax.numpy: `lax.dtype(x)` (JAX before 0.4.14, P1-jaxtrue: jax 0.2.28's
    # threefry_2x32 checks its arguments' dtypes under jit) and `jax.dtypes`' own functions
    "jax.lax.dtype", "jax.dtypes.result_type", "jax.dtypes.canonicalize_dtype", "jax.dtypes.issubdtype",
})
# Static calls whose result still spells the value it is given: `str(x)` of a tracer is the text
# `JitTracer(float32[3])`, so what prints it shows a tracer, not a value.
TEXT_OF_VALUE_CALLS = frozenset({"builtins.str", "builtins.repr", "builtins.format"})
# Families whose calls compute arrays: under jit their results are tracers (all of them, constants too).
ARRAY_FUNCTION_PREFIXES = ("jax.numpy.", "jax.lax.", "jax.nn.", "jax.scipy.")
STAGED_FUNCTION_PREFIXES = ARRAY_FUNCTION_PREFIXES + ("jax.random.",)
# `tree_map(f, tree, ...)`: f applied to every leaf; the result holds what f returns (`jnp.shape` of
# traced leaves gives static shapes).
TREE_MAP_CALLS = frozenset({"jax.tree.map", "jax.tree_util.tree_map", "jax.tree_map"})
# Custom derivative rules: their `nondiff_argnums` arguments are Python values, not traced.
CUSTOM_DERIVATIVES = frozenset({"jax.custom_vjp", "jax.custom_jvp"})
# `jax.Array` methods that return an array computed from the data (tracers under jit). Not listed:
# `item`/`tolist`/`tobytes` (they need the data on the host: HYB108's business), and the device and
# buffer methods (`devices`, `addressable_data`, `is_ready`, ...), which are not data.
ARRAY_METHODS = frozenset({
    "all", "any", "argmax", "argmin", "argpartition", "argsort", "astype", "block_until_ready", "byteswap",
    "choose", "clip", "clone", "compress", "conj", "conjugate", "copy", "cumprod", "cumsum", "diagonal", "dot",
    "flatten", "max", "mean", "min", "nonzero", "prod", "ptp", "ravel", "repeat", "reshape", "round",
    "searchsorted", "sort", "squeeze", "std", "sum", "swapaxes", "take", "trace", "transpose", "var", "view",
})
# The methods of `x.at[index]` (functional updates): each returns a new array, a tracer when `x` is one.
AT_METHODS = frozenset({"set", "add", "subtract", "multiply", "mul", "divide", "power", "min", "max", "apply",
                        "get"})
# Source-to-source converters that rewrite the function they are given before JAX traces it, among
# other things turning `x[i] = v` on an array into `x = x.at[i].set(v)`: PennyLane's AutoGraph
# (https://docs.pennylane.ai/en/stable/code/api/pennylane.capture.autograph.run_autograph.html).
AUTOGRAPH_CONVERTERS = frozenset({
    "pennylane.capture.autograph.run_autograph", "pennylane.capture.autograph.transformer.run_autograph",
    "pennylane.capture.run_autograph",
})
