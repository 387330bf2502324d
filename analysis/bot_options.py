"""`[tool.hybridize.bot]`: the GitHub App's options, read and validated beside `[tool.hybridize]`.

    [tool.hybridize.bot]
    conclusion = { error = "failure", warning = "neutral", info = "success" }
    max-inline-comments = 25
    skip-bots = true       # pull requests opened by bot accounts (user.type == "Bot")
    skip-drafts = true     # draft pull requests wait until ready_for_review
    strict = false         # true: pre-existing findings in touched files count toward the conclusion
    autofix = "safe"       # "off" | "safe" | "gated": which fixes go into follow-up pull requests

One reader for the CLI and the App (issue 13): `analysis.config.config_from_table` rejects a bad value
with a `ConfigError` (the CLI stops with it), and the App, which must still review, takes the lenient
form `parse_bot_options`: every problem names the key, the bad value and what was used instead, and
`BotOptions.valid` is False, so the App makes no writes (no follow-up pull request) until it is fixed
(issue 17, point 6: a typo such as `autofix = "of"` must never fall to the side that writes).
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
AUTOFIX_LEVELS = ("off", "safe", "gated")
DEFAULT_AUTOFIX = "safe"
# What a bad `autofix` becomes: the level that writes nothing.
SAFE_SIDE_AUTOFIX = "off"

KNOWN_KEYS = frozenset({"conclusion", "max-inline-comments", "skip-bots", "skip-drafts", "strict", "autofix"})
_TABLE = "[tool.hybridize.bot]"


@dataclass(frozen=True)
class BotOptions:
    conclusion: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_CONCLUSIONS))
    max_inline_comments: int = DEFAULT_MAX_INLINE_COMMENTS
    skip_bots: bool = True
    skip_drafts: bool = True
    # The conclusion is decided by the findings on changed lines (SonarCloud's new-code gate); strict
    # adds the pre-existing findings in the files the pull request touches.
    strict: bool = False
    autofix: str = DEFAULT_AUTOFIX
    # False when any value was rejected: the App then reports and reviews but does not write code.
    valid: bool = True

    def conclusion_for(self, worst: str | None) -> str:
        """Conclusion for the worst severity among new findings (None: no new findings)."""
        if worst is None:
            return "success"
        return self.conclusion.get(worst, DEFAULT_CONCLUSIONS[worst])


def parse_bot_options(table: Any) -> tuple[BotOptions, list[str]]:
    """Options from the raw `[tool.hybridize.bot]` table, plus one message per rejected value, each
    saying what was used instead."""
    if table is None:
        return BotOptions(), []
    if not isinstance(table, Mapping):
        return BotOptions(autofix=SAFE_SIDE_AUTOFIX, valid=False), [
            f"{_TABLE} must be a table, not {table!r}; every bot option keeps its default and autofix is off"]
    problems: list[str] = []
    kwargs: dict[str, Any] = {}
    for key in sorted(set(table) - KNOWN_KEYS):
        problems.append(f"{_TABLE}: unknown key '{key}' (known: {', '.join(sorted(KNOWN_KEYS))}); ignored")
    if "conclusion" in table:
        kwargs["conclusion"] = _conclusions(table["conclusion"], problems)
    if "max-inline-comments" in table:
        value = table["max-inline-comments"]
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INLINE_COMMENTS_LIMIT:
            kwargs["max_inline_comments"] = value
        else:
            problems.append(f"{_TABLE} max-inline-comments must be an integer from 0 to "
                            f"{MAX_INLINE_COMMENTS_LIMIT}, not {value!r}; using {DEFAULT_MAX_INLINE_COMMENTS}")
    for key, attr, default in (("skip-bots", "skip_bots", True), ("skip-drafts", "skip_drafts", True),
                               ("strict", "strict", False)):
        if key in table:
            if isinstance(table[key], bool):
                kwargs[attr] = table[key]
            else:
                problems.append(f"{_TABLE} {key} must be true or false, not {table[key]!r}; using "
                                f"{str(default).lower()}")
    if "autofix" in table:
        kwargs["autofix"] = _autofix(table["autofix"], problems)
    if problems:
        kwargs["valid"] = False
        kwargs.setdefault("autofix", SAFE_SIDE_AUTOFIX)  # an invalid table never lets the App write
    return BotOptions(**kwargs), problems


def _conclusions(raw: Any, problems: list[str]) -> dict[str, str]:
    mapping = dict(DEFAULT_CONCLUSIONS)
    if not isinstance(raw, Mapping):
        problems.append(f"{_TABLE} conclusion must be a table like {{ error = \"failure\" }}, not {raw!r}; "
                        "using the defaults")
        return mapping
    for severity, value in raw.items():
        if severity not in DEFAULT_CONCLUSIONS:
            problems.append(f"{_TABLE} conclusion.{severity}: not a severity (error, warning, info); ignored")
        elif value not in CHECK_CONCLUSIONS:
            problems.append(f"{_TABLE} conclusion.{severity}: {value!r} is not a check-run conclusion "
                            f"({', '.join(sorted(CHECK_CONCLUSIONS))}); using "
                            f"'{DEFAULT_CONCLUSIONS[severity]}'")
        else:
            mapping[severity] = value
    return mapping


def _autofix(value: Any, problems: list[str]) -> str:
    if isinstance(value, bool):  # `autofix = false` reads naturally as "off"
        return "safe" if value else "off"
    if isinstance(value, str) and value.strip().lower() in AUTOFIX_LEVELS:
        return value.strip().lower()
    problems.append(f"{_TABLE} autofix must be one of {', '.join(AUTOFIX_LEVELS)}, not {value!r}; using "
                    f"'{SAFE_SIDE_AUTOFIX}': no follow-up pull request is opened until it is fixed")
    return SAFE_SIDE_AUTOFIX
