"""Fixes whose safety depends on the project's minimum TensorFlow version (renames of deprecated APIs).

A rename such as `experimental_relax_shapes=` -> `reduce_retracing=` is semantics-preserving only when
every TensorFlow the project supports already has the new name. The engine hands rules the declared
minimum (`ctx.min_tf_version`, from [tool.hybridize] or the requirements files); with no declared
minimum the fix is downgraded to a suggestion. The fix engine (analysis/fixes/) builds the edits.
"""
from __future__ import annotations

from ..model import Fix, FixSafety


def version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def version_gated_fix(description: str, min_tf: tuple[int, ...] | None, needed: tuple[int, ...],
                      feature: str, blocked: str | None = None) -> Fix:
    """SAFE when the declared minimum TensorFlow is at least `needed`, else a SUGGESTION saying why.

    `blocked` is a reason the rename is not mechanical whatever the version (e.g. both keywords given).
    """
    if blocked:
        return Fix(description, FixSafety.SUGGESTION, reason=blocked)
    if min_tf is None:
        return Fix(description, FixSafety.SUGGESTION, reason="minimum TensorFlow version unknown")
    if tuple(min_tf) < needed:
        return Fix(description, FixSafety.SUGGESTION,
                   reason=f"declared minimum {version_text(min_tf)} is below {version_text(needed)}")
    return Fix(description, FixSafety.SAFE,
               reason=f"declared minimum TensorFlow {version_text(min_tf)} has {feature} "
                      f"(added in {version_text(needed)})")
