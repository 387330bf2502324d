"""HYB007: a tf.function object re-created repeatedly (in a loop, per call of a function, around a lambda)."""
from __future__ import annotations

import ast
from typing import Iterable

from ..facts.paths import is_test_path
from ..facts.tables import SHARED_OBJECT_CALLS
from ..facts.value_kinds import LocalKinds
from ..model import Finding, Fix, FixSafety, Severity
from ..summary import FunctionInfo, HybridSite, ModuleSummary
from ._function_recreated_examples import INVALID, VALID
from ._loops import iterates_literal
from ._once_guard import is_once_guarded
from .base import ModuleContext, Rule

_CONSTRUCTORS = frozenset({"__init__", "__post_init__"})
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _repeated_parts(loop: ast.AST) -> list[ast.AST]:
    """The parts of a loop that run on every iteration: not a `for`'s iterable (evaluated once) nor
    its `else`, not a comprehension's first iterable."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        return list(loop.body)
    if isinstance(loop, ast.While):
        return [loop.test, *loop.body]
    if isinstance(loop, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        parts: list[ast.AST] = [loop.elt]
    else:
        parts = [loop.key, loop.value]  # type: ignore[attr-defined]
    for number, gen in enumerate(loop.generators):  # type: ignore[attr-defined]
        parts += gen.ifs
        if number:
            parts.append(gen.iter)
    return parts


def _loop_calls(ctx: ModuleContext) -> list[ast.Call]:
    """Every call of the module written where it runs once per iteration of a loop or comprehension.

    Computed only for modules that create tf.functions inside functions, so the walk is rare.
    """
    return ctx.shared("loop-calls", lambda: _walk_loop_calls(ctx.summary))


def _walk_loop_calls(summary: ModuleSummary) -> list[ast.Call]:
    seen: dict[int, ast.Call] = {}
    for loop in _loops_of(summary):
        for part in _repeated_parts(loop):
            seen.update((id(n), n) for n in ast.walk(part) if isinstance(n, ast.Call))
    return list(seen.values())


def _called_in_loop(ctx: ModuleContext, fn: FunctionInfo) -> bool:
    """Whether `fn(...)` or `obj.fn(...)` is called once per iteration of a loop of the module.

    `for loss in self._steps(data):` calls `_steps` once (the iterable), and a method's own loop over
    other objects' namesakes (`def build(self): for layer in self.layers: layer.build()`) delegates to
    them: neither calls `fn` repeatedly.
    """
    own = (fn.node.lineno, fn.node.end_lineno or fn.node.lineno)
    receiver = fn.params[0] if fn.cls is not None and fn.params else None
    for call in _loop_calls(ctx):
        func = call.func
        if isinstance(func, ast.Name) and func.id == fn.name:
            return True
        if isinstance(func, ast.Attribute) and func.attr == fn.name:
            inside = own[0] <= call.lineno <= own[1]
            if not inside or (isinstance(func.value, ast.Name) and func.value.id == receiver):
                return True
    return False


def _free_variables(fn: FunctionInfo, enclosing: FunctionInfo, ctx: ModuleContext) -> set[str]:
    """Names the nested function reads that are locals of the enclosing function (closures)."""
    inner = ctx.body(fn)
    own = inner.local_names()
    outer_locals = ctx.body(enclosing).local_names()
    used = {n.id for n in inner.of_type(ast.Name) if isinstance(n.ctx, ast.Load)}
    return (used - own) & outer_locals


def _closes_over_loop_values(ctx: ModuleContext, site: HybridSite) -> bool:
    """The wrapped function reads a name the enclosing loop binds (its target or a name assigned in its
    body): each iteration builds a different function, deliberately (`for case in CASES: f =
    tf.function(lambda x: op(x, case))`)."""
    reads = _target_reads(ctx, site)
    if not reads:
        return False
    line = getattr(site.node, "lineno", 0)
    for loop in _loops(ctx):
        if loop.lineno <= line <= (loop.end_lineno or loop.lineno) and reads & _loop_bound(loop):
            return True
    return False


def _target_reads(ctx: ModuleContext, site: HybridSite) -> set[str]:
    """Free names the tf.function's Python function reads (lambda body, nested def, partial arguments)."""
    expr = site.target_expr
    if isinstance(expr, ast.Lambda):
        params = {a.arg for a in ast.walk(expr.args) if isinstance(a, ast.arg)}
        return {n.id for n in ast.walk(expr.body) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - params
    if isinstance(expr, ast.Call):  # functools.partial(step, case)
        return {n.id for a in [*expr.args[1:], *(k.value for k in expr.keywords)] for n in ast.walk(a)
                if isinstance(n, ast.Name)}
    if isinstance(expr, (ast.Name, ast.Attribute)) and site.target is None:
        # `tf.function(fn)` / `tf.function(task.eval_step)` with `fn`/`task` bound by the loop
        return {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
    target = site.target
    if target is not None and target.parent is not None and not isinstance(target.node, ast.Lambda):
        body = ctx.body(target)
        return {n.id for n in body.of_type(ast.Name) if isinstance(n.ctx, ast.Load)} - body.local_names()
    return set()


def _per_case_arguments(ctx: ModuleContext, site: HybridSite, enclosing: FunctionInfo) -> bool:
    """The enclosing function is called in a loop with the loop's value for a parameter the tf.function
    closes over (`for task in tasks: make_eval(task)`): one function per case, by design."""
    reads = _target_reads(ctx, site)
    for name in list(reads):  # through helpers defined alongside it (`def step_fn(...)` using `task`)
        helper = enclosing.nested.get(name)
        if helper is not None and helper is not site.target:
            body = ctx.body(helper)
            reads |= {n.id for n in body.of_type(ast.Name) if isinstance(n.ctx, ast.Load)} - body.local_names()
    params = enclosing.params
    captured = [i for i, p in enumerate(params) if p in reads]
    if not captured:
        return False
    offset = 1 if enclosing.cls is not None and params and params[0] in ("self", "cls") else 0
    for loop in _loops(ctx):
        bound = _loop_bound(loop)
        for node in ast.walk(loop):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name != enclosing.name:
                continue
            for i in captured:
                j = i - offset
                arg = node.args[j] if 0 <= j < len(node.args) else next(
                    (k.value for k in node.keywords if k.arg == params[i]), None)
                if arg is not None and any(isinstance(n, ast.Name) and n.id in bound for n in ast.walk(arg)):
                    return True
    return False


def _looped_call_site(ctx: ModuleContext, fn: FunctionInfo) -> str | None:
    """`path:line` of a call of `fn`, written inside a loop, in non-test code of the project (direct calls
    only: "called from a loop somewhere up the call graph" covers most of a training program)."""
    for site in ctx.project.facts.call_sites(fn):
        if site.in_loop and not site.via.startswith("callback:") and not is_test_path(site.path):
            return f"{site.path}:{site.line}"
    return None


def _traced(ctx: ModuleContext, fn: FunctionInfo) -> bool:
    fid = ctx.project.facts.fid(fn)
    return fid is not None and ctx.project.facts.pf.in_graph(fid)


def _kept(ctx: ModuleContext, site: HybridSite) -> bool:
    """The new tf.function is stored (`self.fns[name] = tf.function(...)`, `fns.append(...)`): one per
    case, kept and reused, not re-created per call."""
    nodes = ctx.body(site.enclosing).nodes if site.enclosing is not None else ast.walk(ctx.summary.source.tree)
    for node in nodes:
        if isinstance(node, ast.Assign) and node.value is site.node:
            return any(isinstance(t, (ast.Subscript, ast.Attribute)) for t in node.targets)
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "add")
                and any(a is site.node for a in node.args)):
            return True
    return False


def _loops(ctx: ModuleContext) -> list[ast.AST]:
    return ctx.shared("loop-nodes", lambda: _loops_of(ctx.summary))


def _loops_of(summary: ModuleSummary) -> list[ast.AST]:
    return [n for n in ast.walk(summary.source.tree) if isinstance(n, _LOOPS)]


def _loop_bound(loop: ast.AST) -> set[str]:
    """Names a loop binds per iteration: its targets and the names assigned in its body."""
    if isinstance(loop, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        roots: list[ast.AST] = [g.target for g in loop.generators]
    elif isinstance(loop, (ast.For, ast.AsyncFor)):
        roots = [loop.target, *loop.body]
    else:
        roots = list(getattr(loop, "body", []))
    return {n.id for r in roots for n in ast.walk(r) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


_EXITS = (ast.Raise, ast.Return, ast.Break)


def _innermost_loop(ctx: ModuleContext, node: ast.AST) -> ast.For | ast.AsyncFor | ast.While | None:
    """The innermost `for`/`while` statement whose body holds `node`."""
    line = getattr(node, "lineno", 0)
    found = None
    for loop in _loops(ctx):
        if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)) and loop.body \
                and loop.body[0].lineno <= line <= (loop.end_lineno or loop.lineno):
            if found is None or loop.lineno >= found.lineno:
                found = loop
    return found


def _blocks_to(stmts: list[ast.stmt], node: ast.AST) -> list[list[ast.stmt]] | None:
    """The nested statement lists from `stmts` down to the one holding `node` (outermost first)."""
    for st in stmts:
        if not any(sub is node for sub in ast.walk(st)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            inner = getattr(st, field, None)
            if not isinstance(inner, list) or isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            blocks = [h.body for h in inner] if field == "handlers" else [inner]
            for block in blocks:
                deeper = _blocks_to(block, node)
                if deeper is not None:
                    return [stmts, *deeper]
        return [stmts]
    return None


def _runs_once_in_loop(ctx: ModuleContext, site: HybridSite) -> bool:
    """The tf.function is made in a block nested in the loop body that always leaves the loop (ends in `raise`,
    `return` or `break`): it runs at most once (issue 10 P60-growb, jax2tf's `except AssertionError:
    ...; raise`)."""
    loop = _innermost_loop(ctx, site.node)
    blocks = _blocks_to(loop.body, site.node) if loop is not None else None
    # The loop body itself is not counted: its final `break` can be skipped by a `continue` (and the
    # rule's own example keeps a `while True: ...; break` reported).
    return any(block and isinstance(block[-1], _EXITS) for block in (blocks or [])[1:])


def _retraces_per_case(ctx: ModuleContext, site: HybridSite) -> bool:
    """The loop walks a literal list of cases and passes each to the new tf.function as an argument
    (`for flag in [True, False]: f = tf.function(g); f(x, flag)`): a Python argument traces once per
    value anyway, so a new function per case costs nothing more (issue 10 P51-growb, tensornetwork)."""
    loop = _innermost_loop(ctx, site.node)
    if loop is None or not iterates_literal(loop):  # type: ignore[arg-type]
        return False
    cases = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}  # type: ignore[union-attr]
    names = {t.id for st in ast.walk(loop) if isinstance(st, ast.Assign) and st.value is site.node
             for t in st.targets if isinstance(t, ast.Name)}
    for call in ast.walk(loop):
        if isinstance(call, ast.Call) and (call.func is site.node or (
                isinstance(call.func, ast.Name) and call.func.id in names)):
            args = [*call.args, *(k.value for k in call.keywords)]
            if any(isinstance(a, ast.Name) and a.id in cases for a in args):
                return True
    return False


def _closes_over_new_object(ctx: ModuleContext, site: HybridSite, enclosing: FunctionInfo) -> bool:
    """The tf.function closes over an object the enclosing function builds on every call (`model =
    create_model(name)`): each call's function serves a new object, so it cannot be hoisted and a trace
    per call is inherent (issue 10 P51-growa, tfimm's per-model profiler). Tensors do not count: those
    can be passed as arguments instead."""
    reads = _target_reads(ctx, site)
    if not reads:
        return False
    body = ctx.body(enclosing)
    kinds: LocalKinds | None = None
    for st in body.of_type(ast.Assign):
        if not (isinstance(st.value, ast.Call) and any(isinstance(t, ast.Name) and t.id in reads for t in st.targets)):
            continue
        if ctx.qualify(st.value.func) in SHARED_OBJECT_CALLS:
            continue  # `strategy = tf.distribute.get_strategy()`: the same object on every call, not a new one
        kinds = kinds or LocalKinds.of(ctx.qualify, body.nodes, ())
        if not kinds.is_tensor(st.value):
            return True
    return False


def _returns_function(ctx: ModuleContext, site: HybridSite, enclosing: FunctionInfo) -> bool:
    """The enclosing function hands the tf.function it makes out (a factory): returns it, or stores it on
    an object or in a container (`setattr(model, "serving", fn)`, `obj.fn = fn`, `fns[k] = fn`), where
    its caller keeps it (issue 10 P27-precfix, tensorflow_gnn's per-stage serving functions)."""
    body = ctx.body(enclosing)
    names = set()
    if site.kind == "decorator" and site.target is not None:
        names.add(site.target.name)
    for st in body.of_type(ast.Assign):
        if st.value is site.node:
            names.update(t.id for t in st.targets if isinstance(t, ast.Name))
    for ret in body.of_type(ast.Return):
        value = ret.value
        if value is site.node:
            return True
        # `return step`, `return step, other`: the object itself, not the result of calling it
        items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else (
            value.values if isinstance(value, ast.Dict) else [value])
        if any(isinstance(item, ast.Name) and item.id in names for item in items):
            return True
    for st in body.of_type(ast.Assign):
        if isinstance(st.value, ast.Name) and st.value.id in names \
                and any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in st.targets):
            return True
    for call in body.calls:
        func = call.func
        stored = call.args[2:3] if isinstance(func, ast.Name) and func.id == "setattr" else (
            call.args if isinstance(func, ast.Attribute) and func.attr in ("append", "add") else [])
        if any(isinstance(a, ast.Name) and a.id in names for a in stored):
            return True
    return False


class FunctionRecreated(Rule):
    code = "HYB007"
    name = "tf-function-recreated"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 10 right); was warning.
    severity = Severity.INFO
    fix_safety = FixSafety.GATED
    summary = "Each new tf.function object traces again from scratch; creating one per iteration or per call retraces every time."
    what = """
        Finds `tf.function(...)` calls and `@tf.function` definitions that run repeatedly: inside a `for`
        or `while` loop or a comprehension, or inside a function that is itself called from a loop.
        `tf.function(lambda ...)` and nested decorated functions created per call are the usual forms.

        Not reported (issue 10: deliberate per-case functions): a tf.function that closes over the loop's
        value (one per test case or configuration), one stored per case (`fns[name] = tf.function(...)`),
        one returned by a factory, one made while an outer function traces (made once per trace,
        traced inline), and one made in a constructor and kept on the object (`self.fn =
        tf.function(...)` in `__init__`: one per object, like a Keras layer's). Nor one that closes over
        an object the enclosing function builds on every call (a new model: it cannot be hoisted), one
        made in a block of the loop that always leaves it (`except ...: ...; raise`), or one made per
        case of a literal list whose case it is called with (a Python argument retraces anyway). Recall note: a loop that
        builds a new such object per batch retraces too, but the rule cannot tell it from a loop that
        builds long-lived objects once.
    """
    why = """
        Traces are cached on the `Function` object. A new object has an empty cache, so every
        iteration pays the full tracing cost (often milliseconds to seconds) and graph execution never
        gets the chance to be faster than eager. TensorFlow's retracing warning names "creating
        @tf.function repeatedly in a loop" as its first cause.
    """
    example = """
        import tensorflow as tf

        def evaluate(model, batches):
            for batch in batches:
                step = tf.function(lambda b: model(b))
                step(batch)
    """
    use_instead = """
        import tensorflow as tf

        def evaluate(model, batches):
            step = tf.function(lambda b: model(b))
            for batch in batches:
                step(batch)
    """
    fix_doc = """
        Gated: hoisting the definition out of the loop (or out of the function) is mechanical only when
        the function has no free variables bound in the enclosing function; then the fix engine moves it
        (`hybridize fix --unsafe-fixes`). When it closes over loop or function locals the move would change
        what it computes, so the fix is a suggestion only.
    """
    references = (
        "https://www.tensorflow.org/guide/function#controlling_retracing",
        "https://github.com/tensorflow/tensorflow/issues/44033",
        "https://github.com/microsoft/onnxruntime/pull/27665",
    )
    valid = VALID
    invalid = INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for site in ctx.summary.hybrid_sites:
            if site.kind == "keras":
                continue
            reason = self._repeated(ctx, site)
            if reason is None:
                continue
            form = "tf.function(lambda ...)" if isinstance(site.target_expr, ast.Lambda) else (
                "a @tf.function definition" if site.kind == "decorator" else "tf.function(...)")
            message = f"{form} is re-created {reason}: every new tf.function object traces again"
            yield ctx.report(self, site.node, message, fix=self._fix(ctx, site))

    @staticmethod
    def _repeated(ctx: ModuleContext, site: HybridSite) -> str | None:
        enclosing = site.enclosing
        if enclosing is not None and _traced(ctx, enclosing):
            return None  # made while an outer function traces: once per trace, traced inline
        if site.in_loop:
            if _closes_over_loop_values(ctx, site) or _kept(ctx, site):
                return None  # one function per case on purpose (test parameters, per-config graphs)
            if _runs_once_in_loop(ctx, site) or _retraces_per_case(ctx, site):
                return None
            return "on every loop iteration"
        if enclosing is None or enclosing.name == "<lambda>":
            return None
        if _returns_function(ctx, site, enclosing):
            return None  # a factory: its caller keeps the tf.function (or chooses not to)
        if is_test_path(ctx.path):
            return None  # a test helper called per test case builds one function per case on purpose
        if _per_case_arguments(ctx, site, enclosing) or _closes_over_new_object(ctx, site, enclosing):
            return None
        if is_once_guarded(ctx.body(enclosing), site.node):
            return None  # `if self._compiled is False: self.step = tf.function(...); self._compiled = True`
        if enclosing.cls is not None and enclosing.name in _CONSTRUCTORS and _kept(ctx, site):
            # `self.fn = tf.function(...)` in `__init__`: one tf.function per object, kept and called for
            # the object's lifetime (like a Keras layer's); a loop that builds objects builds each its
            # own function once (issue 10 P50-fixa, pdfflow's Subgrid)
            return None
        if _called_in_loop(ctx, enclosing):
            return f"on every call of `{enclosing.qualname}`, which is called from a loop"
        looped = _looped_call_site(ctx, enclosing)
        if looped is not None:
            # a call site in a loop of another module (`trainer.step(x)` in an epoch loop; issue 11)
            return f"on every call of `{enclosing.qualname}`, which is called from a loop ({looped})"
        return None

    @staticmethod
    def _fix(ctx: ModuleContext, site: HybridSite) -> Fix:
        target, enclosing = site.target, site.enclosing
        if target is None or enclosing is None or target.node is enclosing.node:
            return Fix("create the tf.function once, outside the loop, and reuse it", FixSafety.SUGGESTION,
                       reason="the wrapped function is not a definition in this file")
        free = _free_variables(target, enclosing, ctx) if target.parent is enclosing else set()
        if free:
            return Fix("create the tf.function once and pass what it closes over as arguments",
                       FixSafety.SUGGESTION,
                       reason=f"it closes over {', '.join(sorted(free))} from `{enclosing.qualname}`; "
                              "hoisting would change what it computes")
        return Fix("hoist the tf.function definition to module level", FixSafety.GATED,
                   reason=f"no free variables bound in `{enclosing.qualname}`")
