"""What each automatic fix does, in words, and the entry point rules use to attach one.

Kept free of libcst so that rules (which run on every analysis) can import it at no cost; the edits
themselves are computed by the fixers in `analysis.fixes.registry` only when a fix is applied or shown.
"""
from __future__ import annotations

from ..model import Fix, FixSafety

# One line each; shown by `hybridize check --show-fixes` and in review comments.
FIX_DESCRIPTIONS: dict[str, str] = {
    "HYB001": "use tf.print (prints on every call; writes to stderr by default, formats tensors differently)",
    "HYB007": "hoist the @tf.function definition out of what re-creates it (to module level, or before the loop)",
    "HYB010": "rename `experimental_relax_shapes` to `reduce_retracing`",
    "HYB011": "rename `experimental_compile` to `jit_compile`",
    "HYB012": "rename to `tf.config.run_functions_eagerly`",
    "HYB021": "decorate the function with @tf.function",
    "HYB022": "remove the tf.function decorator (run the function eagerly)",
    "HYB023": "remove the redundant tf.function decorator",
    "HYB105": "use `x = x.at[i].set(v)` (or .add/.subtract/.multiply/.divide/.power for `x[i] op= v`)",
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
