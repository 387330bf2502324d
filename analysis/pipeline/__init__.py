"""The one analysis pipeline, one module per stage:

    sources.py    files -> the Python modules to analyze, their names and content hashes
    modules.py    parse -> module summaries -> per-module facts (or the cached facts)
    unchanged.py  a run in which no file changed: every module's findings straight from the cache
    snapshot.py   the cached whole-repository facts of a previous run, reused, patched or brought up to date
    load.py       module facts -> the Project and its whole-repository facts
    checking.py   rules -> one module's findings (suppressions, severities)
    findings.py   all findings: cache keys, ordering, occurrence numbers
    parallel.py   the same stages spread over worker processes (large cold runs)
    run.py        the entry point: `analyze` (sources -> AnalysisResult)

Fixes are computed from the findings by `analysis.fixes`. The command line (`hybridize_bot.cli`), the bot
(`bot/analysis_api.py`) and the benchmarks all call `analyze`.
"""
from .run import analyze, analyze_sources

__all__ = ["analyze", "analyze_sources"]
