"""The `explain CODE` reply: a rule in at most ten lines, the rest folded into `<details>` (pure).

GitHub comments keep single newlines as line breaks, so the rule's hard-wrapped documentation is
joined into paragraphs (`markdown.prose`); the reply never starts with a heading, because the router
puts `@login ` in front of it and "@alice # HYB002" would print the `#` literally.
"""
from __future__ import annotations

import textwrap
from typing import Any

from ..publish.markdown import code_fence, first_sentence, inline_code, markdown_text, prose
from ..publish.render import SEVERITY_MARK

# Lines before the <details> block, the headline included (issue 18: a reply read in five seconds).
MAX_VISIBLE_LINES = 10
_FIX_WORDS = {"safe": "safe automatic fix", "gated": "gated automatic fix", "suggestion": "manual fix (suggested)",
              "none": "no automatic fix"}


def _attr(rule: Any, name: str) -> str:
    value = getattr(rule, name, "")
    value = value() if callable(value) else value
    return value if isinstance(value, str) else ""


def explain_rule(rule: Any) -> str:
    """Headline, why it matters, what it finds; then why, example, fix safety and references folded."""
    code, name = _attr(rule, "code"), _attr(rule, "name")
    severity = getattr(rule, "severity", None)
    fix = getattr(getattr(rule, "fix_safety", None), "value", "none")
    mark = SEVERITY_MARK.get(severity, "") if severity is not None else ""
    level = f"{mark} {severity.value}".strip() if severity is not None else ""
    headline = " · ".join(x for x in (f"**{code}** {inline_code(name)}", level, _FIX_WORDS.get(fix, fix)) if x)
    visible = [headline]
    summary = _attr(rule, "summary")
    if summary:
        visible += ["", markdown_text(summary)]
    what = prose(_attr(rule, "what"))
    if what and first_sentence(what) != first_sentence(summary):
        visible += ["", what]
    visible = _fit(visible)
    folded: list[str] = []
    why = prose(_attr(rule, "why"))
    if why:
        folded += [f"**Why is this bad?** {why}", ""]
    example, use = _attr(rule, "example"), _attr(rule, "use_instead")
    if example:
        folded += ["Example:", "", code_fence(textwrap.dedent(example).strip("\n"), "python"), ""]
    if use:
        folded += ["Use instead:", "", code_fence(textwrap.dedent(use).strip("\n"), "python"), ""]
    fix_doc = prose(_attr(rule, "fix_doc"))
    if fix_doc:
        folded += [f"**Fix safety:** {fix_doc}", ""]
    refs = [f"- {r}" for r in getattr(rule, "references", ()) or ()]
    if refs:
        folded += ["References:", "", *refs, ""]
    out = list(visible)
    if folded:
        out += ["", "<details><summary>Why, example and fix</summary>", "", *folded, "</details>"]
    url = _attr(rule, "doc_url")
    if url:
        out += ["", f"[{code} rule page]({url})"]
    return "\n".join(out)


def _fit(lines: list[str]) -> list[str]:
    """At most MAX_VISIBLE_LINES lines (a `what` with a long list is cut; the rule page has it all)."""
    if len(lines) <= MAX_VISIBLE_LINES:
        return lines
    return lines[:MAX_VISIBLE_LINES - 1] + ["…"]
