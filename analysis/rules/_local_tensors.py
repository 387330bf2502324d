"""A function-local guess of which names hold tensors, for rules that only need a local answer.

Seeds: parameters of a hybrid root (TensorFlow converts tensor arguments to symbolic tensors; Python
scalar defaults like `training=False` are excluded). What other expressions are (tensor, Python value,
unknown) is decided by `facts.value_kinds` from the API table `facts.api_kinds`.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Iterable

from ..facts.api_kinds import TENSOR_LIKE, call_kind
from ..facts.value_kinds import LocalKinds
from .base import ModuleContext

if TYPE_CHECKING:
    from ..body import FunctionBody

_PY_CONSTANT_DEFAULT = (bool, int, float, str, bytes, type(None))


# Annotations that say "a Python container" (`tuple[...]`, `list`, `Sequence[...]`, `Mapping`): TensorFlow
# passes such an argument as the container itself (of tensors), not as one tensor.
_CONTAINER_TYPES = frozenset({"tuple", "list", "dict", "set", "frozenset", "Tuple", "List", "Dict", "Set",
                              "FrozenSet", "Sequence", "MutableSequence", "Mapping", "MutableMapping",
                              "Iterable", "Collection", "OrderedDict", "NamedTuple"})


def container_aliases(tree: ast.Module) -> set[str]:
    """Module-level type aliases of a Python container (`ModelWeights = tuple[WeightStruct, WeightStruct]`)."""
    return {st.targets[0].id for st in tree.body
            if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name)
            and isinstance(st.value, ast.Subscript) and _container_annotation(st.value, set())}


def _container_annotation(annotation: ast.expr | None, aliases: set[str]) -> bool:
    node = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
    return name is not None and (name in _CONTAINER_TYPES or name in aliases)


def root_tensor_params(fn: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, is_method: bool,
                       aliases: set[str] = frozenset()) -> set[str]:
    """Parameters of a hybrid root taken for tensors: not `self`, not those with a Python scalar or
    collection default, not those annotated as a Python container (or one of the module's `aliases` of one)."""
    args = fn.args
    positional = args.posonlyargs + args.args
    names = [a.arg for a in positional]
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    out = set()
    for i, (name, default) in enumerate(zip(names, defaults)):
        if i == 0 and is_method and name in ("self", "cls"):
            continue
        if _container_annotation(positional[i].annotation, aliases):
            continue
        if isinstance(default, ast.Constant) and isinstance(default.value, _PY_CONSTANT_DEFAULT):
            continue
        if isinstance(default, (ast.Tuple, ast.List, ast.Dict, ast.Set)):
            continue  # a Python collection default: the parameter is configuration, not data
        out.add(name)
    return out


def is_tf_call(ctx: ModuleContext, node: ast.AST) -> bool:
    """A TensorFlow call that returns a tensor or variable (api_kinds decides; `tf.print` and
    `tf.nest.flatten` do not)."""
    if not isinstance(node, ast.Call):
        return False
    q = ctx.qualify(node.func)
    return q is not None and q.startswith("tensorflow.") and call_kind(q) in TENSOR_LIKE


def uses_tensor(ctx: ModuleContext, expr: ast.AST, tensors: "set[str] | LocalKinds") -> bool:
    """Whether an expression's value is a tensor, given the known tensor names (or a body's kinds)."""
    kinds = tensors if isinstance(tensors, LocalKinds) else LocalKinds(ctx.qualify, tensors)
    return kinds.is_tensor(expr)


def body_kinds(ctx: ModuleContext, body: "FunctionBody", seeds: Iterable[str] = ()) -> LocalKinds:
    """The kinds of the body's names: seeds plus names assigned from tensor- or Python-valued expressions.

    Computed once per body and seeds and shared by the rules that ask (HYB001, HYB013, HYB015, HYB016 and
    HYB018 need it for the same graph functions); callers only read the result."""
    frozen = frozenset(seeds)
    return ctx.shared(("local-kinds", id(body), frozen), lambda: LocalKinds.of(ctx.qualify, body.nodes, frozen))
