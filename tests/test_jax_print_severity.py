"""HYB101 reports output in jitted code only where it shows a traced value (issue 14: JaxMARL's and
paxml's findings), and follows traced values along call chains."""
from __future__ import annotations

import textwrap

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.model import Severity


def _found(source: str) -> list[tuple[int, Severity]]:
    files = {"env.py": textwrap.dedent(source).lstrip().encode()}
    return sorted((f.line, f.severity) for f in analyze_sources(files).findings if f.code == "HYB101")


def test_only_output_that_shows_a_traced_value_is_reported() -> None:
    assert _found("""
        import jax
        import jax.numpy as jnp

        @jax.jit
        def step(x):
            print("sampling")
            print("shape", x.shape, x.ndim, len(x))
            print("x", x)
            print("JITTING step")
            print(" ** WARNING ** step is deprecated")
            print("tracing step with", x)
            print("zeros", jnp.zeros(2))
            print(f"mean {x.mean()}")
            print("text " + str(x))
            print("shapes", jax.tree.map(jnp.shape, {"x": x}))
            print("rows", jax.tree.map(lambda v: v[0], {"x": x}))
            return x
    """) == [(8, Severity.WARNING), (11, Severity.INFO), (12, Severity.WARNING), (13, Severity.WARNING),
             (14, Severity.WARNING), (16, Severity.WARNING)]


def test_call_chain_gives_a_parameter_traced_values_only_where_a_call_site_passes_one() -> None:
    assert _found("""
        import jax

        def leaf(label, value):
            print(label, value)

        def middle(config, x):
            print("config", config)
            leaf("x", x)
            leaf("config", config)

        def other(n):
            print("n", n)

        @jax.jit
        def step(x):
            middle({"scale": 2}, x)
            other(x.shape[0])
            return x
    """) == [(4, Severity.WARNING)]


def test_static_argument_stays_static_along_the_chain_and_defaults_left_out_are_constants() -> None:
    assert _found("""
        from functools import partial

        import jax

        def helper(x, n, verbose=False):
            print("n", n, "verbose", verbose)
            print("x", x)

        @partial(jax.jit, static_argnames="n")
        def step(x, n):
            helper(x, n)
            return x
    """) == [(7, Severity.WARNING)]


def test_function_handed_on_without_a_call_site_keeps_every_parameter_traced() -> None:
    assert _found("""
        import jax

        def body(carry):
            print("carry", carry)
            return carry

        @jax.jit
        def step(x):
            return jax.lax.while_loop(lambda c: c < 3, body, 0)
    """) == [(4, Severity.WARNING)]


def test_nested_function_reads_the_enclosing_traced_locals() -> None:
    assert _found("""
        import jax

        @jax.jit
        def step(x):
            y = x * 2
            size = x.shape

            def show():
                print("y", y)
                print("size", size)

            show()
            return y
    """) == [(9, Severity.WARNING)]
