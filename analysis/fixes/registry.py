"""The fixer registry: rule code -> the codemod that computes a finding's edits.

Contract of a `Fixer`: `fixer(finding, document) -> tuple[Edit, ...]`.
* It locates what to change from the finding's position (see `locate.pick`; each fixer's module says
  which node its rule reports) in `document` (decoded text, lazily parsed libcst tree).
* It returns the edits (positions in `document`, see analysis.model.Edit), or `()` when there is nothing
  to change at that position (the fix is already applied: this is how re-application is checked), or
  raises `CannotFix(reason)` when the change would not be mechanical.
* It never decides safety: the rule does, and the engine applies only what was asked for.
"""
from __future__ import annotations

from typing import Callable

from ..model import Edit, Finding
from .decorators import fix_add_tf_function, fix_remove_tf_function
from .document import Document
from .hoist import fix_hoist
from .jax_at import fix_jax_at
from .print_fix import fix_print
from .retracing import fix_reduce_retracing
from .tensor_argument import fix_tensor_argument
from .variable_hoist import fix_hoist_variable
from .renames import (
    fix_experimental_compile, fix_gather_validate_indices, fix_relax_shapes, fix_run_functions_eagerly,
)

Fixer = Callable[[Finding, Document], tuple[Edit, ...]]

FIXERS: dict[str, Fixer] = {
    "HYB001": fix_print,
    "HYB004": fix_hoist_variable,
    "HYB006": fix_tensor_argument,
    "HYB007": fix_hoist,
    "HYB008": fix_reduce_retracing,
    "HYB010": fix_relax_shapes,
    "HYB011": fix_experimental_compile,
    "HYB012": fix_run_functions_eagerly,
    "HYB021": fix_add_tf_function,
    "HYB022": fix_remove_tf_function,
    "HYB023": fix_remove_tf_function,
    "HYB025": fix_gather_validate_indices,
    "HYB105": fix_jax_at,
}
