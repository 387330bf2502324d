"""Which installation permission each endpoint needs, so a token without it gets GitHub's 403.

Source: "Permissions required for GitHub Apps",
https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps
Issue-comment and label endpoints accept either ``issues`` or ``pull_requests`` when the issue is a
pull request; the fake accepts either everywhere (partial: it does not look at the issue kind).
"""
from __future__ import annotations

FORBIDDEN_MESSAGE = "Resource not accessible by integration"
_LEVELS = {"read": 1, "write": 2, "admin": 3}


def required(method: str, template: str) -> tuple[tuple[str, ...], str] | None:
    """(alternative permission names, level) the endpoint needs, or None when any token will do."""
    level = "read" if method == "GET" else "write"
    tail = template.removeprefix("/repos/{owner}/{repo}")
    if tail == template:                     # not a repository endpoint
        return None
    if tail in ("", "/branches/{branch}", "/collaborators/{username}/permission", "/installation"):
        return ("metadata",), "read"
    if tail.startswith(("/contents", "/tarball", "/zipball", "/git/", "/compare")) or tail == "/commits/{ref}":
        return ("contents",), level
    if tail.startswith(("/check-runs", "/commits/{ref}/check-runs")):
        return ("checks",), level
    if tail.startswith("/statuses"):
        return ("statuses",), level
    if tail.startswith("/pulls"):
        return ("pull_requests",), level
    if tail.startswith("/issues"):
        return ("issues", "pull_requests"), level
    return None


def allows(granted: dict[str, str], method: str, template: str) -> bool:
    need = required(method, template)
    if need is None:
        return True
    names, level = need
    return any(_LEVELS.get(granted.get(n, ""), 0) >= _LEVELS[level] for n in names)
