"""GitHub's REST description and webhook payload examples, vendored for the tests (see README.md)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SPEC_PATH = HERE / "rest-openapi-subset.json"
EXAMPLES = HERE / "webhook-examples"


def example(event: str, name: str) -> dict[str, Any]:
    """A webhook payload as GitHub sends it, e.g. ``example("pull_request", "opened.0.json")``."""
    return json.loads((EXAMPLES / event / name).read_text())
