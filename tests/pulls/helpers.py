"""Findings for the pure-module tests (real `analysis.model.Finding` objects)."""
from __future__ import annotations

from pathlib import Path

from hybridize_bot.analysis.model import Edit, Finding, Fix, FixSafety, Severity
from hybridize_bot.bot.settings import Settings


def finding(path="m.py", line=1, end_line=None, code="HYB001", name="print-in-graph", severity=Severity.ERROR,
            snippet=None, symbol="f", fix=None, message="print() runs only while tracing", col=5, end_col=15) -> Finding:
    return Finding(code=code, name=name, path=path, line=line, col=col, end_line=end_line or line, end_col=end_col,
                   message=message, severity=severity, symbol=symbol,
                   snippet=snippet if snippet is not None else f"{code}-{path}-{line}", fix=fix)


def safe_fix(description="use tf.print") -> Fix:
    return Fix(description, FixSafety.SAFE, (Edit(1, 4, 1, 9, "tf.print"),), reason="same output at run time")


def app_settings(api_url: str, data_dir: Path) -> Settings:
    """Settings of an App talking to the fake GitHub at `api_url` (keys from tests/e2e/harness.py)."""
    from tests.e2e.harness import APP_ID, PRIVATE_PEM, SECRET

    return Settings.from_env({"GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": PRIVATE_PEM,
                              "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": api_url,
                              "BOT_DATA_DIR": str(data_dir)})
