"""Whole-repository facts for the Hybridize preconditions (hybridization-study.md §2, §3.1).

`extract` turns one parsed module into plain data (cacheable); `project_facts` resolves calls across
modules and finds the graph context; `compute` runs the fixpoints; `api.RepoFacts` answers questions
with three-valued `Fact`s; `preconditions` applies the Hybridize decision tables.
"""
from .api import RepoFacts, kind_text
from .model import CallSite, Evidence, Fact, FunctionFacts

__all__ = ["CallSite", "Evidence", "Fact", "FunctionFacts", "RepoFacts", "kind_text"]
