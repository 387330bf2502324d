"""The bot's own settings from `[tool.hybridize.bot]` of the BASE branch's pyproject.toml.

    [tool.hybridize.bot]
    conclusion = { error = "failure", warning = "neutral", info = "success" }
    max-inline-comments = 25
    skip-bots = true       # pull requests opened by bot accounts (user.type == "Bot")
    skip-drafts = true     # draft pull requests wait until ready_for_review
    strict = false         # true: pre-existing findings in touched files count toward the conclusion

A bad value never stops the review: the option keeps its default and the problem is reported in the
check run, so a typo is visible instead of silently changing behaviour.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

# Check-run conclusions GitHub accepts. https://docs.github.com/en/rest/checks/runs#update-a-check-run
CHECK_CONCLUSIONS = frozenset(
    {"action_required", "cancelled", "failure", "neutral", "success", "skipped", "timed_out"}
)
DEFAULT_CONCLUSIONS: Mapping[str, str] = {"error": "failure", "warning": "neutral", "info": "success"}
# reviewdog caps a review at 30 comments; many comments trigger notifications and secondary rate
# limits ("<= 80 content-creating requests per minute"),
# https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api
DEFAULT_MAX_INLINE_COMMENTS = 25
MAX_INLINE_COMMENTS_LIMIT = 100

_KNOWN = {"conclusion", "max-inline-comments", "skip-bots", "skip-drafts", "strict", "autofix"}  # autofix: bot/followup/options.py


@dataclass(frozen=True)
class BotOptions:
    conclusion: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CONCLUSIONS))
    max_inline_comments: int = DEFAULT_MAX_INLINE_COMMENTS
    skip_bots: bool = True
    skip_drafts: bool = True
    # The conclusion is decided by the findings on changed lines (SonarCloud's new-code gate); strict
    # adds the pre-existing findings in the files the pull request touches.
    strict: bool = False

    def conclusion_for(self, worst: str | None) -> str:
        """Conclusion for the worst severity among new findings (None: no new findings)."""
        if worst is None:
            return "success"
        return self.conclusion.get(worst, DEFAULT_CONCLUSIONS[worst])


def parse_bot_options(table: Mapping[str, Any] | None) -> tuple[BotOptions, list[str]]:
    """Options from the raw `[tool.hybridize.bot]` table, plus one message per rejected value."""
    if not table:
        return BotOptions(), []
    problems: list[str] = []
    kwargs: dict[str, Any] = {}
    for key in sorted(set(table) - _KNOWN):
        problems.append(f"[tool.hybridize.bot]: unknown key '{key}' (known: {', '.join(sorted(_KNOWN))})")
    if "conclusion" in table:
        raw = table["conclusion"]
        if not isinstance(raw, dict):
            problems.append("[tool.hybridize.bot] conclusion must be a table like { error = \"failure\" }")
        else:
            mapping = dict(DEFAULT_CONCLUSIONS)
            for severity, value in raw.items():
                if severity not in DEFAULT_CONCLUSIONS:
                    problems.append(f"conclusion.{severity}: not a severity (error, warning, info)")
                elif value not in CHECK_CONCLUSIONS:
                    problems.append(
                        f"conclusion.{severity}: '{value}' is not a check-run conclusion "
                        f"({', '.join(sorted(CHECK_CONCLUSIONS))})"
                    )
                else:
                    mapping[severity] = value
            kwargs["conclusion"] = mapping
    if "max-inline-comments" in table:
        value = table["max-inline-comments"]
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INLINE_COMMENTS_LIMIT:
            kwargs["max_inline_comments"] = value
        else:
            problems.append(
                f"max-inline-comments must be an integer from 0 to {MAX_INLINE_COMMENTS_LIMIT}, not {value!r}"
            )
    for key, attr in (("skip-bots", "skip_bots"), ("skip-drafts", "skip_drafts"), ("strict", "strict")):
        if key in table:
            if isinstance(table[key], bool):
                kwargs[attr] = table[key]
            else:
                problems.append(f"{key} must be true or false, not {table[key]!r}")
    return BotOptions(**kwargs), problems
