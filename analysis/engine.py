"""The names older code imports from here; the pipeline lives in analysis/pipeline/ (one module a stage)."""
from .model import Severity
from .pipeline.checking import check_module, known_rule_codes, make_rules
from .pipeline.load import LoadedProject, load_project
from .pipeline.run import analyze, analyze_sources

__all__ = ["LoadedProject", "Severity", "analyze", "analyze_sources", "check_module", "known_rule_codes",
           "load_project", "make_rules"]
