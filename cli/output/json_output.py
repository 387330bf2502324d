"""JSON output, schema version 1 (documented in docs/json-schema.md, checked by
analysis/schemas/hybridize-output.schema.json).

Lines and columns are 1-based, end columns exclusive, for findings and fix edits alike. Fields are only
ever added within a schema version; a removal or a change of meaning bumps `version`.
"""
from __future__ import annotations

import json
from typing import Any

from hybridize_bot.analysis.model import Edit, Finding, Fix
from hybridize_bot.analysis.rules import get_rule
from .report import TOOL_NAME, Report, by_code, tool_version

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    return json.dumps(document(report), indent=2, ensure_ascii=False) + "\n"


def document(report: Report) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "findings": [finding_dict(f) for f in report.findings],
        "notes": [{"path": n.path, "message": n.message} for n in report.notes],
        "summary": {
            "files": report.files,
            "lines": report.lines,
            "findings": len(report.findings),
            "by_code": by_code(report.findings),
        },
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    rule = get_rule(f.code)
    return {
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "severity": f.severity.value,
        "path": f.path,
        "location": {"line": f.line, "column": f.col},
        "end_location": {"line": f.end_line, "column": f.end_col},
        "symbol": f.symbol,
        "fingerprint": f.fingerprint,
        "fix": fix_dict(f.fix) if f.fix is not None else None,
        "call_path": list(f.call_path),
        "graph_root": f.graph_root or None,
        "url": rule.doc_url() if rule is not None else None,
    }


def fix_dict(fix: Fix) -> dict[str, Any]:
    return {
        "description": fix.description,
        "safety": fix.safety.value,
        "reason": fix.reason,
        "edits": [edit_dict(e) for e in fix.edits],
    }


def edit_dict(edit: Edit) -> dict[str, Any]:
    # Edit columns are 0-based (ast's convention); the output uses 1-based columns everywhere.
    return {
        "location": {"line": edit.line, "column": edit.col + 1},
        "end_location": {"line": edit.end_line, "column": edit.end_col + 1},
        "content": edit.text,
    }
