"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding.

Escaping follows GitHub's toolkit (actions/toolkit packages/core/src/command.ts): in the message `%`,
CR and LF are percent-encoded; in property values `:` and `,` are too, since they delimit properties.
https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions
"""
from __future__ import annotations

from hybridize_bot.analysis.model import Finding, Note, Severity
from .report import Report

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, properties: dict[str, object], message: str) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{level} {props}::{escape_data(message)}"


def finding_command(f: Finding) -> str:
    return command(_LEVEL[f.severity], {
        "file": f.path, "line": f.line, "col": f.col, "endLine": f.end_line, "endColumn": f.end_col,
        "title": f"{f.code} {f.name}",
    }, f.message)


def note_command(n: Note) -> str:
    return command("notice", {"file": n.path, "title": "hybridize"}, n.message)


def render(report: Report) -> str:
    lines = [finding_command(f) for f in report.findings] + [note_command(n) for n in report.notes]
    return "".join(line + "\n" for line in lines)
