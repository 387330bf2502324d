"""The `hybridize` check run: created in_progress when work starts, completed with its output."""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from ..github_api import GitHubAPI
from .render import CHECK_NAME

# "The Checks API limits the number of annotations to a maximum of 50 per API request. To create
# more than 50 annotations, you have to make multiple requests to the Update a check run endpoint.
# Each time you update the check run, annotations are appended to the list of annotations that
# already exist for the check run." https://docs.github.com/en/rest/checks/runs#update-a-check-run
ANNOTATIONS_PER_REQUEST = 50
# Our own ceiling: every PATCH is a content-creating request (secondary limit of 80 per minute,
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api), and nobody reads
# a thousand annotations; the summary counts the rest.
MAX_ANNOTATIONS = 1000


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def start_check_run(gh: GitHubAPI, owner: str, repo: str, head_sha: str, *, external_id: str = "",
                          title: str = "Analyzing", summary: str = "Analysis in progress.") -> dict[str, Any]:
    return await gh.post(
        "/repos/{owner}/{repo}/check-runs",
        url_vars={"owner": owner, "repo": repo},
        data={
            "name": CHECK_NAME,
            "head_sha": head_sha,
            "status": "in_progress",
            "started_at": _now(),
            "external_id": external_id,
            "output": {"title": title, "summary": summary},
        },
    )


async def complete_check_run(gh: GitHubAPI, owner: str, repo: str, run_id: int, conclusion: str,
                             output: Mapping[str, str], annotations: Sequence[Mapping[str, Any]] = ()) -> None:
    """Send annotations 50 at a time while in progress, then complete with the last batch.

    Completing last means a reader who sees `completed` also sees every annotation.
    """
    batches = [list(annotations[i:i + ANNOTATIONS_PER_REQUEST])
               for i in range(0, len(annotations), ANNOTATIONS_PER_REQUEST)] or [[]]
    url_vars = {"owner": owner, "repo": repo, "check_run_id": str(run_id)}
    for batch in batches[:-1]:
        await gh.patch("/repos/{owner}/{repo}/check-runs/{check_run_id}", url_vars=url_vars,
                       data={"output": {**output, "annotations": batch}})
    final_output: dict[str, Any] = dict(output)
    if batches[-1]:
        final_output["annotations"] = batches[-1]
    await gh.patch("/repos/{owner}/{repo}/check-runs/{check_run_id}", url_vars=url_vars,
                   data={"status": "completed", "conclusion": conclusion, "completed_at": _now(),
                         "output": final_output})
