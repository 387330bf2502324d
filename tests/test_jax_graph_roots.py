"""JAX graph roots: the spellings of jit/pmap/pjit found in real JAX code bases (issue 14).

Each test writes one root form with a `print` (HYB101) or a Python `if` on an argument (HYB104) in the
traced function, so a missed root shows as a missing finding.
"""
from __future__ import annotations

import textwrap

import pytest

from hybridize_bot.analysis import analyze_sources


def _lines(src: str, code: str) -> list[int]:
    files = {"pkg/train.py": textwrap.dedent(src).lstrip().encode()}
    return sorted(f.line for f in analyze_sources(files).findings if f.code == code)


ROOT_FORMS = {
    "pmap": """
        import jax

        def step(x):
            print(x)
            return x

        p_step = jax.pmap(step, axis_name="batch")
    """,
    "partial_pmap_decorator": """
        import functools

        import jax

        @functools.partial(jax.pmap, axis_name="batch")
        def step(x):
            print(x)
            return x
    """,
    "pjit": """
        from jax.experimental.pjit import pjit

        def step(x):
            print(x)
            return x

        sharded = pjit(step)
    """,
    "jax_src_api_jit": """
        from jax._src import api

        @api.jit
        def step(x):
            print(x)
            return x
    """,
    "bound_method": """
        import jax

        class Agent:
            def __init__(self):
                self._step = jax.jit(self.step)

            def step(self, x):
                print(x)
                return x
    """,
    "lambda_calling_helper": """
        import jax

        def helper(x):
            print(x)
            return x

        fast = jax.jit(lambda x: helper(x) * 2)
    """,
    "vmap_inside_jit": """
        import jax

        def step(x):
            print(x)
            return x

        fast = jax.jit(jax.vmap(step))
    """,
    "grad_inside_jit": """
        import jax

        def loss(x):
            print(x)
            return (x ** 2).sum()

        fast = jax.jit(jax.value_and_grad(loss))
    """,
    "callable_object": """
        import jax

        class Step:
            def __init__(self, scale):
                self.scale = scale

            def __call__(self, x):
                print(x)
                return x * self.scale

        fast = jax.jit(Step(2.0))
    """,
    "nnx_jit_decorator": """
        from flax import nnx

        @nnx.jit(donate_argnums=(0, 1))
        def train_step(model, optimizer, batch):
            print(batch)
            return batch
    """,
    "partial_nnx_jit_decorator": """
        from functools import partial

        from flax import nnx

        @partial(nnx.jit, donate_argnums=0)
        def train_step(state, batch):
            print(batch)
            return state
    """,
    "partial_inside_jit": """
        import functools

        import jax

        def step(x, scale):
            print(x)
            return x * scale

        fast = jax.jit(functools.partial(step, scale=2.0))
    """,
}


@pytest.mark.parametrize("form", sorted(ROOT_FORMS))
def test_root_form_is_found(form: str) -> None:
    src = ROOT_FORMS[form]
    expected = [n for n, line in enumerate(textwrap.dedent(src).lstrip().splitlines(), 1) if "print(" in line]
    assert _lines(src, "HYB101") == expected


def test_function_of_another_module_is_not_a_root() -> None:
    # Roots are module-local (analysis/rules/_compiled.py): `env.step` is another module's function.
    assert _lines("""
        import jax
        from pkg import env

        fast = jax.jit(jax.vmap(env.step))

        def eager(x):
            print(x)
    """, "HYB101") == []


def test_partial_bound_argument_is_static() -> None:
    # `partial(step, 3)` fixes `n` to a Python value: `if n > 0` is fine; `if x > 0` tests a tracer.
    assert _lines("""
        import functools

        import jax

        def step(n, x):
            if n > 0:
                x = x * n
            if x > 0:
                return x
            return -x

        fast = jax.jit(functools.partial(step, 3))
    """, "HYB104") == [8]


def test_partial_keeps_static_argnums_relative_to_the_remaining_parameters() -> None:
    # After `partial(step, 3)` the caller passes (x, mode): static_argnums=1 is `mode`, not `x`.
    assert _lines("""
        import functools

        import jax

        def step(n, x, mode):
            if mode > 0:
                return x
            if x > 0:
                return x
            return -x

        fast = jax.jit(functools.partial(step, 3), static_argnums=1)
    """, "HYB104") == [8]


def test_pmap_static_broadcasted_argnums() -> None:
    assert _lines("""
        import functools

        import jax

        @functools.partial(jax.pmap, static_broadcasted_argnums=1)
        def step(x, training):
            if training:
                x = x * 2
            if x > 0:
                return x
            return -x
    """, "HYB104") == [9]


def test_bound_method_self_is_not_traced_and_argnums_skip_it() -> None:
    assert _lines("""
        import jax

        class Agent:
            def __init__(self):
                self._act = jax.jit(self.act, static_argnums=0)

            def act(self, greedy, x):
                if greedy:
                    return x
                if x > 0:
                    return x
                return -x
    """, "HYB104") == [10]


def test_a_library_jit_is_named_in_the_message() -> None:
    files = {"pkg/train.py": textwrap.dedent("""
        from flax import nnx

        def log(x):
            print(x)

        @nnx.jit
        def train_step(model, x):
            log(x)
            return x
    """).lstrip().encode()}
    [finding] = [f for f in analyze_sources(files).findings if f.code == "HYB101"]
    assert finding.line == 4
    assert "(reached from flax.nnx.jit `train_step` at line 7 via train_step -> log)" in finding.message
