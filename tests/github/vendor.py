"""Regenerate this folder from GitHub's published descriptions (kept so the trim is reproducible).

    python -m tests.github.vendor SUBSET_JSON EXAMPLES_DIR

SUBSET_JSON is the REST description of `@octokit/openapi` (dereferenced OpenAPI 3.0) already cut to
the paths a PR bot uses; EXAMPLES_DIR is the `<event>/<action>.<n>.json` tree built from
`@octokit/webhooks-examples`. Only the webhook examples the tests load are copied (WANTED), and the
request/response `examples` of every media type are dropped: the fake validates against the schemas,
never the examples, and they are a fifth of the file.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WANTED = [
    "check_run/requested_action.6.json", "check_run/rerequested.7.json",
    "check_suite/requested.4.json", "check_suite/rerequested.7.json",
    "installation/created.1.json", "issue_comment/created.0.json", "ping/event.0.json",
    "pull_request/closed.3.json", "pull_request/opened.0.json", "pull_request/ready_for_review.15.json",
    "pull_request/reopened.18.json", "pull_request/synchronize.22.json",
]


def trim(spec: dict[str, Any]) -> dict[str, Any]:
    for operations in spec["paths"].values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for part in [*operation.get("responses", {}).values(), operation.get("requestBody", {})]:
                for media in part.get("content", {}).values():
                    media.pop("examples", None)
                    media.pop("example", None)
    return spec


def main(subset_json: str, examples_dir: str) -> None:
    spec = trim(json.loads(Path(subset_json).read_text()))
    (HERE / "rest-openapi-subset.json").write_text(json.dumps(spec, indent=1) + "\n")
    for name in WANTED:
        target = HERE / "webhook-examples" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(examples_dir) / name, target)


if __name__ == "__main__":
    main(*sys.argv[1:])
