"""HYB004's refactoring decision (pure `ast`, no libcst): may `v = tf.Variable(init)` in graph code move to
where it runs once, and where to?

The statement creates a fresh variable on every call. Moving the creation to `__init__` (methods) or
to module level (module-level functions) and reading that one variable instead keeps what the function
computes exactly when (the preconditions, each a fact the refactoring's reason lists):

1. the statement is `name = <constructor>(...)`, directly in the function's body (not under a loop, a
   condition, `with` or `try`), and the only binding of `name` in the function;
2. the initial value reads nothing from the call: no parameter, no local, no `self` — only names
   bound at module level before the function (or builtins) — and draws no random numbers (a fresh
   variable per call would get fresh values);
3. the function never changes the variable nor hands it out: every use of `name` is an operand of
   arithmetic or a comparison, an argument of a TensorFlow op that does not assign, or a read
   (`.read_value()`, `.value()`, `.numpy()`, `.shape`, `.dtype`). Then a fresh variable per call and one
   shared variable hold the same value at every read.
Destination: a method whose class defines `__init__(self, ...)` gets `self._<name>` set at the end of
`__init__`; a module-level function gets a module-level `_<function>_<name>` just above it. Nothing
else is moved (nested functions, classes without `__init__`).
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass
from typing import Callable

from .locate import bound_names, names_in

Qualify = Callable[[ast.AST], "str | None"]

VARIABLE_CONSTRUCTORS = frozenset({
    "tensorflow.Variable", "tensorflow.compat.v1.Variable", "keras.Variable", "keras.backend.variable",
    "keras.variables.Variable",
})
_BUILTINS = frozenset(dir(builtins))
# Reads of a variable that neither change it nor let it escape.
_READS = frozenset({"read_value", "value", "numpy", "shape", "dtype", "name", "device", "trainable"})
# TensorFlow ops that write to a variable passed to them.
_WRITING_OP_WORDS = ("assign", "scatter", "apply_", "optimizer")


@dataclass(frozen=True)
class HoistPlan:
    """Where the creation goes. `destination` is "init" (then `new_name` is an attribute of self) or
    "module" (a module-level name); `facts` is the reason a reviewer reads."""

    local: str
    destination: str
    new_name: str
    facts: str


def plan_variable_hoist(module: ast.Module, fn: ast.FunctionDef | ast.AsyncFunctionDef, cls: ast.ClassDef | None,
                        top: ast.stmt, call: ast.Call, parent: ast.AST | None, qualify: Qualify) -> HoistPlan | str:
    """The plan, or the failed precondition in words. `top`: the module-level statement holding `fn`;
    `parent`: the node holding `call` (the assignment, when it is one)."""
    if qualify(call.func) not in VARIABLE_CONSTRUCTORS:
        return "only direct `tf.Variable(...)` constructions are moved automatically"
    if not (isinstance(parent, ast.Assign) and parent.value is call and parent in fn.body
            and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name)):
        return "the variable is not assigned to a name directly in the function's body"
    local = parent.targets[0].id
    if _stores(fn, local) != 1:
        return f"`{local}` is bound more than once in `{fn.name}`"
    params = {a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs}
    params |= {a.arg for a in (fn.args.vararg, fn.args.kwarg) if a is not None}
    reads = names_in([*call.args, *call.keywords])
    from_call = sorted(reads & (params | bound_names(fn.body)))
    if from_call:
        return f"its initial value reads {', '.join(f'`{n}`' for n in from_call)} from the call"
    available = bound_names(module.body[: module.body.index(top)]) | _BUILTINS
    missing = sorted(reads - available)
    if missing:
        return f"its initial value reads {', '.join(f'`{n}`' for n in missing)}, not defined at module level before it"
    if any("random" in (qualify(c.func) or "").split(".") for c in ast.walk(call) if isinstance(c, ast.Call)):
        return "its initial value is random: a variable per call draws new values"
    escape = _escaping_use(fn, local, qualify)
    if escape is not None:
        return f"`{local}` {escape}, so one shared variable could differ from a fresh one"
    facts = (f"`{local}` is created from module-level values only, bound once, and only read in "
             f"`{fn.name}` (never assigned, returned or passed on)")
    if cls is not None and fn in cls.body:
        init = next((s for s in cls.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
        self_name = fn.args.args[0].arg if fn.args.args else None
        if init is None or not init.args.args or self_name is None:
            return f"class `{cls.name}` has no `__init__(self, ...)` to create it in"
        shadowed = sorted(reads & (bound_names(init.body) | {a.arg for a in init.args.args + init.args.kwonlyargs}))
        if shadowed:
            return f"`{cls.name}.__init__` binds {', '.join(f'`{n}`' for n in shadowed)} too"
        attr = f"_{local}"
        if any(isinstance(n, ast.Attribute) and n.attr == attr for n in ast.walk(cls)):
            return f"class `{cls.name}` already uses the attribute `{attr}`"
        return HoistPlan(local, "init", attr, facts + f"; created once in `{cls.name}.__init__`")
    if fn is top:
        name = f"_{fn.name}_{local}".replace("__", "_")
        if name in bound_names(module.body) or any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(module)):
            return f"the module already uses the name `{name}`"
        return HoistPlan(local, "module", name, facts + "; created once at module level")
    return "only methods and module-level functions are refactored automatically"


def _stores(fn: ast.AST, name: str) -> int:
    count = 0
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            count += 1
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            count += 2
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not fn \
                and node.name == name:
            count += 1
    return count


def _escaping_use(fn: ast.AST, name: str, qualify: Qualify) -> str | None:
    """How a use of `name` could change the variable or let it out, or None when every use only reads it."""
    parents = {child: parent for parent in ast.walk(fn) for child in ast.iter_child_nodes(parent)}
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)):
            continue
        parent = parents.get(node)
        if isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Compare)):
            continue
        if isinstance(parent, ast.Attribute):
            if parent.attr in _READS:
                continue
            return f"is used as `{name}.{parent.attr}`"
        if isinstance(parent, ast.Call) and node in parent.args:
            op = qualify(parent.func) or ""
            if op.startswith("tensorflow.") and not any(w in op for w in _WRITING_OP_WORDS):
                continue
            return "is passed to a function that is not a TensorFlow op"
        if isinstance(parent, (ast.Return, ast.Yield)):
            return "is returned"
        return "is used other than by reading it"
    return None
