"""Framework detection: TensorFlow rules stay off JAX/PyTorch modules and the reverse; `frameworks` restricts."""
from __future__ import annotations

import textwrap

import pytest

from hybridize_bot.analysis import analyze_sources
from hybridize_bot.analysis.config import ConfigError, config_from_table
from hybridize_bot.analysis.frameworks import frameworks_of_imports, rule_runs_on

# One module per framework, each with a print in traced code: HYB001 (TF), HYB101 (JAX), HYB201 (torch).
TF = """
    import tensorflow as tf

    @tf.function
    def step(x):
        print("x", x)
        return x
"""
JAX = """
    import jax

    @jax.jit
    def step(x):
        print("x", x)
        return x
"""
TORCH = """
    import torch

    @torch.compile
    def step(x):
        print("x", x)
        return x
"""


def _codes(sources: dict[str, str], table: dict | None = None) -> dict[str, list[str]]:
    files = {p: textwrap.dedent(s).lstrip().encode() for p, s in sources.items()}
    result = analyze_sources(files, config_from_table(table) if table else None)
    out: dict[str, list[str]] = {p: [] for p in sources}
    for f in result.findings:
        out[f.path].append(f.code)
    return out


def test_each_module_gets_only_its_frameworks_print_rule() -> None:
    assert _codes({"a_tf.py": TF, "b_jax.py": JAX, "c_torch.py": TORCH}) == {
        "a_tf.py": ["HYB001"], "b_jax.py": ["HYB101"], "c_torch.py": ["HYB201"],
    }


def test_frameworks_key_restricts_the_project() -> None:
    codes = _codes({"a_tf.py": TF, "b_jax.py": JAX, "c_torch.py": TORCH}, {"frameworks": ["jax"]})
    assert codes == {"a_tf.py": [], "b_jax.py": ["HYB101"], "c_torch.py": []}


def test_a_tensorflow_rule_does_not_report_in_a_module_of_another_framework() -> None:
    caller = """
        import tensorflow as tf
        from helpers import report

        @tf.function
        def step(x):
            report(x)
            return x
    """
    plain_helper = """
        def report(x):
            print(x)
    """
    # The same helper in a module that imports nothing is TensorFlow graph code (the control case) ...
    assert _codes({"train.py": caller, "helpers.py": plain_helper})["helpers.py"] == ["HYB001"]
    # ... but once it imports PyTorch, it is PyTorch code and TensorFlow's rules leave it alone.
    torch_helper = "import torch\n" + textwrap.dedent(plain_helper)
    assert _codes({"train.py": caller, "helpers.py": torch_helper})["helpers.py"] == []


def test_imports_name_the_frameworks() -> None:
    assert frameworks_of_imports(["flax.linen", "numpy", "optax"]) == {"jax"}
    assert frameworks_of_imports(["keras.layers", "torch.nn"]) == {"tensorflow", "torch"}
    assert frameworks_of_imports(["os", "numpy"]) == frozenset()


def test_a_module_importing_no_framework_gets_tensorflow_rules_unless_restricted() -> None:
    assert rule_runs_on("tensorflow", frozenset(), None)
    assert not rule_runs_on("tensorflow", frozenset(), ("jax",))
    assert not rule_runs_on("torch", frozenset(), None)  # module-local rules need the import
    assert not rule_runs_on("tensorflow", frozenset({"jax"}), None)
    assert rule_runs_on("jax", frozenset({"jax", "tensorflow"}), None)


def test_unknown_framework_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mxnet"):
        config_from_table({"frameworks": ["jax", "mxnet"]})
