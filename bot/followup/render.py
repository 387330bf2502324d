"""Title, body and commit message of a follow-up pull request, and the bot's comments about it (pure).

Dependabot's etiquette: say what changed and why it is safe, list every change with before and after,
and document the commands the bot understands in the body itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..commands.help import command_list
from ..publish.render import COMMENT_BODY_LIMIT, code_fence, inline_code, truncate
from .compute import FixEntry, FixPlan
from .naming import followup_marker, trailer_line

# "title ... maximum 256 characters" is GitHub's limit on issue/PR titles (422 beyond it).
TITLE_LIMIT = 256
_SAFETY_ARGUMENT = {
    "safe": "safe: the rewrite preserves behaviour",
    "gated": "gated: the rewrite preserves behaviour when the analysis preconditions hold",
}


@dataclass(frozen=True)
class Source:
    """The pull request the fixes come from and where the follow-up goes."""

    full_name: str
    number: int
    head_ref: str
    parent_sha: str     # the commit the follow-up commit is based on
    base_ref: str       # the follow-up pull request's base branch
    after_merge: bool = False


def _count(n: int, word: str) -> str:
    plural = word + ("es" if word.endswith(("x", "s")) else "s")
    return f"{n} {word if n == 1 else plural}"


def _kind(plan: FixPlan) -> str:
    return "gated" if any(e.safety == "gated" for e in plan.entries) else "safe"


def title(plan: FixPlan, src: Source) -> str:
    codes = ", ".join(plan.codes)
    text = f"hybridize: apply {_count(len(plan.entries), _kind(plan) + ' fix')} from #{src.number}"
    if codes:
        text += f" ({codes})"
    return text if len(text) <= TITLE_LIMIT else text[:TITLE_LIMIT - 1] + "…"


def commit_message(plan: FixPlan, src: Source) -> str:
    lines = [title(plan, src), ""]
    lines += [f"- {e.code} {e.name}: {e.path}:{e.line}" for e in plan.entries]
    lines += ["", trailer_line(src.full_name, src.number)]
    return "\n".join(lines) + "\n"


def _entry(index: int, entry: FixEntry, doc_url: str) -> str:
    rule = f"[{entry.code}]({doc_url})" if doc_url else entry.code
    parts = [f"#### {index}. {rule} `{entry.name}` in `{entry.path}` line {entry.line}"]
    if entry.description:
        parts.append(entry.description[:1].upper() + entry.description[1:] + ".")
    parts.append("Before:\n" + code_fence(entry.before, "python"))
    parts.append("After:\n" + code_fence(entry.after, "python"))
    argument = _SAFETY_ARGUMENT.get(entry.safety, entry.safety)
    checked = f" Checked and held: {entry.reason}." if entry.reason else ""
    parts.append(f"**Why this is safe** ({argument}).{checked}")
    return "\n\n".join(parts)


def body(plan: FixPlan, src: Source, bot_name: str, doc_urls: dict[str, str] | None = None) -> str:
    doc_urls = doc_urls or {}
    where = (f"the base branch `{src.base_ref}` after #{src.number} was merged" if src.after_merge
             else f"`{src.head_ref}` ({src.parent_sha[:7]})")
    intro = (f"This pull request applies {_count(len(plan.entries), 'automatic fix')} that hybridize-bot found "
             f"in the files changed by #{src.number}, on top of {where}. It changes "
             f"{_count(len(plan.changed), 'file')} and nothing else.")
    merge = (f"Merge it into `{src.base_ref}` to take the fixes, or close it to dismiss them: I will not "
             "reopen it for the same fixes.")
    sections = [followup_marker(src.full_name, src.number), intro, merge, "### Fixes"]
    sections += [_entry(i, e, doc_urls.get(e.code, "")) for i, e in enumerate(plan.entries, 1)]
    if plan.withheld:
        sections.append("### Not applied\n\n" + "\n".join(
            f"- {w.code} in `{w.path}` line {w.line}: {w.why}" for w in plan.withheld))
    if plan.protected_skipped:
        sections.append("Files under `.github/workflows/` are never changed by the bot: "
                        + ", ".join(inline_code(p) for p in plan.protected_skipped) + ".")
    keep = ("" if src.after_merge else
            f"I update this pull request when #{src.number} changes the fixed code, and close it when no fix "
            f"applies any more or #{src.number} is closed, as long as nobody else pushes to this branch. ")
    sections.append("### Commands\n\n" + keep + f"Comment on #{src.number} (not here):\n\n" + command_list(bot_name))
    return truncate("\n\n".join(sections), COMMENT_BODY_LIMIT)


# ------------------------------------------------------------------ comments
def touched_comment(branch: str, src_number: int, bot_name: str) -> str:
    return (f"Somebody else pushed to `{branch}`, so I no longer update or close this pull request; it is "
            f"yours now. To get a fresh follow-up from me, delete the branch and comment `@{bot_name} fix` "
            f"on #{src_number}.")


def closed_comment(reason: str) -> str:
    return f"Closing: {reason} The branch is deleted with it."


def reasons_closed(src_number: int, *, merged: bool, no_fixes: bool, bot_name: str) -> str:
    if no_fixes:
        return f"no automatic fix applies to #{src_number} any more."
    if merged:
        return (f"#{src_number} was merged without these fixes. Comment `@{bot_name} fix` on #{src_number} "
                "to get them as a pull request against its base branch.")
    return f"#{src_number} was closed."


def nothing_to_fix(src_number: int, sha: str, withheld: Sequence[object] = ()) -> str:
    more = f" {_count(len(withheld), 'fix')} could not be applied automatically." if withheld else ""
    return f"No automatic fix applies to the files changed by #{src_number} at {sha[:7]}.{more}"


def fork_comment(base_ref: str, bot_name: str) -> str:
    return ("This pull request comes from a fork, and I never push to forks. The automatic fixes are in my "
            "review as suggestions you can commit with one click. After it is merged, comment "
            f"`@{bot_name} fix` here and I will open a follow-up pull request against `{base_ref}`.")
