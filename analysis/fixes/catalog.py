"""What each automatic fix does, in words, and the entry point rules use to attach one.

Kept free of libcst so that rules (which run on every analysis) can import it at no cost; the edits
themselves are computed by the fixers in `analysis.fixes.registry` only when a fix is applied or shown.
"""
from __future__ import annotations

from ..model import Fix, FixSafety

# One line each; shown by `hybridize check --show-fixes` and in review comments.
FIX_DESCRIPTIONS: dict[str, str] = {
    "HYB001": "use tf.print (prints on every call; writes to stderr by default, formats tensors differently)",
    "HYB004": "create the variable once (in `__init__`, or at module level) and read that one",
    "HYB007": "hoist the @tf.function definition out of what re-creates it (to module level, or before the loop)",
    "HYB008": "add `reduce_retracing=True` to the tf.function (or an `input_signature` with None dimensions)",
    "HYB010": "rename `experimental_relax_shapes` to `reduce_retracing`",
    "HYB011": "rename `experimental_compile` to `jit_compile`",
    "HYB012": "rename to `tf.config.run_functions_eagerly`",
    "HYB021": "decorate the function with @tf.function",
    "HYB022": "remove the tf.function decorator (run the function eagerly)",
    "HYB023": "remove the redundant tf.function decorator",
    "HYB025": "drop the ignored `validate_indices=` argument of tf.gather",
    "HYB105": "use `x = x.at[i].set(v)` (or .add/.subtract/.multiply/.divide/.power for `x[i] op= v`)",
}

# What a refactoring is expected to do, and what to run to see it (the follow-up PR body, issue 15).
FIX_EFFECTS: dict[str, tuple[str, str]] = {
    "HYB004": ("the function no longer fails with \"tf.function only supports singleton tf.Variables\"; "
               "every call reads the same values as before",
               "the tests, in graph mode (they may have run the function eagerly to avoid the error)"),
    "HYB006": ("one trace for every value instead of one per value",
               "`experimental_get_tracing_count()` on the tf.function after the loop"),
    "HYB007": ("the function traces once instead of on every call or loop iteration",
               "`tf.function.experimental_get_tracing_count()` on the hoisted function after a few calls"),
    "HYB008": ("one generalized trace instead of one per input shape",
               "`experimental_get_tracing_count()` after a run with inputs of several shapes"),
    "HYB021": ("graph execution: less Python overhead per op (2-30x on the hot functions of "
               "bench/refactoring_speedup.py)",
               "the tests, and a timing of the loop that calls it, before and after"),
    "HYB022": ("eager execution: no tracing on every call with new Python values",
               "the tests; a timing of the calls before and after"),
    "HYB023": ("one graph boundary instead of two (same results)", "the tests"),
    "HYB025": ("none at run time (TensorFlow ignored the argument); no deprecation warning", "the tests"),
}


def fix_for(code: str, safety: FixSafety, reason: str = "", description: str | None = None) -> Fix:
    """The `Fix` a rule attaches to a finding whose edit a fixer in `FIXERS[code]` computes.

    Rules decide the safety (they know the preconditions); `reason` says why that safety, in words a
    reviewer can check ("no free variables bound in `train`"). `edits` stay empty: the fix engine computes
    them from the finding's position when the fix is applied, shown or suggested.
    """
    text = description or FIX_DESCRIPTIONS.get(code)
    if text is None:
        raise KeyError(f"no fix is described for {code}; pass description=")
    return Fix(text, safety, reason=reason)
