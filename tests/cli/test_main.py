"""The entry point in-process: the last line of defence against tracebacks, and subcommand plug-ins."""
from __future__ import annotations

import argparse
import sys
import types

import pytest

from hybridize_bot.cli import main as cli

from .conftest import PRINT_IN_GRAPH


def test_internal_error_is_one_line_asking_for_a_report(project, monkeypatch, capsys) -> None:
    root = project({"a.py": PRINT_IN_GRAPH})
    monkeypatch.chdir(root)

    def explode(*args, **kwargs):
        raise RuntimeError("invariant broken")

    monkeypatch.setattr(cli, "analyze", explode)
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "internal error: RuntimeError: invariant broken" in err and "please report" in err


def test_plugin_subcommand_is_registered_and_run(monkeypatch, capsys) -> None:
    calls: list[argparse.Namespace] = []
    plugin = types.ModuleType("fake_plugin_cli")

    def add_parser(subparsers):
        parser = subparsers.add_parser("frob", help="a plug-in subcommand")
        cli.add_workspace_options(parser)
        parser.add_argument("--level", type=int, default=1)
        return parser

    def run(args):
        calls.append(args)
        return 7

    plugin.add_parser, plugin.run = add_parser, run
    monkeypatch.setitem(sys.modules, "fake_plugin_cli", plugin)
    monkeypatch.setattr(cli, "PLUGIN_MODULES", ("fake_plugin_cli", "no_such_module_xyz.cli"))
    assert cli.main(["frob", "src", "--level", "3", "--select", "HYB001"]) == 7
    assert calls[0].paths == ["src"] and calls[0].level == 3 and calls[0].select == ["HYB001"]
    assert capsys.readouterr().err == ""  # the absent module is skipped silently


def test_plugin_usage_error_is_exit_2(monkeypatch, capsys) -> None:
    plugin = types.ModuleType("fake_plugin_cli2")
    plugin.add_parser = lambda subparsers: subparsers.add_parser("boom")

    def run(args):
        raise cli.UsageError("nothing to fix")

    plugin.run = run
    monkeypatch.setitem(sys.modules, "fake_plugin_cli2", plugin)
    monkeypatch.setattr(cli, "PLUGIN_MODULES", ("fake_plugin_cli2",))
    assert cli.main(["boom"]) == 2
    assert capsys.readouterr().err == "hybridize: error: nothing to fix\n"


def test_broken_plugin_module_warns_but_check_still_works(project, monkeypatch, capsys) -> None:
    # A plug-in module that exists but fails on an import of its own is a bug worth a warning.
    import importlib

    real_import = importlib.import_module

    def fake_import(name, *args):
        if name == "broken_plugin_cli":
            raise ModuleNotFoundError("No module named 'libthing'", name="libthing")
        return real_import(name, *args)

    monkeypatch.setattr(cli.importlib, "import_module", fake_import)
    monkeypatch.setattr(cli, "PLUGIN_MODULES", ("broken_plugin_cli",))
    monkeypatch.chdir(project({"a.py": PRINT_IN_GRAPH}))
    assert cli.main(["check", "-q", "--select", "HYB001"]) == 1
    captured = capsys.readouterr()
    assert "subcommand module broken_plugin_cli could not be loaded" in captured.err
    assert captured.out.startswith("a.py:5:5: HYB001 ")


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.startswith("hybridize ")
