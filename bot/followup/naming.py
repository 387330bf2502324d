"""Names the follow-up feature writes to GitHub: the branch, the commit trailer, hidden markers."""
from __future__ import annotations

import re
from pathlib import PurePosixPath

BRANCH_PREFIX = "hybridize/pr-"
# A git trailer on every commit the bot makes, so its commits can be recognised without local state
# (e.g. after BOT_DATA_DIR was lost), together with the App's bot user as the author.
TRAILER = "Hybridize-Fixes-For"
FOLLOWUP_MARKER_PREFIX = "<!-- hybridize-bot:followup"
_BRANCH = re.compile(r"hybridize/pr-(\d+)")

# GitHub refuses App pushes that touch workflow files without the extra `workflows` permission (which
# we do not request), and changing CI is never a refactoring.
# https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps
PROTECTED_PREFIXES = (".github/workflows/",)


def branch_for(number: int) -> str:
    """The follow-up branch of source pull request `number` (Dependabot-style deterministic name)."""
    return f"{BRANCH_PREFIX}{int(number)}"


def source_number_of(branch: str) -> int | None:
    """The source pull request number a follow-up branch belongs to, or None for other branches."""
    match = _BRANCH.fullmatch(branch or "")
    return int(match.group(1)) if match else None


def trailer_line(full_name: str, number: int) -> str:
    return f"{TRAILER}: {full_name}#{int(number)}"


def has_trailer(message: str, full_name: str, number: int) -> bool:
    wanted = trailer_line(full_name, number).lower()
    return any(line.strip().lower() == wanted for line in (message or "").splitlines())


def followup_marker(full_name: str, number: int) -> str:
    return f"{FOLLOWUP_MARKER_PREFIX} source={full_name}#{int(number)} -->"


def is_protected(path: str) -> bool:
    """Paths the bot never writes, whatever a fix says (normalised first: no `./` or `a/../` tricks)."""
    parts = [p for p in PurePosixPath(path).parts if p not in ("", ".")]
    norm = "/".join(parts)
    return ".." in parts or any(norm.startswith(prefix) for prefix in PROTECTED_PREFIXES)
