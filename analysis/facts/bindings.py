"""Bindings and writes of one function body (`Bindings`, a part of `FunctionWalker`): the kinds of the
names it binds, the instances, aliases and `self` attributes it makes, and the stores it does, which
`finish_effects` turns into side effects on `self`, a parameter or a global once the whole body is seen."""
from __future__ import annotations

import ast
from typing import Any

from ..summary import FunctionInfo
from .fact_kinds import DATASET, LIT_SEQ, LOOP_VARYING, NUMPY, OTHER, TENSOR, merge_kinds
from .kind_inference import KindInference
from .refs import ref_of, ref_text


class Bindings(KindInference):
    """Fills `kinds`, `stores`, `inst`, `aliases`, `self_attrs`, `pending` writes and, through
    `finish_effects`, the write effects in `effects`."""

    info: FunctionInfo | None
    globals: set[str]
    nonlocals: set[str]
    effects: list[tuple]
    pending: list[tuple[str, str, int, str]]
    inst: dict[str, tuple]
    aliases: dict[str, tuple]
    self_attrs: dict[str, tuple]

    # ---- bindings ---------------------------------------------------------------------------------
    def store_name(self, node: ast.Name) -> None:
        name = node.id
        if name in self.globals:
            self.effects.append(("global-write", "global", node.lineno, name))
        elif name in self.nonlocals:
            self.effects.append(("nonlocal-write", "global", node.lineno, name))
        self.stores.add(name)

    def assign(self, target: ast.AST, value_kind: Any, value: ast.AST, line: int) -> None:
        if isinstance(target, ast.Name):
            name = target.id
            self.kinds[name] = merge_kinds(self.kinds.get(name), value_kind)
            if isinstance(value, ast.Call):
                ref = ref_of(value.func)
                if ref is not None and value_kind == ("r", ref):
                    self.inst[name] = ref
            elif isinstance(value, (ast.Name, ast.Attribute)):
                ref = ref_of(value)
                if ref is not None:
                    self.aliases[name] = ref
        elif isinstance(target, (ast.Tuple, ast.List)):
            element = value_kind if value_kind in (TENSOR, NUMPY) else OTHER
            for elt in target.elts:
                self.assign(elt.value if isinstance(elt, ast.Starred) else elt, element, value, line)
        elif isinstance(target, ast.Attribute):
            if (self.self_name is not None and isinstance(target.value, ast.Name)
                    and target.value.id == self.self_name and isinstance(value, ast.Call)):
                ref = ref_of(value.func)
                if ref is not None:
                    self.self_attrs[target.attr] = ref
            self.store_target(target, line)
        elif isinstance(target, ast.Subscript):
            self.store_target(target, line)

    def store_target(self, target: ast.AST, line: int) -> None:
        kind = "attr-write" if isinstance(target, ast.Attribute) else "item-write"
        root = target
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        if isinstance(root, ast.Name):
            self.pending.append((kind, root.id, line, ref_text(target)))
        elif isinstance(target, ast.Name):
            self.store_name(target)

    def loop_target(self, target: ast.AST, iterable: ast.AST) -> None:
        element: Any = OTHER
        index_target: ast.AST | None = None
        if isinstance(iterable, ast.Call):
            qual = self.qualify(iterable.func)
            if qual == "builtins.range":
                element = LOOP_VARYING
            elif qual == "builtins.enumerate" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
                index_target, target = target.elts
                inner = self.kind(iterable.args[0]) if iterable.args else OTHER
                element = TENSOR if inner in (TENSOR, DATASET) else (
                    inner if isinstance(inner, tuple) and inner[0] == "p" else OTHER)
            else:
                inner = self.kind(iterable)
                element = TENSOR if inner in (TENSOR, DATASET) else OTHER
        else:
            inner = self.kind(iterable)
            if inner in (TENSOR, DATASET):
                element = TENSOR
            elif inner == LIT_SEQ:
                element = LOOP_VARYING
        if index_target is not None:
            self.assign(index_target, LOOP_VARYING, iterable, 0)
        self.assign(target, element, iterable, 0)

    # ---- side effects of the writes ---------------------------------------------------------------
    def finish_effects(self) -> None:
        exempt_self = (self.info is not None and self.info.name == "build" and self.info.cls is not None)
        for kind, root, line, detail in self.pending:
            if root == self.self_name and self.self_name is not None:
                if exempt_self:
                    continue  # Keras lazy weight creation in build() (runs once, by design)
                self.effects.append((kind, "self", line, detail))
                continue
            k = self.kinds.get(root)
            if root in self.kinds and not (isinstance(k, tuple) and k[0] == "p"):
                continue  # an object this function made or got from a call: local
            if isinstance(k, tuple) and k[0] == "p":
                self.effects.append((kind, "p:" + k[1], line, detail))
            elif root in self.param_set:
                self.effects.append((kind, "p:" + root, line, detail))
            elif root in self.stores and root not in self.globals:
                continue
            else:
                self.effects.append((kind, "global", line, detail))
