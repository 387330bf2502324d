"""SARIF 2.1.0 output: one run whose driver lists every rule, one result per finding.

Validated in tests against the official OASIS schema (tests/cli/sarif-schema-2.1.0.json).
Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
Paths are relative to the project root and carry `uriBaseId: %SRCROOT%`, the base GitHub code scanning
resolves against the checkout. Regions use 1-based lines and columns with an exclusive end column
(SARIF §3.30.5-3.30.8), which is the convention of our findings.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from hybridize_bot.analysis.model import Finding, Fix, Severity
from hybridize_bot.analysis.rules import all_rules
from hybridize_bot.analysis.rules.base import PROJECT_URL
from .report import TOOL_NAME, Report, tool_version

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "hybridize/v1"
INFORMATION_URI = PROJECT_URL

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(report: Report) -> str:
    return json.dumps(log(report), indent=2, ensure_ascii=False) + "\n"


def log(report: Report) -> dict[str, Any]:
    rules = list(all_rules())
    index = {rule.code: i for i, rule in enumerate(rules)}
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": TOOL_NAME,
            "version": tool_version(),
            "informationUri": INFORMATION_URI,
            "rules": [_rule_descriptor(rule) for rule in rules],
        }},
        "originalUriBaseIds": {SRCROOT: {"uri": report.root.resolve().as_uri().rstrip("/") + "/"}},
        "results": [_result(f, index) for f in report.findings],
        "invocations": [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                {"level": "note", "message": {"text": n.message}, "locations": [_location(n.path)]}
                for n in report.notes
            ],
        }],
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def _rule_descriptor(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(str(rule.what).split())},
        "helpUri": rule.doc_url(),
        "help": {"text": rule.summary, "markdown": rule.doc()},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"fixSafety": rule.fix_safety.value},
    }


def _uri(path: str) -> str:
    return quote(path, safe="/")


def _location(path: str, region: dict[str, int] | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(path), "uriBaseId": SRCROOT}}
    if region is not None:
        physical["region"] = region
    return {"physicalLocation": physical}


def _region(f: Finding) -> dict[str, int]:
    return {"startLine": f.line, "startColumn": f.col, "endLine": f.end_line, "endColumn": max(f.end_col, 1)}


def _result(f: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [_location(f.path, _region(f))],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": {"symbol": f.symbol, "fixSafety": f.fix_safety.value},
    }
    if f.code in index:
        result["ruleIndex"] = index[f.code]
    if f.call_path:
        result["properties"]["callPath"] = list(f.call_path)
    if f.graph_root:
        result["properties"]["graphRoot"] = f.graph_root
    if f.fix is not None and f.fix.edits:
        result["fixes"] = [_fix(f, f.fix)]
    return result


def _fix(f: Finding, fix: Fix) -> dict[str, Any]:
    replacements = [{
        # Edit columns are 0-based; SARIF columns are 1-based.
        "deletedRegion": {"startLine": e.line, "startColumn": e.col + 1, "endLine": e.end_line,
                          "endColumn": e.end_col + 1},
        "insertedContent": {"text": e.text},
    } for e in fix.edits]
    return {
        "description": {"text": fix.description},
        "artifactChanges": [{"artifactLocation": {"uri": _uri(f.path), "uriBaseId": SRCROOT},
                             "replacements": replacements}],
        "properties": {"safety": fix.safety.value, "reason": fix.reason},
    }
