"""Recognizing code that runs only on the first trace: the "create once" guard idiom.

The TF guide's recommended way to create state lazily inside a `tf.function` is

    if self.v is None:
        self.v = tf.Variable(...)

(https://www.tensorflow.org/guide/function#creating_tfvariables). Code under such a guard runs once, so
HYB002 (outer mutation) and HYB004 (variable creation) both leave it alone. Shared here so the two rules
agree on what a guard is.
"""
from __future__ import annotations

import ast

from ..body import FunctionBody


# Decorators that make a function's body run once (sonnet's `once.once`) or once per argument
# (memoizers): state it sets is build-time state, like code under an `if self.v is None:` guard.
RUN_ONCE_DECORATORS = frozenset({"once", "run_once", "lru_cache", "cache", "cached_property", "memoize",
                                 "memoized", "cached"})


def runs_once(fn_node: ast.AST) -> bool:
    """A function decorated with a run-once or memoizing decorator (`@once.once`, `@functools.lru_cache()`)."""
    for deco in getattr(fn_node, "decorator_list", ()):
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name in RUN_ONCE_DECORATORS:
            return True
    return False


def is_once_guarded(body: FunctionBody, node: ast.AST) -> bool:
    """True when `node` sits in the branch of an enclosing `if` that only runs while state is missing.

    Recognized tests (in the `if` branch): `x is None`, `x is False`, `not hasattr(obj, "a")`, `key not in cache`,
    `not self.attr` (`if not self.built:`), `any(<missing> for ...)`, `missing and other`, and `or` of such
    tests only; in the `else` branch, their positive forms (`x is not None`, `hasattr(...)`, `key in cache`,
    `self.attr`, `all(<present> for ...)`); the same tests of a conditional expression
    (`tf.Variable(0) if self.v is None else self.v`); and code after an early `if <positive form>: return ...` in the same block.
    """
    child: ast.AST = node
    for anc in body.ancestors(node):
        if isinstance(anc, ast.If):
            if any(c is child for c in anc.body) and _missing_test(anc.test):
                return True
            if any(c is child for c in anc.orelse) and _present_test(anc.test):
                return True
        elif isinstance(anc, ast.IfExp):
            # `self.v = tf.Variable(0) if self.v is None else self.v`: the guard as an expression (issue 11)
            if (anc.body is child and _missing_test(anc.test)) or (anc.orelse is child and _present_test(anc.test)):
                return True
        if _after_early_return(anc, child):
            return True
        child = anc
    return False


def _after_early_return(block_owner: ast.AST, child: ast.AST) -> bool:
    """`if self.v is not None: return ...` (or `if key in cache: raise ...`) earlier in the same block:
    the rest runs only while missing."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(block_owner, name, None)
        if not isinstance(block, list):
            continue
        for st in block:
            if st is child:
                return False
            if (
                isinstance(st, ast.If)
                and st.body
                and isinstance(st.body[-1], (ast.Return, ast.Raise))
                and _present_test(st.test)
            ):
                return True
    return False


def _missing_test(test: ast.expr) -> bool:
    if isinstance(test, ast.BoolOp):
        # `missing and other` runs only while missing; `missing or other` may run again later.
        check = any if isinstance(test.op, ast.And) else all
        return check(_missing_test(v) for v in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.Is) and (_is_none(right) or _is_constant(right, False)):
            return True  # `x is None`; `self._built is False` (TensorFlowTTS's trainers): `not x` spelled out
        if isinstance(op, ast.NotIn):
            return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _present_test(test.operand)
    element = _each_test(test, "any")
    if element is not None:
        return _missing_test(element)  # `any(d is None for d in ds)`: some entries still missing
    return False


def _each_test(test: ast.expr, reducer: str) -> ast.expr | None:
    """The per-element test of `any(<test> for ...)` / `all([<test> for ...])`, or None."""
    if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == reducer
            and len(test.args) == 1 and not test.keywords):
        return None
    arg = test.args[0]
    if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
        return arg.elt
    return None


def _present_test(test: ast.expr) -> bool:
    """A test whose *falseness* means the state is missing (its `else` branch runs only while missing)."""
    if isinstance(test, ast.BoolOp):
        check = any if isinstance(test.op, ast.Or) else all
        return check(_present_test(v) for v in test.values)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(op, ast.IsNot) and _is_none(right) or isinstance(op, ast.Is) and _is_constant(right, True):
            return True
        if isinstance(op, ast.In):
            return True
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "hasattr":
        return True
    if isinstance(test, (ast.Attribute, ast.Name, ast.Subscript)):
        # `if not self.built:` / `if not structure:` / `if not cell[0]:` — state that is set once.
        return True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _missing_test(test.operand)
    element = _each_test(test, "all")
    if element is not None:
        return _present_test(element)  # `all(d is not None for d in ds)`: every entry present
    return False


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _is_constant(expr: ast.expr, value: bool) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is value
