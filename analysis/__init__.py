"""hybridize analysis: pure functions from sources to findings (no network, never imports `bot`)."""
from .config import Config, ConfigError, load_pyproject_bytes
from .pipeline import analyze, analyze_sources
from .model import AnalysisResult, Edit, Finding, Fix, FixSafety, Note, Severity

__all__ = [
    "AnalysisResult", "Config", "ConfigError", "Edit", "Finding", "Fix", "FixSafety", "Note", "Severity",
    "analyze", "analyze_sources", "load_pyproject_bytes",
]
