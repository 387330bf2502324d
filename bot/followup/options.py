"""`autofix` in `[tool.hybridize.bot]` of the base branch's pyproject.toml: which fixes go into
follow-up pull requests automatically.

    [tool.hybridize.bot]
    autofix = "safe"    # default: only fixes the engine proves behaviour-preserving
    autofix = "gated"   # also fixes that hold under the analysis preconditions
    autofix = "off"     # no automatic follow-ups (`@hybridize-bot fix` still works)
"""
from __future__ import annotations

from typing import Any, Mapping

LEVELS = ("off", "safe", "gated")
DEFAULT_LEVEL = "safe"


def autofix_level(bot_table: Mapping[str, Any] | None) -> tuple[str, str | None]:
    """(level, problem): a bad value keeps the default and is reported, never stops the bot."""
    if not bot_table or "autofix" not in bot_table:
        return DEFAULT_LEVEL, None
    value = bot_table["autofix"]
    if isinstance(value, bool):
        return ("safe" if value else "off"), None
    if isinstance(value, str) and value.strip().lower() in LEVELS:
        return value.strip().lower(), None
    return DEFAULT_LEVEL, f"[tool.hybridize.bot] autofix must be one of {', '.join(LEVELS)}, not {value!r}"


def stronger(a: str | None, b: str | None) -> str:
    """The more permissive of two levels (None counts as "off")."""
    return max(a or "off", b or "off", key=LEVELS.index)
