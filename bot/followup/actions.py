"""The check run's "Fix" button: a `requested_action` that does what `@hybridize-bot fix` does.

GitHub limits: at most 3 actions; `label` <= 20, `description` <= 40, `identifier` <= 20 characters.
https://docs.github.com/en/rest/checks/runs#check-runs-and-requested-actions
"""
from __future__ import annotations

from typing import Any

from ..github_api import GitHubAPI
from ..publish.gateway import Gateway
from ..publish.render import CHECK_NAME

FIX_ACTION_ID = "hybridize-fix"
MAX_ACTIONS = 3
LABEL_LIMIT, DESCRIPTION_LIMIT, IDENTIFIER_LIMIT = 20, 40, 20


def fix_actions(has_fixes: bool) -> list[dict[str, str]]:
    """The `actions` list for the `hybridize` check run: the Fix button when automatic fixes exist."""
    if not has_fixes:
        return []
    return [{"label": "Open fix PR", "description": "Open a pull request with the fixes",
             "identifier": FIX_ACTION_ID}]


async def offer_fix_button(gh: GitHubAPI, ctx: Any, owner: str, repo: str, head_sha: str,
                           run_id: int | None = None) -> bool:
    """Add the button to this App's `hybridize` run on `head_sha`: `run_id` when this job started the
    run, else the latest one (a PATCH with only `actions` leaves its output alone). False if no run."""
    if run_id is None:
        # Newest first; runs of other Apps are filtered out by app_id.
        data = await gh.getitem("/repos/{owner}/{repo}/commits/{ref}/check-runs{?check_name,app_id,per_page}",
                                url_vars={"owner": owner, "repo": repo, "ref": head_sha, "check_name": CHECK_NAME,
                                          "app_id": str(ctx.settings.app_id), "per_page": "100"})
        runs = sorted(data.get("check_runs", []), key=lambda r: -int(r["id"]))
        if not runs:
            return False
        run_id = int(runs[0]["id"])
    # The check-run JSON does not echo `actions`, so there is no cheaper way to know it is already set.
    await Gateway(gh, owner, repo).set_check_run_actions(run_id, fix_actions(True))
    return True
