"""The rule registry: every `Rule` subclass defined in a module of this package, sorted by code.

Rules are discovered rather than listed so that adding a rule is adding one module (Fixit's model).
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from .base import Example, Invalid, ModuleContext, Rule, Valid

__all__ = ["Example", "Invalid", "ModuleContext", "Rule", "Valid", "all_rules", "get_rule"]


@lru_cache(maxsize=1)
def all_rules() -> tuple[type[Rule], ...]:
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and "code" in vars(obj):
                if obj.code in found and found[obj.code] is not obj:
                    raise RuntimeError(f"two rules claim {obj.code}: {found[obj.code].__name__}, {obj.__name__}")
                found[obj.code] = obj
    return tuple(found[c] for c in sorted(found))


def get_rule(code: str) -> type[Rule] | None:
    code = code.strip().upper()
    for rule in all_rules():
        if rule.code == code or rule.name == code.lower():
            return rule
    return None
