"""Log records that say which job they belong to: delivery id, installation, repository, pull request.

The worker binds the job's fields (`bind_job`) in a context variable for the duration of a job; each
asyncio task has its own context, so concurrent jobs never mix their fields. `LOG_FORMAT=json` writes
one JSON object per line (for log shippers); the text format appends the same fields.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

_JOB: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar("hybridize_job", default={})
FIELDS = ("delivery", "installation", "repository", "pull_request")


def job_fields(event: str, data: Any, delivery_id: str) -> dict[str, Any]:
    """What a webhook payload says about where it belongs (absent fields are left out)."""
    fields: dict[str, Any] = {"delivery": delivery_id, "event": event}
    if not isinstance(data, dict):
        return fields
    installation = data.get("installation")
    if isinstance(installation, dict) and installation.get("id") is not None:
        fields["installation"] = installation["id"]
    repository = data.get("repository")
    if isinstance(repository, dict) and repository.get("full_name"):
        fields["repository"] = repository["full_name"]
    number = _pull_number(data)
    if number is not None:
        fields["pull_request"] = number
    return fields


def _pull_number(data: dict[str, Any]) -> int | None:
    for holder in (data.get("pull_request"), data.get("issue")):
        if isinstance(holder, dict) and isinstance(holder.get("number"), int):
            return int(holder["number"])
    for key in ("check_run", "check_suite"):
        pulls = (data.get(key) or {}).get("pull_requests") if isinstance(data.get(key), dict) else None
        if pulls and isinstance(pulls[0], dict) and isinstance(pulls[0].get("number"), int):
            return int(pulls[0]["number"])
    return None


@contextlib.contextmanager
def bind_job(fields: Mapping[str, Any]) -> Iterator[None]:
    token = _JOB.set(dict(fields))
    try:
        yield
    finally:
        _JOB.reset(token)


class JobFilter(logging.Filter):
    """Copies the bound job's fields onto every record (`record.job`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.job = _JOB.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        out.update(getattr(record, "job", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        job = getattr(record, "job", None) or {}
        tags = " ".join(f"{k}={job[k]}" for k in FIELDS if k in job)
        return f"{text} [{tags}]" if tags else text


def configure(level: str, fmt: str, stream: Any) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(JobFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
