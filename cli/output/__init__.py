"""Renderers of an analysis run: text (ruff-like), JSON (our documented schema), SARIF 2.1.0 and
GitHub Actions workflow commands. Each takes a `Report` and returns the whole output as a string."""
from __future__ import annotations

from typing import Callable

from .report import PACKAGE_NAME, TOOL_NAME, Report, by_code, tool_version

__all__ = ["FORMATS", "PACKAGE_NAME", "TOOL_NAME", "Report", "by_code", "renderer", "tool_version"]


def renderer(fmt: str) -> Callable[..., str]:
    """The render function of an output format name (text, json, sarif, github)."""
    if fmt == "json":
        from .json_output import render
    elif fmt == "sarif":
        from .sarif import render
    elif fmt == "github":
        from .github import render
    elif fmt == "text":
        from .text import render
    else:
        raise ValueError(f"unknown output format {fmt!r}")
    return render


FORMATS = ("text", "json", "sarif", "github")
