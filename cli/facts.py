"""`hybridize facts PATH... [--format json|text]`: the Hybridize facts of every function (docs/facts.md)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from hybridize_bot.analysis.facts.model import Fact, FunctionFacts

# What renders the facts is imported by the functions that use it: cli/main.py imports this module on
# every run (`check` included) to register the `facts` subcommand.

SCHEMA_VERSION = 1


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from .options import add_cache_options, add_workspace_options

    parser = subparsers.add_parser(
        "facts", help="show the Hybridize facts and refactoring preconditions of every function",
        description="Show, for every function of the analyzed project, the facts behind the Hybridize "
                    "refactorings: graph context, tensor and primitive parameters, Python side effects, "
                    "recursion, tensor computation, caller coverage, and which refactoring applies or what "
                    "blocks it.")
    add_workspace_options(parser)
    parser.add_argument("--format", choices=("json", "text"), default="text", help="output format (default: text)")
    add_cache_options(parser)
    parser.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of stdout")
    return parser


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from hybridize_bot.analysis.pipeline.load import load_project

    from .options import EXIT_OK, cache_from_args, workspace_from_args

    workspace = workspace_from_args(args)
    cache = cache_from_args(args)
    loaded = load_project(workspace.sources(), workspace.config, cache, reconfigure=True)
    repo = loaded.project.facts
    records = [
        ff for ff in repo.all_functions()
        if ff is not None and ff.path in workspace.python
    ]
    records.sort(key=lambda f: (f.path, f.line, f.qualname))
    if args.format == "json":
        text = json.dumps(render_json(records), indent=2) + "\n"
    else:
        text = render_text(records)
    stream = out or sys.stdout
    if getattr(args, "output_file", None):
        with open(args.output_file, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        stream.write(text)
    for note in workspace.notes + loaded.result.notes:
        print(f"hybridize: note: {note.path}: {note.message}", file=sys.stderr)
    return EXIT_OK


# ---- rendering ------------------------------------------------------------------------------------

def _names(facts: dict[str, Fact]) -> list[str] | None:
    """Names whose fact is yes; None when none is yes and some are undeterminable."""
    yes = [n for n, f in facts.items() if f.value is True]
    if yes or not any(f.value is None for f in facts.values()):
        return yes
    return None


def record(ff: FunctionFacts) -> dict[str, Any]:
    from hybridize_bot.analysis.facts.explain import verdict

    decision, decision_reasons = verdict(ff)
    booleans = [n for note in ff.notes if note.startswith("boolean parameters: ")
                for n in note.split(":", 1)[1].replace(" ", "").split(",")]
    primitive = {n: f for n, f in ff.primitive_parameters.items() if n not in booleans}
    return {
        "path": ff.path,
        "qualname": ff.qualname,
        "line": ff.line,
        "hybrid": ff.hybrid,
        "in_graph": ff.in_graph,
        "public": ff.public.value,
        "tensor_parameters": _names(ff.tensor_parameters),
        # Assumed from the function's name (Hybridize's speculative keyword analysis), not derived.
        "speculative_parameters": [n for n, f in ff.tensor_parameters.items() if f.speculative],
        "primitive_parameters": _names(primitive),
        "boolean_parameters": booleans,
        "side_effects": ff.side_effects.value,
        "side_effect_reasons": [
            {"kind": e.kind, "location": e.location() or None, "detail": e.detail} for e in ff.side_effect_reasons
        ],
        "recursive": ff.recursive.value,
        "tensor_computation": ff.tensor_computation.value,
        "eager_only_calls": ff.eager_only_calls.value,
        "callers_covered": ff.callers_covered.value,
        "called_in_loop": ff.called_in_loop.value,
        "tensor_work": ff.tensor_work,
        "refactoring": ff.refactoring,
        "blocked_by": list(ff.blocked_by),
        "undetermined": list(ff.undetermined),
        # Evidence behind the issue-11 preconditions and the `reconfigure` outcome.
        "invalid_name_arguments": [e.to_json() for e in ff.invalid_name_arguments],
        "tensor_parameter_iteration": [e.to_json() for e in ff.tensor_parameter_iteration],
        "shape_varying_calls": [e.to_json() for e in ff.shape_varying_calls],
        "static_shape_reads": [e.to_json() for e in ff.static_shape_reads],
        "decision": decision,
        "decision_reasons": decision_reasons,
        "reasons": {
            "tensor_parameters": {n: f.reason for n, f in ff.tensor_parameters.items()},
            "primitive_parameters": {n: f.reason for n, f in ff.primitive_parameters.items()},
            "side_effects": ff.side_effects.reason,
            "recursive": ff.recursive.reason,
            "tensor_computation": ff.tensor_computation.reason,
            "eager_only_calls": ff.eager_only_calls.reason,
            "callers_covered": ff.callers_covered.reason,
            "called_in_loop": ff.called_in_loop.reason,
            "public": ff.public.reason,
        },
        "notes": list(ff.notes),
    }


def render_json(records: list[FunctionFacts]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "functions": [record(ff) for ff in records]}


def _tri(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def render_text(records: list[FunctionFacts]) -> str:
    from hybridize_bot.analysis.facts.preconditions import RECONFIGURE

    lines = []
    for ff in records:
        r = record(ff)
        tensors = "unknown" if r["tensor_parameters"] is None else (", ".join(
            f"{n} (speculative)" if n in r["speculative_parameters"] else n for n in r["tensor_parameters"]) or "none")
        prims = "unknown" if r["primitive_parameters"] is None else (", ".join(r["primitive_parameters"]) or "none")
        head = f"{ff.path}:{ff.line}: {ff.qualname}"
        flags = "hybrid" if ff.hybrid else ("in graph" if ff.in_graph else "eager")
        lines.append(f"{head} [{flags}]")
        lines.append(f"    tensor parameters: {tensors}; primitive parameters: {prims}")
        lines.append(f"    side effects: {_tri(r['side_effects'])} ({ff.side_effects.reason}); "
                     f"recursive: {_tri(r['recursive'])}; tensor computation: {_tri(r['tensor_computation'])}; "
                     f"callers covered: {_tri(r['callers_covered'])}")
        lines.append(f"    {ff.refactoring or 'no refactoring'}: {r['decision']}")
        if ff.refactoring == RECONFIGURE:
            for e in ff.shape_varying_calls[:3]:
                lines.append(f"      shape-varying call: {e.detail} ({e.location()})")
        for code, why in r["decision_reasons"].items():
            lines.append(f"      {code}: {why}" if why else f"      {code}")
    return "\n".join(lines) + ("\n" if lines else "")
