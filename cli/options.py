"""The options and errors every `hybridize` subcommand shares (built-in and plug-in alike)."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from hybridize_bot.analysis.cache import AnalysisCache, open_cache
from hybridize_bot.analysis.rules import all_rules

from .files import Workspace, load_workspace

PROG = "hybridize"
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """The command line asks for something that cannot be done; the message says what."""


def add_workspace_options(parser: argparse.ArgumentParser) -> None:
    """PATH... and the options that decide which project, configuration and rules apply."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    parser.add_argument("--config", metavar="PYPROJECT",
                        help="use this pyproject.toml (its directory is the project root)")
    parser.add_argument("--no-config", action="store_true", help="ignore [tool.hybridize] configuration")
    parser.add_argument("--select", action="append", metavar="CODES",
                        help="only these rule codes or prefixes (comma-separated; replaces the configured select)")
    parser.add_argument("--ignore", action="append", metavar="CODES",
                        help="skip these rule codes or prefixes (comma-separated; adds to the configured ignore)")


def add_cache_options(parser: argparse.ArgumentParser) -> None:
    """--cache-dir / --no-cache: the on-disk cache of per-file facts and findings (analysis/cache.py)."""
    parser.add_argument("--cache-dir", metavar="DIR",
                        help="cache per-file facts and findings here (default: $HYBRIDIZE_CACHE_DIR, "
                             "$XDG_CACHE_HOME/hybridize or ~/.cache/hybridize)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the analysis cache")


def cache_from_args(args: argparse.Namespace) -> AnalysisCache | None:
    if getattr(args, "no_cache", False) and getattr(args, "cache_dir", None):
        raise UsageError("--cache-dir and --no-cache cannot be used together")
    return open_cache(getattr(args, "cache_dir", None), getattr(args, "no_cache", False))


def workspace_from_args(args: argparse.Namespace) -> Workspace:
    if args.config and args.no_config:
        raise UsageError("--config and --no-config cannot be used together")
    workspace = load_workspace(args.paths or ["."], config_file=args.config, no_config=args.no_config,
                               select=args.select, ignore=args.ignore)
    _warn_unmatched_codes(args.select, "--select")
    _warn_unmatched_codes(args.ignore, "--ignore")
    return workspace


def _warn_unmatched_codes(values: Sequence[str] | None, option: str) -> None:
    codes = [c.strip().upper() for v in values or () for c in v.split(",") if c.strip()]
    if not codes:
        return  # without asking for the rules: `all_rules` imports every rule module
    known = [rule.code for rule in all_rules()]
    for code in codes:
        if not any(k.startswith(code) for k in known):
            print(f"{PROG}: warning: {option} {code} matches no rule", file=sys.stderr)
