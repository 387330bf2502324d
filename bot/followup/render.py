"""Title, body and commit message of a follow-up pull request, and the bot's comments about it (pure).

Dependabot's shape: a short summary, a table of the fixes (rule, file:line, safe or gated), one line on
how to verify, and the details and commands folded into `<details>`. The diff shows each change, so the
body does not repeat it; it says plainly when a fix touches a line the source pull request did not change.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Mapping, Sequence

from hybridize_bot.analysis.fixes.catalog import FIX_EFFECTS

from ..commands.help import command_list
from ..publish.markdown import cell, markdown_text
from ..publish.render import COMMENT_BODY_LIMIT, inline_code, truncate
from .compute import FixEntry, FixPlan, FixStep
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


def plan_kind(plan: FixPlan) -> str:
    """The plan's kind: gated when any of its fixes is gated, else safe."""
    return "gated" if any(e.safety == "gated" for e in plan.entries) else "safe"


def title(plan: FixPlan, src: Source) -> str:
    codes = ", ".join(plan.codes)
    text = f"hybridize: apply {_count(len(plan.entries), plan_kind(plan) + ' fix')} to files changed in #{src.number}"
    if codes:
        text += f" ({codes})"
    return text if len(text) <= TITLE_LIMIT else text[:TITLE_LIMIT - 1] + "…"


def commit_message(plan: FixPlan, src: Source) -> str:
    lines = [title(plan, src), ""]
    lines += [f"- {e.code} {e.name}: {e.path}:{e.line}" for e in plan.entries]
    lines += ["", trailer_line(src.full_name, src.number)]
    return "\n".join(lines) + "\n"


def step_message(step: FixStep, plan: FixPlan, src: Source) -> str:
    """The message of one commit of a staged follow-up: one rule code (one refactoring kind) per commit."""
    n = len(step.entries)
    name = step.entries[0].name if step.entries else ""
    lines = [f"hybridize: {step.code} {name} ({_count(n, step.safety + ' fix')}) in files changed in #{src.number}", ""]
    lines += [f"- {e.path}:{e.line}" + (f" in {e.symbol}" if e.symbol else "") + f": {e.description}"
              for e in step.entries]
    if step.safety == "gated":
        reasons = sorted({e.reason.rstrip(".") for e in step.entries if e.reason})
        lines += ["", "Facts that justified it:"] + [f"- {r}" for r in reasons]
        effect, check = FIX_EFFECTS.get(step.code, ("", ""))
        if effect:
            lines += ["", f"Expected: {effect}.", f"Check: {check}."]
    lines += ["", f"One of {len(plan.steps)} commits, one per kind of fix: revert this one to drop {step.code}'s fixes.",
              "", trailer_line(src.full_name, src.number)]
    return "\n".join(lines) + "\n"


def commit_steps(plan: FixPlan, src: Source) -> list[tuple[Mapping[str, bytes], str]]:
    """(changed files, message) of each commit of the follow-up: one per kind when staged, else one."""
    if plan.steps:
        return [(step.changed, step_message(step, plan, src)) for step in plan.steps]
    return [(plan.changed, commit_message(plan, src))]


def _outside(plan: FixPlan, pr_lines: Mapping[str, Collection[int]] | None) -> set[int]:
    """Indexes of the entries on lines the source pull request did not change (unknown: none)."""
    if pr_lines is None:
        return set()
    return {i for i, e in enumerate(plan.entries) if e.line not in pr_lines.get(e.path, ())}


def _row(entry: FixEntry, doc_url: str, outside: bool) -> str:
    rule = f"[{entry.code}]({doc_url})" if doc_url else entry.code
    where = inline_code(f"{entry.path}:{entry.line}") + (" (not changed by the PR)" if outside else "")
    return f"| {rule} {inline_code(cell(entry.name))} | {where} | {entry.safety} |"


def _detail(entry: FixEntry) -> str:
    where = f"{entry.path}:{entry.line}"
    text = f"- {entry.code} {inline_code(where)}" + (f" in {inline_code(entry.symbol)}" if entry.symbol else "")
    text += ": " + markdown_text(cell(entry.description.rstrip(".")) or "automatic fix") + "."
    if entry.safety == "gated":
        # A refactoring: the facts that justified it, what it should change, how to see that (issue 15).
        if entry.reason:
            text += f" **Facts:** {markdown_text(entry.reason.rstrip('.'))}."
        effect, check = FIX_EFFECTS.get(entry.code, ("", ""))
        if effect:
            text += f" **Expected:** {markdown_text(effect)}. **Check:** {markdown_text(check)}."
        return text
    argument = _SAFETY_ARGUMENT.get(entry.safety, entry.safety)
    text += f" {argument[:1].upper()}{argument[1:]}"
    return text + (f"; checked: {markdown_text(entry.reason.rstrip('.'))}." if entry.reason else ".")


def _details(plan: FixPlan) -> list[str]:
    """Gated refactorings and safe fixes in separate folded sections, so a reviewer sees which need trust."""
    gated = [_detail(e) for e in plan.entries if e.safety == "gated"]
    safe = [_detail(e) for e in plan.entries if e.safety != "gated"]
    out = []
    if gated:
        out.append(_folded(f"Gated refactorings ({len(gated)}): correct when the analysis preconditions hold (the facts below)", "\n".join(gated)))
    if safe:
        out.append(_folded(f"Safe fixes ({len(safe)}): what each does and why it is safe", "\n".join(safe)))
    return out


def body(plan: FixPlan, src: Source, bot_name: str, doc_urls: dict[str, str] | None = None,
         pr_lines: Mapping[str, Collection[int]] | None = None) -> str:
    """The follow-up's body; `pr_lines` (path -> lines the source pull request added or changed, at
    `src.parent_sha`) lets it say which fixes touch code outside the pull request's own changes."""
    doc_urls = doc_urls or {}
    where = (f"the base branch `{src.base_ref}` after #{src.number} was merged" if src.after_merge
             else f"`{src.head_ref}` ({src.parent_sha[:7]})")
    outside = _outside(plan, pr_lines)
    intro = (f"Applies {_count(len(plan.entries), plan_kind(plan) + ' fix')} hybridize-bot found in the files "
             f"#{src.number} changes, on top of {where}; {_count(len(plan.changed), 'file')} changed.")
    if outside:
        intro += (f" **{len(outside)} of them {'is' if len(outside) == 1 else 'are'} on lines #{src.number} "
                  "did not change** (pre-existing code in the same files).")
    table = ["| Rule | Where | Fix |", "|---|---|---|"]
    table += [_row(e, doc_urls.get(e.code, ""), i in outside) for i, e in enumerate(plan.entries)]
    verify = ("**To verify:** read the diff (each change is one rewrite per row), run your tests, or run "
              "`hybridize check` on this branch: the fixed findings are gone.")
    if plan.steps:
        verify += (f" One commit per kind of fix ({', '.join(s.code for s in plan.steps)}, safe kinds first): "
                   "revert a commit to drop that kind and keep the others.")
    sections = [followup_marker(src.full_name, src.number), intro, "\n".join(table), verify]
    sections += _details(plan)
    if plan.withheld:
        sections.append(_folded(f"Not applied ({len(plan.withheld)})", "\n".join(
            f"- {w.code} {inline_code(f'{w.path}:{w.line}')}: {markdown_text(cell(w.why))}" for w in plan.withheld)))
    if plan.protected_skipped:
        sections.append("Files under `.github/workflows/` are never changed by the bot: "
                        + ", ".join(inline_code(p) for p in plan.protected_skipped) + ".")
    keep = ("" if src.after_merge else
            f"I update this pull request when #{src.number} changes the fixed code, and close it when no fix "
            f"applies any more or #{src.number} is closed, as long as nobody else pushes to this branch. ")
    merge = (f"Merge it into `{src.base_ref}` to take the fixes, or close it to dismiss them: I will not "
             "reopen it for the same fixes. ")
    sections.append(_folded("Commands and updates", merge + keep + f"Comment on #{src.number} (not here):\n\n"
                            + command_list(bot_name)))
    return truncate("\n\n".join(sections), COMMENT_BODY_LIMIT)


def _folded(summary: str, text: str) -> str:
    return f"<details><summary>{summary}</summary>\n\n{text}\n\n</details>"


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
