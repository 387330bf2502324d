"""Resolving the names a module uses to qualified names (`tf.function` -> `tensorflow.function`).

Only what a module binds by `import` counts as TensorFlow: a local file `tf.py` imported as `import tf`
resolves to the project module `tf`, and a user function named `function` resolves to that function.
"""
from __future__ import annotations

import ast
import builtins
import re
from dataclasses import dataclass, field

_BUILTINS = frozenset(dir(builtins))

# TensorFlow exposes the same objects under several module paths. Normalizing them lets one rule
# table serve all spellings. `tensorflow.compat.v2` is TF2's API itself; `tf.keras` is Keras.
_PREFIX_ALIASES: tuple[tuple[str, str], ...] = (
    ("tensorflow.compat.v2.", "tensorflow."),
    ("tensorflow._api.v2.", "tensorflow."),
    ("tensorflow.keras.", "keras."),
    ("tensorflow.python.keras.", "keras."),
    ("tf_keras.", "keras."),
    ("keras.src.", "keras."),
    ("keras.api.", "keras."),
    ("tensorflow.python.eager.def_function.", "tensorflow."),
    ("tensorflow.python.eager.polymorphic_function.polymorphic_function.", "tensorflow."),
)
_EXACT_ALIASES = {"tensorflow.compat.v2": "tensorflow", "tensorflow.keras": "keras", "tf_keras": "keras"}

# Every spelling of tf.function after normalization.
TF_FUNCTION = frozenset({"tensorflow.function", "tensorflow.compat.v1.function"})


# `from .tensorflow_wrapper import tf`: projects that pin or patch TensorFlow in one module and import
# it from there everywhere else (the mining study's misses, issue 11). The name `tf` (or `tensorflow`)
# taken from a module of the project itself, or from a module named for TensorFlow, is TensorFlow.
_TF_NAMES = frozenset({"tf", "tensorflow"})
_TF_MODULE_WORD = re.compile(r"(^|_)(tf|tensorflow|tf2)(_|$)", re.I)


def _is_project_wrapper(module: str, source: str, level: int) -> bool:
    if not source or source.split(".", 1)[0] in ("tensorflow", "keras", "tf_keras"):
        return False  # TensorFlow's own modules are qualified as they are
    if level > 0 or (module and source.split(".", 1)[0] == module.split(".", 1)[0]):
        return True
    return bool(_TF_MODULE_WORD.search(source.rsplit(".", 1)[-1]))


def normalize(qualname: str) -> str:
    if qualname in _EXACT_ALIASES:
        return _EXACT_ALIASES[qualname]
    for prefix, replacement in _PREFIX_ALIASES:
        if qualname.startswith(prefix):
            return replacement + qualname[len(prefix) :]
    return qualname


@dataclass
class ImportTable:
    """Local name -> qualified name, for one module.

    `module` is this module's dotted name (for relative imports and for its own definitions).
    """

    module: str
    is_package: bool = False
    names: dict[str, str] = field(default_factory=dict)
    star_modules: list[str] = field(default_factory=list)

    def add_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self.names[alias.asname] = normalize(alias.name)
                else:
                    # `import a.b.c` binds `a`.
                    top = alias.name.split(".", 1)[0]
                    self.names[top] = normalize(top)
            return
        base = self.resolve_from(node.module, node.level)
        for alias in node.names:
            if alias.name == "*":
                self.star_modules.append(normalize(base))
                continue
            target = f"{base}.{alias.name}" if base else alias.name
            if alias.name in _TF_NAMES and _is_project_wrapper(self.module, base, node.level):
                target = "tensorflow"
            self.names[alias.asname or alias.name] = normalize(target)

    def resolve_from(self, module: str | None, level: int) -> str:
        if level == 0:
            return module or ""
        parts = self.module.split(".") if self.module else []
        # A package's own name is its __init__ module; `from . import x` inside it stays in the package.
        drop = level - 1 if self.is_package else level
        base = parts[: len(parts) - drop] if drop <= len(parts) else []
        if module:
            base = base + module.split(".")
        return ".".join(base)

    def bind_local(self, name: str) -> None:
        """A module-level def/class/assignment shadows an earlier import of the same name."""
        self.names[name] = f"{self.module}.{name}" if self.module else name

    def qualify_name(self, name: str) -> str | None:
        target = self.names.get(name)
        if target is not None:
            return target
        for star in self.star_modules:
            # We cannot list what a star import brings; TensorFlow's namespace is the case that matters.
            if star == "tensorflow" or star.startswith("tensorflow."):
                return f"{star}.{name}"
        if name in _BUILTINS:
            return f"builtins.{name}"
        return None

    def qualify(self, node: ast.AST) -> str | None:
        """Qualified name of a `Name`/`Attribute` chain, or None when its root is not an import."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        base = self.qualify_name(node.id)
        if base is None:
            return None
        if not parts:
            return base
        return normalize(base + "." + ".".join(reversed(parts)))
