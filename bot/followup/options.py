"""How `autofix` levels combine; the level itself is read with the other bot options
(`hybridize_bot.analysis.bot_options`, `[tool.hybridize.bot] autofix`)."""
from __future__ import annotations

from ..analysis_api import AUTOFIX_LEVELS


def stronger(a: str | None, b: str | None) -> str:
    """The more permissive of two levels (None counts as "off")."""
    return max(a or "off", b or "off", key=AUTOFIX_LEVELS.index)
