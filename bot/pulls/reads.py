"""What the worker reads about a pull request: metadata, changed files, base-branch configuration."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from ..analysis_api import BotOptions, Config, ConfigError, config_from_table, hybridize_table, parse_bot_options
from ..github_api import GitHubAPI

from .diff import FileDiff, PatchError
from .snapshot import fetch_file_at

log = logging.getLogger(__name__)

# "Responses include a maximum of 3000 files. The paginated response returns 30 files per page by
# default." https://docs.github.com/en/rest/pulls/pulls#list-pull-requests-files
MAX_PR_FILES = 3000
FILES_PER_PAGE = 100


@dataclass
class ChangedFiles:
    diffs: dict[str, FileDiff] = field(default_factory=dict)
    partial: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    count: int = 0


async def get_pull(gh: GitHubAPI, owner: str, repo: str, number: int) -> dict[str, Any]:
    return await gh.getitem("/repos/{owner}/{repo}/pulls/{pull_number}",
                            url_vars={"owner": owner, "repo": repo, "pull_number": str(number)})


async def list_changed_files(gh: GitHubAPI, owner: str, repo: str, number: int) -> ChangedFiles:
    """Every changed file with its parsed hunks; files without `patch` are kept (no inline lines)."""
    out = ChangedFiles()
    async for item in gh.getiter("/repos/{owner}/{repo}/pulls/{pull_number}/files{?per_page}",
                                 url_vars={"owner": owner, "repo": repo, "pull_number": str(number),
                                           "per_page": str(FILES_PER_PAGE)}):
        out.count += 1
        path, status = item["filename"], item.get("status", "modified")
        if status == "removed":
            continue
        patch = item.get("patch")
        if patch is None and status == "renamed" and item.get("changes") == 0:
            patch = ""  # a pure rename changes no line (binary files also report 0 changes, hence the status)
        try:
            diff = FileDiff.from_patch(path, patch, status, item.get("previous_filename"))
        except PatchError as exc:
            log.warning("%s: unreadable patch (%s); no inline comments in this file", path, exc)
            diff = FileDiff.from_patch(path, None, status)
            out.notes.append(f"{path}: the diff could not be read ({exc}); findings there are not commented inline")
        else:
            if diff.patch_missing and path.endswith(".py"):
                out.notes.append(f"{path}: GitHub sent no diff (too large or binary); findings there are "
                                 "counted as pre-existing and not commented inline")
        out.diffs[path] = diff
    if out.count >= MAX_PR_FILES:
        out.partial.append(f"GitHub lists at most {MAX_PR_FILES:,} changed files of a pull request; files "
                           "beyond that were analyzed with the repository but their changes are not known.")
    return out


@dataclass(frozen=True)
class BaseConfig:
    config: Config
    options: BotOptions
    problems: tuple[str, ...] = ()  # every rejected value, with what was used instead

    @property
    def writes_allowed(self) -> bool:
        """The App writes code (follow-up pull requests) only under valid bot options."""
        return self.options.valid


async def read_base_config(gh: GitHubAPI, owner: str, repo: str, base_sha: str) -> BaseConfig:
    """`[tool.hybridize]` of pyproject.toml on the BASE commit: a PR cannot reconfigure its own review."""
    return parse_base_config(await fetch_file_at(gh, owner, repo, "pyproject.toml", base_sha))


def parse_base_config(data: bytes | None) -> BaseConfig:
    """A broken configuration never stops the review: the analysis part and the bot part are read
    apart, a broken one is replaced by its defaults, and each problem says so (the check run shows
    them). Bad bot options also make `writes_allowed` False."""
    try:
        table = hybridize_table(data) or {}
    except ConfigError as exc:
        return BaseConfig(Config(), BotOptions(autofix="off", valid=False),
                          (f"{exc}; the default analysis configuration was used and autofix is off",))
    problems: list[str] = []
    try:
        config = config_from_table({k: v for k, v in table.items() if k != "bot"})
    except ConfigError as exc:
        problems.append(f"{exc}; the analysis used the default configuration")
        config = Config()
    options, option_problems = parse_bot_options(table.get("bot"))
    return BaseConfig(config, options, tuple(problems + option_problems))
