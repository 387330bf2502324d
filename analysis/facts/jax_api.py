"""What a `jax.Array` gives back while `jax.jit` traces it, as data: a tracer, or a value JAX knows statically.

The JAX rules' traced-value classifier (`rules/_traced_values.py`) reads these tables instead of guessing
from the spelling of a call. A method call on a traced argument is a tracer only when it is one of
`jax.Array`'s own methods: a jitted function's arguments are often pytrees of the project's own classes
(a robot model, a sampler's state) whose methods return Python values kept in static fields
(`model.number_of_joints()`, `u.ndim()`), and nothing says those are arrays. Checked against the
`jax.Array` reference of JAX 0.10 (https://docs.jax.dev/en/latest/_autosummary/jax.Array.html).
"""
from __future__ import annotations

# Attributes whose value JAX knows while tracing (shapes and types, not data).
STATIC_ATTRS = frozenset({"shape", "ndim", "dtype", "size", "sharding", "aval", "weak_type", "itemsize",
                          "nbytes"})
# Attributes that are arrays as large as the data (tracers under jit).
ARRAY_ATTRS = frozenset({"T", "mT", "real", "imag"})
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
