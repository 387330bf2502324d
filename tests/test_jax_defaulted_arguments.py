"""HYB104/HYB108 and the defaulted parameters of a jitted function: code under `if p is None:` is traced only
when a call of the jitted function leaves `p` None (P7-jaxmore), and a defaulted argument a call passes is
traced (fedjax). Calls read across modules for a decorated function. Lines written by hand."""
from __future__ import annotations

from hybridize_bot.analysis import analyze_sources

from tests.facts.helpers import files

JITTED = """
    import jax
    import numpy as np

    @jax.jit
    def step(x, limit, mask=None):
        if mask is not None:
            return x * mask
        else:
            if limit > 0:
                return np.asarray(x)
        return x
"""


def findings(caller: str) -> list[tuple[str, int, str]]:
    result = analyze_sources(files({"pkg/__init__.py": "", "pkg/ops.py": JITTED, "pkg/use.py": caller}))
    return sorted((f.path, f.line, f.code) for f in result.findings if f.code in ("HYB104", "HYB108"))


def test_calls_from_another_module_that_always_pass_the_argument_leave_the_none_branch_untraced() -> None:
    assert findings("""
        from pkg.ops import step

        def run(x, m):
            return step(x, 1.0, m), step(x, 2.0, mask=m)
    """) == []


def test_a_call_from_another_module_that_omits_the_argument_traces_the_none_branch() -> None:
    assert findings("""
        from pkg.ops import step

        def run(x, m):
            return step(x, 1.0, m), step(x, 2.0)
    """) == [("pkg/ops.py", 9, "HYB104"), ("pkg/ops.py", 10, "HYB108")]


def test_a_call_that_passes_none_traces_the_none_branch() -> None:
    assert findings("""
        from pkg.ops import step

        def run(x):
            return step(x, 1.0, mask=None)
    """) == [("pkg/ops.py", 9, "HYB104"), ("pkg/ops.py", 10, "HYB108")]


DEFAULTED = """
    import jax
    import jax.numpy as jnp

    @jax.jit
    def transform(x, small_n=2 ** 7):
        if small_n <= 1:
            raise ValueError(small_n)
        return jnp.cumsum(x)
"""


def defaulted_findings(caller: str) -> list[tuple[str, int, str]]:
    result = analyze_sources(files({"pkg/__init__.py": "", "pkg/wh.py": DEFAULTED, "pkg/wh_test.py": caller}))
    return sorted((f.path, f.line, f.code) for f in result.findings if f.code in ("HYB104", "HYB108"))


def test_a_defaulted_argument_another_module_passes_to_the_jitted_function_is_traced() -> None:
    """fedjax's walsh_hadamard_transform (the recall miss of bench/precision/jax_sites.csv)."""
    assert defaulted_findings("""
        from pkg import wh

        def check(x, small_n):
            return wh.transform(x, small_n)
    """) == [("pkg/wh.py", 6, "HYB104")]


def test_a_defaulted_argument_every_call_omits_stays_a_python_value() -> None:
    assert defaulted_findings("""
        from pkg import wh

        def check(x):
            return wh.transform(x)
    """) == []
