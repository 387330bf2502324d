"""Who may run which command: the commenter's permission on the base repository.

Policy (Dependabot's): only people with write access (admin, maintain or write) on the base repository
make the App write code or change what it reports: `fix` (and the check run's Fix button), `recheck`,
`ignore`, `unignore`. Being the pull request's author is not enough: a first-time contributor from a
fork could otherwise make the App create branches and pull requests in the upstream repository, or
hide findings from the reviewers. `help` and `explain` only answer, so read access suffices.

`GET /repos/{owner}/{repo}/collaborators/{username}/permission` answers admin, write, read or none
(maintain counts as write, triage as read); 404 means the user is not known to the repository.
https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user
"""
from __future__ import annotations

from typing import Any

import gidgethub

_RANK = {"none": 0, "read": 1, "write": 2, "admin": 3}
# What each command needs: "read" (anyone who can see the repository) or "write"; an unknown command only gets a
# "did you mean" reply. A command missing here needs "write".
REQUIRED = {"help": "read", "explain": "read", "unknown": "read", "recheck": "write", "fix": "write",
            "ignore": "write", "unignore": "write"}


async def permission_of(gh: Any, owner: str, repo: str, login: str) -> str:
    if not login:
        return "none"
    try:
        data = await gh.getitem("/repos/{owner}/{repo}/collaborators/{username}/permission",
                                url_vars={"owner": owner, "repo": repo, "username": login})
    except gidgethub.HTTPException as exc:
        if int(exc.status_code) == 404:
            return "none"
        raise
    permission = str(data.get("permission") or "none")
    return permission if permission in _RANK else "none"


def has_write(permission: str) -> bool:
    return _RANK.get(permission, 0) >= _RANK["write"]


def allowed(command: str, permission: str) -> bool:
    return _RANK.get(permission, 0) >= _RANK[REQUIRED.get(command, "write")]


def refusal(command: str, permission: str) -> str:
    have = "no access" if permission == "none" else f"{permission} access"
    if REQUIRED.get(command, "write") == "read":
        return f"sorry, `{command}` needs read access to this repository, and you have {have}."
    return (f"sorry, `{command}` needs write access to this repository, and you have {have}: only "
            "maintainers can make me change code or what I report. A maintainer can run it for you.")
