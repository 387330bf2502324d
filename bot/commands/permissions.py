"""Who may run which command: the commenter's repository permission, and the pull request's author.

`GET /repos/{owner}/{repo}/collaborators/{username}/permission` answers admin, write, read or none
(maintain counts as write, triage as read); 404 means the user is not known to the repository.
https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user
"""
from __future__ import annotations

from typing import Any

import gidgethub

_RANK = {"none": 0, "read": 1, "write": 2, "admin": 3}
# What each command needs: "read" (anyone who can see the repository), "author" (the pull request's
# author or write access), "write".
REQUIRED = {"help": "read", "explain": "read", "unknown": "read", "recheck": "author", "fix": "author",
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


def allowed(command: str, permission: str, *, is_author: bool) -> bool:
    need = REQUIRED.get(command, "write")
    if need == "author":
        return is_author or has_write(permission)
    return _RANK.get(permission, 0) >= _RANK[need]


def refusal(command: str, permission: str) -> str:
    need = REQUIRED.get(command, "write")
    who = {"read": "read access to this repository", "author": "to be the pull request's author or to have "
           "write access", "write": "write access to this repository"}[need]
    have = "no access" if permission == "none" else f"{permission} access"
    return f"sorry, `{command}` needs {who}, and you have {have}. A maintainer can run it for you."
