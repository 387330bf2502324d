"""The configuration and deployment docs name every key and variable the code reads; the keys come
from the code's own schemas (the sets the parsers validate against), never from a copied list."""
from __future__ import annotations

import re
from pathlib import Path

from hybridize_bot.analysis import bot_options, cache, config
from hybridize_bot.analysis.pipeline import parallel

REPO = Path(__file__).resolve().parents[1]
CONFIGURATION = (REPO / "docs" / "configuration.md").read_text()
DEPLOYMENT = (REPO / "docs" / "deployment.md").read_text()


def _table_keys(doc: str, heading: str) -> set[str]:
    """The first-column `code` names of the table under `heading`."""
    section = doc.split(heading, 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)` \|", section, re.M))


def _environment_variables(*modules: str) -> set[str]:
    """Every NAME the modules read with os.environ / environ.get / env.<kind>("NAME", ...)."""
    names = set()
    for module in modules:
        text = (REPO / module).read_text()
        names |= set(re.findall(r"""(?:environ\.get|env\.\w+|environ)\(\s*["']([A-Z][A-Z0-9_]+)["']""", text))
        names |= set(re.findall(r"""environ\[["']([A-Z][A-Z0-9_]+)["']\]""", text))
    return names


def test_configuration_documents_every_tool_hybridize_key() -> None:
    analysis_keys = set(config._KNOWN_KEYS)
    assert {"select", "max-file-size", "bot"} <= analysis_keys  # the schema was found
    assert _table_keys(CONFIGURATION, "## `[tool.hybridize]`") == analysis_keys


def test_configuration_documents_every_tool_hybridize_bot_key() -> None:
    bot_keys = set(bot_options.KNOWN_KEYS)
    assert {"autofix", "max-inline-comments"} <= bot_keys
    assert _table_keys(CONFIGURATION, "## `[tool.hybridize.bot]`") == bot_keys


def test_deployment_documents_every_environment_variable_of_the_server() -> None:
    read = _environment_variables("bot/settings.py", "bot/appmanifest.py", "bot/healthcheck.py")
    assert {"GITHUB_APP_ID", "GITHUB_PRIVATE_KEY_PATH", "QUEUE_URL", "BOT_PUBLIC_URL", "HOST"} <= read
    documented = set()
    for row in _table_keys(DEPLOYMENT, "## Environment variables"):
        documented |= set(re.findall(r"[A-Z][A-Z0-9_]+", row))
    documented |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", DEPLOYMENT.split("## Environment variables", 1)[1]))
    assert read <= documented, read - documented


def test_configuration_documents_the_command_lines_environment_variables() -> None:
    read = {cache.ENV_VAR, parallel.ENV_JOBS} | _environment_variables("analysis/rules/base.py")
    assert "HYBRIDIZE_PROJECT_URL" in read
    assert read <= _table_keys(CONFIGURATION, "## Environment variables of the command line")
