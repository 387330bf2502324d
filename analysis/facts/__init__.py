"""Whole-repository facts for the Hybridize preconditions (hybridization-study.md §2, §3.1).

`extract` turns one parsed module into plain data (cacheable): one `function_walker` pass per function
body (`kind_inference`, `bindings`, `call_sites`) in the vocabulary of `fact_kinds`, with `function_header`
and `module_records` for the rest; `ProjectFacts` is built by a chain of
modules, in the order its facts are computed: `project_index` (functions and classes) -> `project_names`
(qualified names) -> `call_resolution` -> `call_edges` -> `project_facts` (hybrid roots, graph context);
`compute` runs the fixpoints (`side_effects`, `reachability`, `parameter_lattices`, over the
`dependency_links`); `api.RepoFacts` answers questions with three-valued `Fact`s; `preconditions`
applies the Hybridize decision tables (`precondition_scans` and `api_names` feed the body-local ones;
the `reconfigure` outcome reads HYB008's evidence, handed in through the project by `hybridize facts`).
A warm run updates a cached snapshot of these facts: `incremental` when only lines moved,
`project_delta` otherwise (only what the changed modules reach is recomputed).
"""
from .api import RepoFacts, kind_text
from .model import CallSite, Evidence, Fact, FunctionFacts

__all__ = ["CallSite", "Evidence", "Fact", "FunctionFacts", "RepoFacts", "kind_text"]
