"""Finding `@<bot> <command> [args]` in a comment body (pure).

A command is a line of its own that starts with the mention (up to three spaces of indentation, as
markdown allows for a paragraph), case-insensitive. Lines inside fenced code blocks, indented code
blocks and block quotes (`>`) are ignored: people quote earlier commands or the bot's help there.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

KNOWN = ("recheck", "fix", "ignore", "unignore", "explain", "help")
NEEDS_CODES = ("ignore", "unignore", "explain")
# One comment should not turn into a batch job.
MAX_COMMANDS_PER_COMMENT = 5
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE = re.compile(r"[A-Za-z]{2,8}\d{2,4}")


@dataclass(frozen=True)
class Command:
    name: str                      # one of KNOWN, or "unknown"
    codes: tuple[str, ...] = ()    # rule codes (upper case) for ignore/unignore/explain
    raw: str = ""                  # the line as written (for "I don't know ..." replies)
    bad_args: tuple[str, ...] = () # arguments that are not rule codes
    suggestion: str | None = None  # for "unknown": the command the person probably meant


def guess_command(words: list[str]) -> str | None:
    """"please fix this" -> "fix" (a known command among the words); "rechek" -> "recheck" (close spelling)."""
    lowered = [w.lower().strip(".,:;!?") for w in words]
    for word in lowered:
        if word in KNOWN:
            return word
    close = difflib.get_close_matches(lowered[0], KNOWN, n=1, cutoff=0.75) if lowered else []
    return close[0] if close else None


def _live_lines(body: str) -> list[str]:
    """The lines of `body` outside code blocks and block quotes."""
    out: list[str] = []
    fence: str | None = None
    for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _FENCE.match(line)
        if fence is not None:
            # A fence closes with the same character, at least as long, nothing else on the line.
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and not line.strip()[len(match.group(1)):].strip():
                fence = None
            continue
        if match:
            fence = match.group(1)
            continue
        if line.startswith(("    ", "\t")) or line.lstrip().startswith(">"):
            continue
        out.append(line)
    return out


def parse_commands(body: str | None, bot_name: str) -> list[Command]:
    """Every command addressed to `@bot_name` in `body`, in order, without repeats."""
    if not body:
        return []
    mention = re.compile(rf"^ {{0,3}}@{re.escape(bot_name)}(?![\w-])[ \t]*(?P<rest>.*)$", re.IGNORECASE)
    commands: list[Command] = []
    for line in _live_lines(body):
        match = mention.match(line)
        if not match:
            continue
        words = match.group("rest").replace(",", " ").split()
        if not words:
            command = Command("help", raw=line.strip())
        else:
            name = words[0].lower()
            args = words[1:]
            if name not in KNOWN:
                command = Command("unknown", raw=line.strip(), suggestion=guess_command(words))
            elif name in NEEDS_CODES:
                codes = tuple(dict.fromkeys(a.upper() for a in args if _CODE.fullmatch(a)))
                bad = tuple(a for a in args if not _CODE.fullmatch(a))
                command = Command(name, codes, line.strip(), bad)
            else:
                command = Command(name, raw=line.strip())
        if command not in commands:
            commands.append(command)
        if len(commands) >= MAX_COMMANDS_PER_COMMENT:
            break
    return commands
