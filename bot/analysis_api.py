"""The one door from the bot to the analysis package: everything `bot/` uses of `analysis/`.

Imported at module level (a missing or broken analysis stops start-up instead of silently turning a
feature off), and one list shows which analysis API the bot depends on.
"""
from __future__ import annotations

from hybridize_bot.analysis import analyze, analyze_sources
from hybridize_bot.analysis.bot_options import AUTOFIX_LEVELS, BotOptions, parse_bot_options
from hybridize_bot.analysis.cache import AnalysisCache
from hybridize_bot.analysis.config import Config, ConfigError, config_from_table, hybridize_table
from hybridize_bot.analysis.fixes import FixResult, apply_fixes, suggestion_for, suggestions_for, texts_by_code
from hybridize_bot.analysis.model import AnalysisResult, Finding, FixSafety, Severity
from hybridize_bot.analysis.pipeline.deferred import DeferringCache, hold_writes, release_writes
from hybridize_bot.analysis.pipeline.modules import PARSE_FAILURE_CODE
from hybridize_bot.analysis.pipeline.parallel import shares_by_size
from hybridize_bot.analysis.rules import all_rules, get_rule
from hybridize_bot.analysis.rules.base import PROJECT_URL

__all__ = [
    "AUTOFIX_LEVELS", "AnalysisCache", "AnalysisResult", "BotOptions", "Config", "ConfigError", "DeferringCache", "Finding", "FixResult", "FixSafety", "PARSE_FAILURE_CODE", "PROJECT_URL",
    "Severity", "all_rules", "analyze", "analyze_sources", "apply_fixes", "config_from_table", "get_rule", "hold_writes", "hybridize_table",
    "parse_bot_options", "release_writes", "shares_by_size", "suggestion_for", "suggestions_for", "texts_by_code",
]
