"""Findings for the pure-module tests (real `analysis.model.Finding` objects)."""
from __future__ import annotations

from hybridize_bot.analysis.model import Edit, Finding, Fix, FixSafety, Severity


def finding(path="m.py", line=1, end_line=None, code="HYB001", name="print-in-graph", severity=Severity.ERROR,
            snippet=None, symbol="f", fix=None, message="print() runs only while tracing", col=5, end_col=15) -> Finding:
    return Finding(code=code, name=name, path=path, line=line, col=col, end_line=end_line or line, end_col=end_col,
                   message=message, severity=severity, symbol=symbol,
                   snippet=snippet if snippet is not None else f"{code}-{path}-{line}", fix=fix)


def safe_fix(description="use tf.print") -> Fix:
    return Fix(description, FixSafety.SAFE, (Edit(1, 4, 1, 9, "tf.print"),), reason="same output at run time")
