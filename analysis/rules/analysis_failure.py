"""HYB000 and HYB099: findings about the analysis itself (unparseable files, bad suppressions).

The engine produces these findings (a file that does not parse has no tree for a rule to look at);
the classes carry their documentation and examples like every other rule.
"""
from __future__ import annotations

from typing import Iterable

from ..model import Finding, Severity
from .base import Invalid, ModuleContext, Rule, Valid


class CouldNotAnalyze(Rule):
    code = "HYB000"
    name = "could-not-analyze"
    severity = Severity.ERROR
    summary = "The file could not be parsed, so none of its code was checked."
    what = """
        Reports a file the analyzer could not read: a syntax error, Python 2 code, bytes that do not
        decode in the declared encoding, null bytes, or code nested too deeply for the parser.
        The rest of the project is still analyzed.
    """
    why = """
        A file that cannot be parsed is a file whose hybridization hazards go unseen. Saying so keeps
        the result honest: "no findings" must not mean "not looked at".
    """
    example = """
        print "hello"   # Python 2
    """
    use_instead = """
        print("hello")
    """
    valid = (
        Valid("x = 1\n"),
        Valid("def f(x):\n    return x\n"),
        Valid("# -*- coding: latin-1 -*-\ns = 'caf\\xe9'\n"),
    )
    invalid = (
        Invalid('print "hello"\n', lines=(1,)),
        Invalid("def f(:\n    pass\n", lines=(1,)),
        Invalid("x = (" * 300 + "1" + ")" * 300 + "\n"),
        Invalid("x = 1\n\x00\n"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        return ()  # produced by the engine when parsing fails


class UnknownSuppression(Rule):
    code = "HYB099"
    name = "unknown-suppression-code"
    severity = Severity.WARNING
    summary = "A suppression comment names a rule that does not exist, so it suppresses nothing."
    what = "Reports a `# hybridize: ignore[...]` or `ignore-file[...]` comment naming an unknown rule code."
    why = """
        A typo in a suppression (`HYB01` vs `HYB001`, `HBY001`) silently suppresses nothing, or the wrong
        thing; the finding it was meant for shows up again later with no obvious cause.
    """
    example = """
        x = 1  # hybridize: ignore[HYB901]
    """
    use_instead = """
        x = 1  # hybridize: ignore[HYB001]
    """
    valid = (
        Valid("x = 1  # hybridize: ignore[HYB001]\n"),
        Valid("x = 1  # hybridize: ignore\n"),
        Valid("# hybridize: ignore-file[HYB0]\nx = 1\n"),
    )
    invalid = (
        Invalid("x = 1  # hybridize: ignore[HYB901]\n", lines=(1,)),
        Invalid("x = 1  # hybridize: ignore[HYB001, NOPE1]\n", lines=(1,)),
        Invalid("# hybridize: ignore-file[HYB777]\nx = 1\n", lines=(1,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        return ()  # produced by the engine from the parsed suppression comments
