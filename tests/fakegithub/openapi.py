"""GitHub's OpenAPI description: routing, request validation, response schemas.

The fake validates every request against ``tests/github/rest-openapi-subset.json`` (GitHub's
official, dereferenced OpenAPI 3.0 description, cut down to what a PR bot uses). OpenAPI 3.0
schemas are *almost* JSON Schema; :func:`to_json_schema` bridges the gap so ``jsonschema`` can
check bodies:

* ``nullable: true`` becomes a ``"null"`` alternative;
* ``oneOf`` becomes ``anyOf``: GitHub's descriptions contain overlapping ``oneOf`` branches (object
  schemas without ``additionalProperties: false`` match any object), so "exactly one" would reject
  bodies GitHub accepts;
* OpenAPI-only keywords (``example``, ``x-*``, ``discriminator``, ...) are dropped.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from tests.github import SPEC_PATH


# Path parameters whose values may contain "/" (branch names, file paths, "base...head").
_SLASHY_PARAMS = {"path", "ref", "basehead", "branch"}
_DROPPED_KEYWORDS = {
    "example", "examples", "description", "discriminator", "externalDocs", "xml", "deprecated",
    "readOnly", "writeOnly", "title",
}


@functools.lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


def to_json_schema(schema: Any, closed: bool = False) -> Any:
    """Convert one OpenAPI 3.0 schema object into an equivalent JSON Schema (see module doc).

    ``closed=True`` (used for request bodies) also rejects properties the description does not
    name, wherever an object lists its ``properties`` and says nothing about extra ones. GitHub
    silently ignores such fields, which hides a misspelt optional field (``"lines"`` for
    ``"line"``) in a client; the fake flags them instead.
    """
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED_KEYWORDS or key.startswith("x-") or key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: to_json_schema(sub, closed) for name, sub in value.items()}
        elif key in ("items", "not") or (key == "additionalProperties" and isinstance(value, dict)):
            out[key] = to_json_schema(value, closed)
        elif key in ("oneOf", "anyOf", "allOf"):
            out["anyOf" if key == "oneOf" else key] = [to_json_schema(s, closed) for s in value]
        else:
            out[key] = value
    if closed and "properties" in out and "additionalProperties" not in out and "allOf" not in out:
        out["additionalProperties"] = False
    if schema.get("nullable"):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@dataclass(frozen=True)
class Operation:
    method: str            # upper case
    template: str          # e.g. "/repos/{owner}/{repo}/pulls/{pull_number}"
    spec: dict[str, Any] = field(repr=False, hash=False, compare=False)

    @property
    def operation_id(self) -> str:
        return self.spec.get("operationId", "")

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    @functools.cached_property
    def body_validator(self) -> jsonschema.protocols.Validator | None:
        body = self.spec.get("requestBody")
        if not body:
            return None
        schema = body.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return None
        return jsonschema.Draft7Validator(to_json_schema(schema, closed=True))

    @property
    def body_required(self) -> bool:
        return bool(self.spec.get("requestBody", {}).get("required"))

    def response_schema(self, status: int, media_type: str = "application/json") -> dict[str, Any] | None:
        response = self.spec.get("responses", {}).get(str(status))
        if not response:
            return None
        media = response.get("content", {}).get(media_type)
        return to_json_schema(media["schema"]) if media and "schema" in media else None


@dataclass
class RouteMatch:
    template: str
    params: dict[str, str]
    operations: dict[str, Operation]   # method -> operation


class Router:
    """Matches concrete request paths to the description's path templates."""

    def __init__(self, spec: dict[str, Any] | None = None) -> None:
        spec = spec or load_spec()
        self._routes: list[tuple[re.Pattern[str], str, dict[str, Operation], int]] = []
        for template, methods in spec["paths"].items():
            ops = {m.upper(): Operation(m.upper(), template, op) for m, op in methods.items()}
            self._routes.append((self._compile(template), template, ops, len(re.sub(r"\{[^}]+\}", "", template))))
        # Prefer the template with the most literal text: "/commits/{ref}/check-runs" over "/commits/{ref}".
        self._routes.sort(key=lambda r: -r[3])

    @staticmethod
    def _compile(template: str) -> re.Pattern[str]:
        pattern = ""
        for literal, name in re.findall(r"([^{]*)(?:\{([^}]+)\})?", template):
            pattern += re.escape(literal)
            if name:
                pattern += f"(?P<{name}>.+?)" if name in _SLASHY_PARAMS else f"(?P<{name}>[^/]+)"
        return re.compile(f"^{pattern}$")

    def match(self, path: str) -> RouteMatch | None:
        for regex, template, ops, _ in self._routes:
            m = regex.match(path)
            if m:
                return RouteMatch(template, m.groupdict(), ops)
        return None

    def operation(self, method: str, template: str) -> Operation:
        for _, tmpl, ops, _ in self._routes:
            if tmpl == template:
                return ops[method.upper()]
        raise KeyError(template)


def _check_scalar(value: str, schema: dict[str, Any]) -> str | None:
    """Check one query/path string against its parameter schema; return a problem or None."""
    kind = schema.get("type")
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return f"{value!r} is not an integer"
    elif kind == "boolean":
        if value not in ("true", "false"):
            return f"{value!r} is not a boolean"
    if "enum" in schema and value not in [str(e) for e in schema["enum"]]:
        return f"{value!r} is not one of {schema['enum']}"
    return None


def check_parameters(op: Operation, path_params: dict[str, str], query: dict[str, str]) -> list[str]:
    """Problems with path/query parameters: wrong type, bad enum, missing required, unknown names."""
    problems: list[str] = []
    for p in op.parameters("path"):
        value = path_params.get(p["name"])
        if value is not None and (why := _check_scalar(value, p.get("schema", {}))):
            problems.append(f"path parameter {p['name']}: {why}")
    known = {p["name"]: p for p in op.parameters("query")}
    for name, p in known.items():
        if name not in query:
            if p.get("required"):
                problems.append(f"missing required query parameter {name!r}")
            continue
        if why := _check_scalar(query[name], p.get("schema", {})):
            problems.append(f"query parameter {name}: {why}")
    for name in query:
        if name not in known:
            # GitHub silently ignores unknown query parameters, which hides typos in a client;
            # the fake flags them because the bot must only send what the description defines.
            problems.append(f"unknown query parameter {name!r}")
    return problems


def check_body(op: Operation, body: Any, has_body: bool) -> list[str]:
    """Problems with the JSON body of a request (jsonschema error messages)."""
    validator = op.body_validator
    if validator is None:
        return ["this operation takes no request body"] if has_body and body not in (None, {}) else []
    if not has_body:
        return ["request body is required"] if op.body_required else []
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in errors]


# ----------------------------------------------------------------------------------- responses
_PLACEHOLDER_DATE = "2026-01-01T00:00:00Z"


def conform(schema: dict[str, Any] | None, value: Any) -> Any:
    """Fill in *missing required* fields of ``value`` so it satisfies a (JSON-)schema.

    Renderers set every field a client plausibly reads (ids, shas, urls, states); GitHub's
    schemas additionally require dozens of rarely used fields (e.g. 80 on a repository). This
    fills only those gaps with neutral values (null where nullable, "", 0, false, [], first enum).
    Values the renderer supplied are never replaced, so a wrongly typed field still fails the
    response-schema check in tests/test_fakegithub.py.
    """
    if not isinstance(schema, dict):
        return value
    if value is None and _allows_null(schema):
        return None
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        chosen = _pick_branch(branches, value)
        return conform(chosen, value)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for sub in schema["allOf"]:
            merged["properties"].update(sub.get("properties", {}))
            merged["required"] += sub.get("required", [])
        return conform(merged, value)
    kind = _main_type(schema)
    if kind == "object" or (kind is None and "properties" in schema):
        if value is None:
            value = {}
        if not isinstance(value, dict):
            return value
        out = dict(value)
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in out:
                out[name] = _default(props.get(name, {}))
        for name, sub in props.items():
            if name in out and out[name] is not None:
                out[name] = conform(sub, out[name])
        return out
    if kind == "array":
        if value is None:
            return []
        if isinstance(value, list):
            return [conform(schema.get("items", {}), v) for v in value]
        return value
    return _default(schema) if value is None else value


def _main_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind


def _allows_null(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if isinstance(kind, list) and "null" in kind:
        return True
    return any(b.get("type") == "null" for b in schema.get("anyOf", []) if isinstance(b, dict))


def _pick_branch(branches: list[dict[str, Any]], value: Any) -> dict[str, Any]:
    real = [b for b in branches if b.get("type") != "null"]
    if value is None:
        return real[0] if real else branches[0]
    for branch in real:
        try:
            jsonschema.Draft7Validator(branch).validate(conform(branch, value))
            return branch
        except (jsonschema.ValidationError, RecursionError):
            continue
    return real[0] if real else branches[0]


def _default(schema: dict[str, Any]) -> Any:
    if _allows_null(schema):
        return None
    if schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf"):
        return conform(schema, None)
    if "enum" in schema:
        return schema["enum"][0]
    kind = _main_type(schema)
    if kind == "object" or (kind is None and "properties" in schema):
        return conform(schema, {})
    if kind == "array":
        return []
    if kind == "integer" or kind == "number":
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return _PLACEHOLDER_DATE
        if fmt == "uri":
            return "https://github.com/"
        return ""
    return None
