"""The `hybridize` command line: `check`, `rules`, `explain`, and subcommands contributed by other modules.

Exit status (ruff's convention): 0 no findings, 1 findings, 2 a usage error, an unusable configuration,
a missing path, or an internal error. User errors are one line on stderr, never a traceback.

Plug-in subcommands: each module named in `PLUGIN_MODULES` that imports defines

    def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser
    def run(args: argparse.Namespace) -> int

`add_parser` creates its subcommand with `subparsers.add_parser(NAME, help=...)`, may call
`add_workspace_options(parser)` to get the same PATH/--config/--select/--ignore options as `check`, and
returns the parser; `run` gets the parsed arguments (use `workspace_from_args(args)` to read the project)
and returns the exit status. Raising `UsageError`, `ConfigError` or `WorkspaceError` gives a one-line
message and exit 2. A plug-in module that is absent is skipped silently.
"""
from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from hybridize_bot.analysis import analyze
from hybridize_bot.analysis.config import ConfigError
from hybridize_bot.analysis.model import AnalysisResult, Finding, Note
from hybridize_bot.analysis.rules import all_rules, get_rule
from hybridize_bot.analysis.source import SourceFile, parse

from .files import Workspace, WorkspaceError
from .gitdiff import GitDiffError, changed_lines
from .options import (  # noqa: F401 (re-exported: plug-ins and tests use them through this module)
    EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, PROG, UsageError, add_cache_options, add_workspace_options,
    cache_from_args, workspace_from_args,
)
from .output import FORMATS, Report, renderer, tool_version
from .output.text import render_notes

PLUGIN_MODULES = ("hybridize_bot.cli.fix", "hybridize_bot.cli.facts")
Handler = Callable[[argparse.Namespace], int]


# --- check -------------------------------------------------------------------------------------------

def _add_check(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("check", help="report hybridization misuse",
                                   description="Report misuse of tf.function in Python files.")
    add_workspace_options(parser)
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--diff", metavar="GIT_REF",
                        help="only report findings on lines added or changed since GIT_REF (and untracked files)")
    parser.add_argument("--show-fixes", action="store_true", help="list the available fixes and their safety")
    parser.add_argument("--statistics", action="store_true", help="count findings per rule instead of listing them")
    parser.add_argument("-q", "--quiet", action="store_true", help="print findings only (no summary, no notes)")
    parser.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of stdout")
    add_cache_options(parser)
    return parser


def run_check(args: argparse.Namespace) -> int:
    workspace = workspace_from_args(args)
    # Resolve --diff before analyzing, so a bad revision fails fast. Only the changed files are checked,
    # over the modules their findings depend on (importers and what they import: pipeline/scope.py).
    changed = changed_lines(args.diff, workspace.root, [Path(p) for p in args.paths or ["."]]) if args.diff is not None else None
    touched = None if changed is None else sorted(changed.new_files | {p for p, lines in changed.lines.items() if lines})
    if _exits_without_teardown:
        # `check` analyzes once: its run's objects are kept to the exit instead of freed (15 ms on a warm
        # re-run). Not for `fix`, whose verifying re-analyses would each keep a whole project.
        from hybridize_bot.analysis.pipeline.run import keep_run_objects

        keep_run_objects()
    result = analyze(workspace.sources(), workspace.config, cache=cache_from_args(args), changed=touched)
    if _exits_without_teardown:
        # The run's objects are kept until the exit (`entry`): moved out of the collector's generations,
        # else its next pass (the first allocation after the run) scans all of them, a warm run's
        # snapshot included: 25 ms, more than not freeing them saved.
        gc.freeze()
    findings, notes = _requested_only(result, workspace)
    if changed is not None:
        findings = changed.filter(findings)
    files, lines = _counts(result, workspace)
    report = Report(root=workspace.root, findings=findings, notes=notes, files=files, lines=lines)

    if args.format == "text":
        out = renderer("text")(report, show_fixes=args.show_fixes, statistics=args.statistics, quiet=args.quiet)
        if not args.quiet:
            sys.stderr.write(render_notes(notes))
            if not workspace.python:
                print(f"{PROG}: warning: no Python files found", file=sys.stderr)
    else:
        out = renderer(args.format)(report)
    _emit(out, args.output_file)
    return EXIT_FINDINGS if findings else EXIT_OK


def _requested_only(result: AnalysisResult, workspace: Workspace) -> tuple[list[Finding], list[Note]]:
    """Drop what came from metadata-only files (a root setup.py read for the TF version)."""
    findings = [f for f in result.findings if f.path in workspace.python]
    notes = sorted(workspace.notes + [n for n in result.notes if n.path in workspace.python],
                   key=lambda n: (n.path, n.message))
    return findings, notes


def _counts(result: AnalysisResult, workspace: Workspace) -> tuple[int, int]:
    files, lines = result.files_analyzed, result.lines_analyzed
    for path, data in workspace.metadata.items():
        if path.endswith(".py") and path not in workspace.python and not workspace.config.is_excluded(path):
            # analyze_sources also parsed this metadata file; it is not part of what was asked for.
            parsed = parse(path, data)
            if isinstance(parsed, SourceFile):
                files -= 1
                lines -= len(parsed.lines)
    return files, lines


def _emit(text: str, output_file: str | None) -> None:
    if output_file:
        try:
            Path(output_file).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{output_file}: cannot write: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


# --- rules, explain ----------------------------------------------------------------------------------

def _add_rules(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("rules", help="list the rules")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser


def run_rules(args: argparse.Namespace) -> int:
    rules = all_rules()
    if args.format == "json":
        import json  # here: a `check` run does not need it

        doc = [{"code": r.code, "name": r.name, "severity": r.severity.value, "fix_safety": r.fix_safety.value,
                "summary": r.summary, "url": r.doc_url()} for r in rules]
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    rows = [("CODE", "NAME", "SEVERITY", "FIX", "SUMMARY")]
    rows += [(r.code, r.name, r.severity.value, r.fix_safety.value, r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        sys.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths, strict=True)) + "  " + row[4] + "\n")
    return EXIT_OK


def _add_explain(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("explain", help="show a rule's documentation")
    parser.add_argument("code", metavar="CODE", help="rule code (HYB001) or name (print-in-graph)")
    return parser


def run_explain(args: argparse.Namespace) -> int:
    rule = get_rule(args.code)
    if rule is None:
        raise UsageError(f"unknown rule '{args.code}' (see `{PROG} rules`)")
    sys.stdout.write(rule.doc())
    return EXIT_OK


# --- parser and entry point --------------------------------------------------------------------------

BUILTIN_COMMANDS: tuple[tuple[Callable[[argparse._SubParsersAction], argparse.ArgumentParser], Handler], ...] = (
    (_add_check, run_check),
    (_add_rules, run_rules),
    (_add_explain, run_explain),
)


def _plugins() -> list[tuple[Callable[[argparse._SubParsersAction], argparse.ArgumentParser], Handler]]:
    found = []
    for name in PLUGIN_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
                continue  # not written yet / not installed: the subcommand simply does not exist
            print(f"{PROG}: warning: subcommand module {name} could not be loaded: {exc}", file=sys.stderr)
            continue
        except ImportError as exc:
            print(f"{PROG}: warning: subcommand module {name} could not be loaded: {exc}", file=sys.stderr)
            continue
        found.append((module.add_parser, module.run))
    return found


class _VersionAction(argparse.Action):
    """argparse's "version" action with the version looked up only when asked for: `tool_version` reads the
    installed distributions' metadata (importlib.metadata, about 15-40 ms), which every run paid when
    the parser was built with the version string in it."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        sys.stdout.write(f"{PROG} {tool_version()}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Find misuse of TensorFlow tf.function (hybridization).")
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for add, handler in (*BUILTIN_COMMANDS, *_plugins()):
        sub = add(subparsers)
        sub.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 with argparse's usage message on bad arguments
    try:
        return int(args.handler(args))
    except (UsageError, WorkspaceError, GitDiffError) as exc:
        return _fail(str(exc))
    except ConfigError as exc:
        return _fail(f"configuration error: {exc}")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `hybridize check | head`: the reader went away; that is not an error of ours.
        # Point stdout at devnull so the interpreter's final flush does not raise again (Python docs,
        # "Note on SIGPIPE" in the signal module).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 (the last line of defence: one line, never a traceback)
        return _fail(f"internal error: {type(exc).__name__}: {exc}. This is a bug in {PROG}; please report it "
                     f"with the command line and, if you can, the file that triggered it.")


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_ERROR


# Set by `entry`: this process ends right after `main`, with `os._exit`.
_exits_without_teardown = False


def entry() -> NoReturn:
    """The `hybridize` command (console script, `python -m hybridize_bot.cli[.main]`): `main`, then an exit
    that frees nothing. A warm re-run's useful work is a few hundred milliseconds, and the interpreter's
    normal exit (clearing every module, freeing every object one by one) plus freeing the run's snapshot
    at the end of the analysis (`run_check`: `keep_run_objects`) added about a tenth to it; mypy exits
    the same way for the same reason. Only here, at the top of the process: `main` itself returns
    normally, for tests and for callers that go on."""
    global _exits_without_teardown
    _exits_without_teardown = True
    exit_now(main())


def exit_now(code: int) -> NoReturn:
    """Run the `atexit` handlers (logging's flush, multiprocessing's worker clean-up), flush stdout and
    stderr, and end the process with `code` without the interpreter's teardown (`os._exit`)."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:
            # The reader went away (`hybridize check | head`): not an error of ours, as in `main`.
            pass
        except (OSError, ValueError):
            # The output could not be written whole (a full disk, a closed stream): what the interpreter's
            # own exit does when its final flush fails (status 120), never a silent success.
            code = 120 if code == EXIT_OK else code
    os._exit(code)


if __name__ == "__main__":
    entry()
