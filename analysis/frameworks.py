"""Which tracing framework a module is written for: TensorFlow, JAX or PyTorch.

Every rule belongs to one framework (`Rule.framework`). A rule runs on a module only when the module
imports that framework, or, for TensorFlow rules, imports none of the three (a helper module reached
from graph code elsewhere: there the rules' own graph-context tests decide). JAX and PyTorch rules look
only at what the module itself compiles, so they need the import. So a TensorFlow rule never reports on a module that
imports only `torch`, and a JAX rule never reports on a TensorFlow module. `[tool.hybridize] frameworks
= [...]` restricts the whole run to the frameworks listed.
"""
from __future__ import annotations

from typing import Iterable

TENSORFLOW = "tensorflow"
JAX = "jax"
TORCH = "torch"
FRAMEWORKS = (TENSORFLOW, JAX, TORCH)

# Top-level import names that mean "this module is written for that framework". Libraries built on a
# framework count as it: flax/optax/equinox/haiku code is JAX code, Lightning code is PyTorch code.
_IMPORT_ROOTS: dict[str, str] = {
    "tensorflow": TENSORFLOW, "keras": TENSORFLOW, "tf_keras": TENSORFLOW, "tensorflow_probability": TENSORFLOW,
    "jax": JAX, "jaxlib": JAX, "flax": JAX, "optax": JAX, "equinox": JAX, "haiku": JAX, "chex": JAX,
    "torch": TORCH, "torchvision": TORCH, "torchaudio": TORCH, "lightning": TORCH,
    "pytorch_lightning": TORCH, "timm": TORCH,
}


def frameworks_of_imports(qualified_names: Iterable[str]) -> frozenset[str]:
    """The frameworks named by a module's imports (the qualified names its import table binds)."""
    found = set()
    for name in qualified_names:
        framework = _IMPORT_ROOTS.get(name.split(".", 1)[0])
        if framework is not None:
            found.add(framework)
    return frozenset(found)


# The JAX and PyTorch rules look only at what a module itself compiles (analysis/rules/_compiled.py),
# which needs the module to import the framework; TensorFlow's graph context crosses modules.
MODULE_LOCAL = frozenset({JAX, TORCH})


def rule_runs_on(rule_framework: str, module_frameworks: frozenset[str],
                 configured: tuple[str, ...] | None) -> bool:
    """Whether a rule of `rule_framework` runs on a module importing `module_frameworks`."""
    if configured is not None and rule_framework not in configured:
        return False
    if rule_framework in module_frameworks:
        return True
    return not module_frameworks and rule_framework not in MODULE_LOCAL
