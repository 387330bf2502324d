"""Facts computed once per module and shared between rules (issue 11: a rule must not re-walk what another
already walked), and the pre-filters that skip a walk: they must not lose a finding."""
from __future__ import annotations

import textwrap

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.pipeline.checking import make_rules
from hybridize_bot.analysis.project import Project
from hybridize_bot.analysis.rules.base import ModuleContext
from hybridize_bot.analysis.source import parse
from hybridize_bot.analysis.summary import build_summary


def _lines(code: str, source: str) -> list[int]:
    result = analyze_sources({"m.py": textwrap.dedent(source).lstrip("\n").encode()})
    return [f.line for f in result.findings if f.code == code]


def test_partial_of_tf_function_under_an_alias_inside_a_class_is_reported() -> None:
    # The pre-filter looks for the word `partial` or a local alias of functools.partial (`P`), and walks
    # only the top-level statements whose lines hold it: here a class body.
    assert _lines("HYB010", """
        from functools import partial as P
        import tensorflow as tf


        class Trainer:
            fast = P(tf.function, experimental_relax_shapes=True)

            def step(self, x):
                return x
    """) == [6]
    assert _lines("HYB011", """
        import functools as ft
        import tensorflow as tf

        compiled = ft.partial(
            tf.function,
            experimental_compile=True,
        )
    """) == [6]


def test_a_partial_that_is_not_functools_partial_is_not_reported() -> None:
    assert _lines("HYB010", """
        import tensorflow as tf


        def partial(fn, **kwargs):
            return fn


        fast = partial(tf.function, experimental_relax_shapes=True)
    """) == []


def test_a_shared_fact_is_computed_once_per_module() -> None:
    source = parse("m.py", b"x = 1\n")
    summary = build_summary(source, "m")  # type: ignore[arg-type]
    ctx = ModuleContext(Project([summary]), summary, Config())
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return 42

    assert ctx.shared(("answer", 1), compute) == 42
    assert ctx.shared(("answer", 1), compute) == 42
    assert calls == [1]
    assert ctx.shared(("answer", 2), compute) == 42  # another key: computed again
    assert calls == [1, 1]


def test_rules_leave_no_memo_on_the_module_summary() -> None:
    # A bot worker keeps module summaries across checks (warm runs), so a rule's memo set on the summary
    # would outlive the check that computed it (a different configuration or project around the same
    # module); per-check facts go through ModuleContext.shared. Every rule runs on a module that makes
    # the JAX, PyTorch and TensorFlow rules walk it; the summary's attributes must be what building it set.
    source = parse("m.py", textwrap.dedent("""
        import logging
        import jax
        import jax.numpy as jnp
        import tensorflow as tf
        import torch

        log = logging.getLogger(__name__)
        seen = []
        scale = 1.0


        def grow():
            global scale
            scale = 2.0


        @jax.jit
        def step(x):
            seen.append(x)
            log.info("step")
            return jnp.sum(x) * scale


        fast = jax.jit(lambda x: x + 1)


        class Net(torch.nn.Module):
            def forward(self, x):
                print(x.item())
                return x


        compiled = torch.compile(Net())


        @tf.function
        def tf_step(x):
            print(x)
            for i in range(3):
                f = tf.function(lambda y: y)
            return x * scale
    """).encode())
    summary = build_summary(source, "m")  # type: ignore[arg-type]
    before = set(vars(summary))
    project = Project([summary])
    ctx = ModuleContext(project, summary, Config())
    found = [f.code for rule in make_rules() for f in rule.check(ctx)]
    assert "HYB103" in found and "HYB201" in found  # the JAX and PyTorch rules did walk the module
    # The fact extractor's name-qualification memo depends on the module's own imports only (the same for
    # every check of this text): the one attribute allowed to appear.
    assert set(vars(summary)) - before - {"_facts_qcache"} == set()
