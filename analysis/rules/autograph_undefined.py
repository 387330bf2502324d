"""HYB018: AutoGraph control-flow hazards: values defined on one path only, one-sided returns, dtype drift."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..facts.value_kinds import LocalKinds
from ..model import Finding, Fix, FixSafety, Severity
from ..project import GraphFunction
from ._autograph_undefined_examples import INVALID, VALID
from ._local_tensors import body_kinds, root_tensor_params, uses_tensor
from .base import ModuleContext, Rule, via_text


_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


class _Names:
    """Names stored and loaded in statement lists, not entering nested defs, memoized per statement.

    Each `if` asks about its branches, which hold the `if`s nested in them: walking every branch anew
    cost the nesting depth times the function's size (an `elif` chain nests without indenting, so
    that depth is unbounded). Each statement's names are computed once, from its children's.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[int, type], frozenset[str]] = {}

    def assigned(self, stmts: list[ast.stmt]) -> set[str]:
        return self._union(stmts, ast.Store)

    def loaded(self, stmts: list[ast.stmt]) -> set[str]:
        return self._union(stmts, ast.Load)

    def _union(self, stmts: list[ast.stmt], kind: type) -> set[str]:
        out: set[str] = set()
        for st in stmts:
            out |= self._of(st, kind)
        return out

    def _of(self, root: ast.stmt, kind: type) -> frozenset[str]:
        """Post-order without recursion: a statement's names are its own plus its child statements'."""
        memo = self._memo
        stack: list[tuple[ast.stmt, bool]] = [(root, False)]
        while stack:
            st, ready = stack.pop()
            if (id(st), kind) in memo:
                continue
            own, children = _own_names(st, kind)
            if not ready:
                stack.append((st, True))
                stack.extend((child, False) for child in children if (id(child), kind) not in memo)
                continue
            for child in children:
                own |= memo[(id(child), kind)]
            memo[(id(st), kind)] = frozenset(own)
        return memo[(id(root), kind)]


def _own_names(st: ast.stmt, kind: type) -> tuple[set[str], list[ast.stmt]]:
    """Names of `kind` in the statement's own expressions, and its child statements (nested defs left out)."""
    names: set[str] = set()
    children: list[ast.stmt] = []
    stack = list(ast.iter_child_nodes(st))
    while stack:
        node = stack.pop()
        if isinstance(node, _DEFS):
            continue
        if isinstance(node, ast.stmt):
            children.append(node)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, kind):
            names.add(node.id)
        stack.extend(ast.iter_child_nodes(node))
    return names, children


def _none_default_params(fn: ast.AST) -> frozenset[str]:
    """Parameters whose default is None (`mask=None`): optional arguments a caller may or may not pass."""
    args = getattr(fn, "args", None)
    if args is None:
        return frozenset()
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None]
    return frozenset(a.arg for a, d in pairs if isinstance(d, ast.Constant) and d.value is None)


def _comprehension_targets(node: ast.AST) -> set[str]:
    """Names bound by comprehensions under `node`: local to the comprehension (Python 3), never read
    after it (TFP's `[ssm.initial_state_prior for ssm in component_ssms]`, issue 11 precision study)."""
    return {n.id for comp in ast.walk(node) if isinstance(comp, ast.comprehension)
            for n in ast.walk(comp.target) if isinstance(n, ast.Name)}


def _none_test(test: ast.expr, optional: frozenset[str]) -> bool:
    """`p is None` / `p is not None` on an optional parameter."""
    return (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and isinstance(test.left, ast.Name) and test.left.id in optional
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None)


def _walk_no_defs(node: ast.AST) -> Iterator[ast.AST]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for child in ast.iter_child_nodes(n):
            if not isinstance(child, _DEFS):
                stack.append(child)


def _none_assigned(stmts: list[ast.stmt]) -> set[str]:
    out = set()
    for st in stmts:
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Constant) and st.value.value is None:
            out.update(t.id for t in st.targets if isinstance(t, ast.Name))
    return out


def _returns(stmts: list[ast.stmt]) -> bool:
    """Every path through the statements ends in return/raise (an if/elif/else chain included)."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, ast.If):
        return _returns(last.body) and _returns(last.orelse)
    return isinstance(last, (ast.Return, ast.Raise))


def _raises_only(stmts: list[ast.stmt]) -> bool:
    return bool(stmts) and isinstance(stmts[-1], ast.Raise) and not any(isinstance(s, ast.Return) for s in stmts)


def _first_use(stmts: list[ast.stmt], name: str) -> str | None:
    """'read' when some path through the statements reads `name` before assigning it, 'write' when every
    path assigns it first, None when the statements do neither (liveness, per statement in order)."""
    for st in stmts:
        use = _stmt_use(st, name)
        if use is not None:
            return use
    return None


def _stmt_use(st: ast.stmt, name: str) -> str | None:
    if isinstance(st, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = st.targets if isinstance(st, ast.Assign) else [st.target]
        reads_value = st.value is not None and name in _loads_expr(st.value)
        if reads_value or isinstance(st, ast.AugAssign) and _names_target(st.target, name):
            return "read"
        if any(_names_target(t, name) for t in targets):
            return "write"
        return "read" if any(name in _loads_expr(t) for t in targets) else None
    if isinstance(st, ast.If):
        if name in _loads_expr(st.test):
            return "read"
        body, orelse = _first_use(st.body, name), _first_use(st.orelse, name)
        if "read" in (body, orelse):
            return "read"
        return "write" if body == orelse == "write" else None
    if isinstance(st, (ast.For, ast.AsyncFor)):
        # The loop target is bound before the body runs, so the body's reads of it are not reads of the
        # value from before the loop (Acme's `for src, dest in zip(...)` repeated in a second `if`). The
        # loop may run zero times, so it never counts as a write.
        if name in _loads_expr(st.iter):
            return "read"
        if not _names_target(st.target, name) and _first_use(st.body, name) == "read":
            return "read"
        return "read" if _first_use(st.orelse, name) == "read" else None
    return "read" if name in _loads([st]) else None


def _names_target(target: ast.expr, name: str) -> bool:
    if isinstance(target, ast.Name):
        return target.id == name
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_names_target(e, name) for e in target.elts)
    return isinstance(target, ast.Starred) and _names_target(target.value, name)


def _loads_expr(expr: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(expr) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _loads(stmts: list[ast.stmt]) -> set[str]:
    out = set()
    for st in stmts:
        for node in _walk_no_defs(st):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                out.add(node.id)
    return out


class AutographUndefined(Rule):
    code = "HYB018"
    name = "autograph-undefined-value"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 3 right); was error.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "TensorFlow control flow needs every value defined, non-None and of one dtype on all paths."
    what = """
        In graph code, for an `if` whose condition is a tensor: a variable assigned in one branch only
        and read afterwards before being re-assigned (live after the `if`), a variable set to `None` in
        one branch, and a `return` in one branch when the function then falls off its end. For a `for`
        over `tf.range`/a tensor: a variable initialised to a Python int before the loop and updated
        with a float inside it.

        Conditions count as tensors only on positive evidence (`analysis/facts/api_kinds.py`): `is None`,
        `tf.get_static_value`, `tf.nest.is_nested`, static shapes, `isinstance`, `len` and
        `tf.executing_eagerly()` are Python values decided at trace time. When one branch returns, the
        path that goes on is the one that assigned the name, so it is not reported (issue 10).

        Also (issue 11, info): an `if p is None:` / `if p is not None:` test of an optional parameter
        (`p=None`) that assigns a name in one branch only, read after the `if`. The condition is a Python
        value, so only the branch taken is traced: the default call traces fine and the first caller that
        passes the argument gets `UnboundLocalError` while tracing (TF 2.21).
    """
    why = """
        AutoGraph turns a tensor `if` into `tf.cond`, which must produce the same values from both
        branches, and a tensor loop into `tf.while_loop`, whose loop variables keep one dtype. On
        TensorFlow 2.21 these raise at trace time ("'y' must also be initialized in the else branch",
        "'y' is None at the end of the else branch", "the else branch must also have a return
        statement", a dtype mismatch in the loop body) — but only when the condition is a tensor, so
        the same code that worked eagerly breaks when hybridized.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def clip_grad(g):
            if tf.norm(g) > 1.0:
                scaled = g / tf.norm(g)
            return scaled
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def clip_grad(g):
            scaled = g
            if tf.norm(g) > 1.0:
                scaled = g / tf.norm(g)
            return scaled
    """
    fix_doc = "Suggestion only: initialise the variable before the control flow with a value of the right dtype."
    references = (
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/limitations.md",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/control_flow.md",
    )
    valid = VALID
    invalid = INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            seeds = root_tensor_params(gf.info.node, gf.info.cls is not None) if gf.is_root else set()
            tensors = body_kinds(ctx, body, seeds)
            names = _Names()
            optional = _none_default_params(gf.info.node)
            for node in body.of_type(ast.If):
                if uses_tensor(ctx, node.test, tensors):
                    yield from self._check_if(ctx, gf, body, node, names)
                elif _none_test(node.test, optional):
                    yield from self._check_none_test(ctx, gf, body, node, names)
            for loop in body.of_type(ast.For):
                yield from self._check_loop(ctx, gf, body, loop, tensors)

    def _check_if(self, ctx: ModuleContext, gf: GraphFunction, body, node: ast.If,
                  names: _Names) -> Iterable[Finding]:
        container = self._container(body, node)
        if container is None or node not in container:
            return
        index = container.index(node)
        after = container[index + 1:]
        params = set(gf.info.params)
        in_body, in_else = names.assigned(node.body), names.assigned(node.orelse)
        one_sided, none_set = in_body ^ in_else, _none_assigned(node.body) | _none_assigned(node.orelse)
        # What comes after is read only when a branch-only or None name could be used there.
        used_after = names.loaded(after) if one_sided or none_set else set()
        one_sided &= used_after
        before = self._assigned_before(body, gf, node, names) if one_sided else set()
        body_returns, else_returns = _returns(node.body), _returns(node.orelse)
        for name in sorted(one_sided - before - params):
            if body_returns or else_returns:
                # One branch leaves the function: the path that goes on is the one that assigned the
                # name (defined where it is used), or the name is undefined in eager code as well.
                continue
            if _first_use(after, name) != "read":
                continue  # not live after the `if`: re-assigned before any read, so not a tf.cond output
            yield ctx.report(self, node.test, f"`{name}` is assigned in only one branch of a tensor `if` and used "
                             f"after it: AutoGraph's tf.cond raises at trace time{via_text(gf)}", fn=gf,
                             fix=Fix(f"initialise `{name}` before the if", FixSafety.SUGGESTION))
        for name in sorted(n for n in none_set & used_after if _first_use(after, n) == "read"):
            yield ctx.report(self, node.test, f"`{name}` is None in one branch of a tensor `if`: tf.cond cannot "
                             f"return None from a branch{via_text(gf)}", fn=gf,
                             fix=Fix("use a tensor default (e.g. tf.zeros_like) instead of None", FixSafety.SUGGESTION))
        # A branch that only raises is a check, not a return path (`if bad: raise ValueError(...)`).
        if (body_returns != else_returns and container is gf.info.node.body and not _returns(after)
                and not _raises_only(node.body) and not _raises_only(node.orelse)):
            yield ctx.report(self, node, "`return` in only one branch of a tensor `if`, and the function then ends "
                             f"without returning: AutoGraph requires a return on both paths{via_text(gf)}", fn=gf,
                             fix=Fix("return a value on every path", FixSafety.SUGGESTION))

    def _check_none_test(self, ctx: ModuleContext, gf: GraphFunction, body, node: ast.If,
                         names: _Names) -> Iterable[Finding]:
        """`if mask is None: y = ...` and `y` read after: the trace of a call that passes `mask` fails
        (issue 11). A Python `if`, so only the branch taken is traced; the other path is never checked
        until a caller passes the argument."""
        container = self._container(body, node)
        if container is None or node not in container or _returns(node.body) or _returns(node.orelse):
            return
        index = container.index(node)
        after = container[index + 1:]
        one_sided = (names.assigned(node.body) ^ names.assigned(node.orelse)) - _comprehension_targets(node)
        if not one_sided:
            return
        one_sided &= names.loaded(after)
        one_sided -= self._assigned_before(body, gf, node, names) | set(gf.info.params)
        test = ctx.source.segment(node.test)
        for name in sorted(n for n in one_sided if _first_use(after, n) == "read"):
            yield ctx.report(self, node.test, f"`{name}` is assigned in only one branch of `if {test}` and read after "
                             f"it: tracing a call that takes the other branch fails (the name is unbound)"
                             f"{via_text(gf)}", fn=gf, severity=Severity.INFO,
                             fix=Fix(f"give `{name}` a value on both paths", FixSafety.SUGGESTION))

    def _check_loop(self, ctx: ModuleContext, gf: GraphFunction, body, loop: ast.For, tensors: LocalKinds) -> Iterable[Finding]:
        it = loop.iter
        is_tensor_loop = (isinstance(it, ast.Call) and ctx.qualify(it.func) == "tensorflow.range") or uses_tensor(ctx, it, tensors)
        if not is_tensor_loop:
            return
        container = self._container(body, loop)
        if container is None or loop not in container:
            return
        int_inits = {}
        for st in container[: container.index(loop)]:
            if isinstance(st, ast.Assign) and isinstance(st.value, ast.Constant) and type(st.value.value) is int:
                for t in st.targets:
                    if isinstance(t, ast.Name):
                        int_inits[t.id] = st
        if not int_inits:
            return
        for st in loop.body:
            for node in _walk_no_defs(st):
                target, value = None, None
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    target, value = node.targets[0].id, node.value
                elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                    target, value = node.target.id, node.value
                if target in int_inits and value is not None and any(
                    isinstance(c, ast.Constant) and type(c.value) is float for c in ast.walk(value)
                ):
                    yield ctx.report(self, int_inits[target], f"`{target}` starts as a Python int but the tensor loop "
                                     f"adds floats to it: tf.while_loop needs one dtype, tracing raises{via_text(gf)}",
                                     fn=gf, fix=Fix(f"initialise `{target}` as a float (0.0)", FixSafety.SUGGESTION))
                    int_inits.pop(target)

    @classmethod
    def _assigned_before(cls, body, gf: GraphFunction, node: ast.stmt, names: _Names) -> set[str]:
        """Names assigned before `node` in its own block and in every enclosing block up to the function,
        and the targets of the loops it is in: defined on both paths of the `if`, so AutoGraph passes them
        through the branch that does not assign them (seqio's `pack_batch` sets `partial` before its
        `tf.range` loop and re-sets it in a tensor `if` inside the loop; issue 10 P47-growa)."""
        out: set[str] = set()
        current: ast.stmt = node
        while True:
            container = cls._container(body, current)
            if container is None or current not in container:
                return out
            out |= names.assigned(container[:container.index(current)])
            parent = body.parent(current)
            if parent is None or parent is gf.info.node or not isinstance(parent, ast.stmt):
                return out
            if isinstance(parent, (ast.For, ast.AsyncFor)):
                out |= {n.id for n in ast.walk(parent.target) if isinstance(n, ast.Name)}
            current = parent

    @staticmethod
    def _container(body, node: ast.stmt) -> list[ast.stmt] | None:
        parent = body.parent(node)
        if parent is None:
            return None
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(parent, field, None)
            if isinstance(stmts, list) and any(s is node for s in stmts):
                return stmts
        if isinstance(parent, ast.ExceptHandler):
            return parent.body
        return None
