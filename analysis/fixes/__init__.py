"""Automatic fixes: libcst codemods with a declared safety, verified before they are applied.

* `apply_fixes(sources, safeties, config=None, select=None)` fixes in-memory files (engine.py);
* `texts_by_code(sources, result, order)` the fixed files per kind of fix, for one commit per kind (engine.py);
* `suggestion_for(finding, source)` gives the whole-line replacement for a review suggestion, and
  `suggestions_for(findings, sources)` those of many findings sharing one parse per file (suggest.py);
* `fix_for(code, safety, reason)` is what rules call to attach a Fix (catalog.py, no libcst import);
* `FIXERS` maps rule codes to codemods (registry.py).

Attribute access is lazy so that importing `analysis.fixes.catalog` from a rule does not load libcst.
"""
from __future__ import annotations

from typing import Any

from .catalog import FIX_DESCRIPTIONS, fix_for

_LAZY = {
    "apply_fixes": "engine", "FixResult": "engine", "with_edits": "engine", "texts_by_code": "engine",
    "suggestion_for": "suggest", "suggestions_for": "suggest", "LineReplacement": "suggest",
    "FIXERS": "registry", "Fixer": "registry",
    "CannotFix": "document", "Document": "document", "Documents": "document",
}

__all__ = ["FIX_DESCRIPTIONS", "fix_for", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hybridize_bot.analysis.fixes' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
