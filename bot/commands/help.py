"""What the bot says about its commands (pure text; also embedded in follow-up pull requests)."""
from __future__ import annotations

# (command, arguments, what it does, who may run it)
COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("recheck", "", "analyze the pull request's head again and refresh the check run, review and summary",
     "write access"),
    ("fix", "", "create or refresh the follow-up pull request with the automatic fixes now (with write "
     "access it includes *gated* fixes; after a merge it targets the base branch)",
     "write access"),
    ("ignore", " CODE", "stop reporting rule CODE (e.g. HYB006) on this pull request, across pushes",
     "write access"),
    ("unignore", " CODE", "report rule CODE on this pull request again", "write access"),
    ("explain", " CODE", "reply with the documentation of rule CODE", "anyone who can read the repository"),
    ("help", "", "list these commands", "anyone who can read the repository"),
)


def command_list(bot_name: str) -> str:
    """A markdown bullet list of the commands, Dependabot-style."""
    return "\n".join(f"- `@{bot_name} {name}{args}` {what} ({who})" for name, args, what, who in COMMANDS)


def help_text(bot_name: str) -> str:
    return (f"I understand these commands, each on its own line of a comment on a pull request:\n\n"
            f"{command_list(bot_name)}\n\nQuoted lines (`>`) and code blocks are ignored.")
