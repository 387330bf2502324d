"""Running the commands of one comment: each returns the text of its part of the reply (or None)."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..analysis_api import get_rule
from ..github_api import GitHubAPI
from ..publish.render import COMMENT_BODY_LIMIT, truncate
from .explain import explain_rule
from .help import help_text
from .parse import Command

log = logging.getLogger(__name__)


@dataclass
class Invocation:
    """Who asked what where; `pull` is the pull request as the API returns it now."""

    gh: GitHubAPI
    ctx: Any
    owner: str
    repo: str
    number: int
    login: str
    permission: str
    pull: dict[str, Any]
    review_needed: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def bot_name(self) -> str:
        return str(self.ctx.settings.bot_name)


def _rule(code: str) -> Any:
    return get_rule(code)


def _unknown_codes(codes: tuple[str, ...]) -> list[str]:
    return [c for c in codes if _rule(c) is None]


async def run_command(inv: Invocation, command: Command) -> str | None:
    handler = {"help": _help, "explain": _explain, "ignore": _ignore, "unignore": _unignore,
               "recheck": _recheck, "fix": _fix}.get(command.name, _unknown)
    return await handler(inv, command)


async def _unknown(inv: Invocation, command: Command) -> str:
    if command.suggestion:
        return (f"I don't know `{command.raw}`; did you mean `@{inv.bot_name} {command.suggestion}`? "
                f"(`@{inv.bot_name} help` lists every command.)")
    return f"I don't know `{command.raw}`. {help_text(inv.bot_name)}"


async def _help(inv: Invocation, command: Command) -> str:
    return help_text(inv.bot_name)


def _needs_code(inv: Invocation, command: Command) -> str | None:
    if command.bad_args:
        return (f"`{' '.join(command.bad_args)}` is not a rule code; write e.g. "
                f"`@{inv.bot_name} {command.name} HYB001`.")
    if not command.codes:
        return f"Which rule? Write e.g. `@{inv.bot_name} {command.name} HYB001`."
    unknown = _unknown_codes(command.codes)
    if unknown:
        return f"There is no rule {', '.join(unknown)}; `@{inv.bot_name} help` lists the commands."
    return None


async def _explain(inv: Invocation, command: Command) -> str:
    problem = _needs_code(inv, command)
    if problem:
        return problem
    parts = [explain_rule(_rule(code)) for code in command.codes]
    return truncate("\n\n---\n\n".join(parts), COMMENT_BODY_LIMIT - 2000)


async def _ignore(inv: Invocation, command: Command) -> str:
    problem = _needs_code(inv, command)
    if problem:
        return problem
    await inv.ctx.state.commands.ignore(inv.full_name, inv.number, set(command.codes), inv.login)
    inv.review_needed = True
    codes = ", ".join(command.codes)
    return (f"From now on I don't report {codes} on this pull request, across pushes "
            f"(`@{inv.bot_name} unignore {command.codes[0]}` undoes it).")


async def _unignore(inv: Invocation, command: Command) -> str:
    problem = _needs_code(inv, command)
    if problem:
        return problem
    await inv.ctx.state.commands.unignore(inv.full_name, inv.number, set(command.codes))
    inv.review_needed = True
    return f"I report {', '.join(command.codes)} on this pull request again."


async def _recheck(inv: Invocation, command: Command) -> str | None:
    if inv.pull.get("state") != "open":
        return f"#{inv.number} is closed; there is nothing to recheck."
    inv.review_needed = True
    return None  # the reaction acknowledges it; the refreshed check run is the answer


async def _fix(inv: Invocation, command: Command) -> str | None:
    from ..followup.sync import SyncRequest, sync_followup
    from .permissions import has_write

    outcome = await sync_followup(inv.gh, inv.ctx, SyncRequest(
        inv.owner, inv.repo, inv.number, explicit=True, include_gated=has_write(inv.permission),
        requester=inv.login))
    return outcome.reply


async def review_again(inv: Invocation) -> None:
    """A fresh review of the current head (as "Re-run" does), then the follow-up catches up."""
    if inv.pull.get("state") != "open":
        return
    from ..followup.sync import SyncRequest, sync_followup
    from ..pulls.job import PullTarget, review_pull_request

    await review_pull_request(inv.gh, inv.ctx, PullTarget(inv.owner, inv.repo, inv.number,
                                                          inv.pull["head"]["sha"], automatic=False))
    await sync_followup(inv.gh, inv.ctx, SyncRequest(inv.owner, inv.repo, inv.number))
