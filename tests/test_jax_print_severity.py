"""HYB101's severity and message by what a print in jitted code shows (issue 14, JaxMARL's findings)."""
from __future__ import annotations

import textwrap

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.model import Severity

SOURCE = """
    import jax

    @jax.jit
    def step(x):
        print("sampling")
        print("shape", x.shape)
        print("x", x)
        print("JITTING step")
        print(" ** WARNING ** step is deprecated")
        return x
"""


def test_output_of_no_traced_value_is_info_and_does_not_claim_tracers() -> None:
    files = {"env.py": textwrap.dedent(SOURCE).lstrip().encode()}
    found = sorted((f.line, f.severity, "sees tracers" in f.message)
                   for f in analyze_sources(files).findings if f.code == "HYB101")
    assert found == [(5, Severity.INFO, False), (6, Severity.INFO, False), (7, Severity.WARNING, True)]
