"""The declared type of a receiver: a parameter's annotation, or the annotation of the `__init__`
parameter a `self.attr` was stored from.

Rules that guess a receiver's library from its name (`model.predict` looks like Keras) ask this first:
a receiver declared as some other class is not a Keras model, whatever it is called (issue 10, trieste's
`self._model: ProbabilisticModel` whose `predict` is a GPflow-style pure TensorFlow method).
"""
from __future__ import annotations

import ast

from ..summary import ClassInfo, FunctionInfo
from .base import ModuleContext

# Annotations that say nothing about the value's class.
_UNINFORMATIVE = frozenset({"typing.Any", "builtins.object", "object", "Any"})
_KERAS_PREFIXES = ("keras.", "tensorflow.keras.", "tf_keras.", "tensorflow.python.keras.")


def _annotation_of_param(fn: FunctionInfo, name: str) -> ast.expr | None:
    args = fn.node.args
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
        if arg.arg == name:
            return arg.annotation
    return None


def _declared_name(fn: FunctionInfo, name: str) -> ast.expr | None:
    """The annotation of parameter `name` of `fn` or of a function enclosing it (closures)."""
    scope: FunctionInfo | None = fn
    while scope is not None:
        if name in scope.params:
            return _annotation_of_param(scope, name)
        scope = scope.parent
    return None


def _declared_self_attr(ctx: ModuleContext, fn: FunctionInfo, attr: str) -> ast.expr | None:
    """The annotation of `self.attr`: `self.attr: T = ...`, or `self.attr = param` with `param: T`, in the
    class or its project base classes (an inherited `__init__`)."""
    method = fn
    while method.parent is not None:
        method = method.parent
    todo, seen = [method.cls] if method.cls is not None else [], set()
    while todo:
        cls = todo.pop(0)
        if cls is None or id(cls) in seen:
            continue
        seen.add(id(cls))
        for other in cls.methods.values():
            for node in ast.walk(other.node):
                if isinstance(node, ast.AnnAssign) and _is_self_attr(node.target, attr):
                    return node.annotation
                if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Name)
                        and any(_is_self_attr(t, attr) for t in node.targets)):
                    ann = _annotation_of_param(other, node.value.id)
                    if ann is not None:
                        return ann
        for base in cls.bases:
            found = ctx.project.lookup_qualified(base) if base else None
            if isinstance(found, ClassInfo):
                todo.append(found)
    return None


def _is_self_attr(target: ast.expr, attr: str) -> bool:
    return (isinstance(target, ast.Attribute) and target.attr == attr
            and isinstance(target.value, ast.Name) and target.value.id == "self")


def declared_type(ctx: ModuleContext, fn: FunctionInfo, receiver: ast.expr) -> str | None:
    """The qualified name the receiver is declared as (`Optional[T]` gives T), None when undeclared."""
    if isinstance(receiver, ast.Name):
        ann = _declared_name(fn, receiver.id)
    elif isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name) and receiver.value.id == "self":
        ann = _declared_self_attr(ctx, fn, receiver.attr)
    else:
        return None
    if isinstance(ann, ast.Subscript) and ctx.qualify(ann.value) in ("typing.Optional",):
        ann = ann.slice
    if ann is None or not isinstance(ann, (ast.Name, ast.Attribute)):
        return None
    qual = ctx.qualify(ann) or ast.unparse(ann)
    return None if qual in _UNINFORMATIVE else qual


def declared_not_keras(ctx: ModuleContext, fn: FunctionInfo, receiver: ast.expr) -> bool:
    """The receiver is declared as a class that is not a Keras model or layer."""
    qual = declared_type(ctx, fn, receiver)
    if qual is None or qual.startswith(_KERAS_PREFIXES):
        return False
    pf = ctx.project.facts.pf
    found = pf.lookup(qual)
    if found is not None and found[0] == "class":
        return not pf.is_keras((found[1], found[2]))
    return True
