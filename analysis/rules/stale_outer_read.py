"""HYB005: graph code reading Python globals or attributes that other code rebinds (stale after tracing)."""
from __future__ import annotations

import ast
import re
from typing import Iterable

from ..body import FunctionBody
from ..model import Finding, Fix, FixSafety, Severity
from ..project import GraphFunction
from ..summary import ClassInfo
from ._once_guard import is_once_guarded
from ._stale_outer_read_examples import INVALID, VALID
from .base import ModuleContext, Rule, via_text

_GLOBAL_STATEMENT = re.compile(r"^[ \t]*global[ \t]", re.M)
_VARIABLE_FACTORIES = ("tensorflow.Variable", "keras.Variable", "tensorflow.lookup.", "tensorflow.random.Generator")


def _is_tf_state(ctx: ModuleContext, value: ast.expr | None) -> bool:
    """Values whose updates a graph does see: variables and TF resources, and objects holding them."""
    if not isinstance(value, ast.Call):
        return False
    q = ctx.qualify(value.func)
    return q is not None and q.startswith(_VARIABLE_FACTORIES)


# unittest/pytest hooks that run once per module or class, before its tests.
_SET_UP_HOOKS = frozenset({"setUpModule", "setup_module", "setUpClass", "setup_class"})


def _rebound_globals(ctx: ModuleContext) -> dict[str, int]:
    """Module-level names bound more than once at module level or written via `global` in a function.

    Value: the line of one rebinding, for the message. Names bound to tf.Variable are left out: a
    graph reads a variable's current value on every call.
    """
    return ctx.shared("rebound-globals", lambda: _find_rebound_globals(ctx))


def _find_rebound_globals(ctx: ModuleContext) -> dict[str, int]:
    module_bindings: dict[str, list[ast.stmt]] = {}
    tf_state: set[str] = set()
    for st in ctx.summary.source.tree.body:
        targets: list[ast.expr] = []
        value = None
        if isinstance(st, ast.Assign):
            targets, value = st.targets, st.value
        elif isinstance(st, (ast.AugAssign, ast.AnnAssign)):
            targets, value = [st.target], st.value
        for t in targets:
            if isinstance(t, ast.Name):
                module_bindings.setdefault(t.id, []).append(st)
                if _is_tf_state(ctx, value):
                    tf_state.add(t.id)
    rebound: dict[str, int] = {}
    for name, stmts in module_bindings.items():
        if len(stmts) > 1 and not _same_literal(stmts):
            rebound[name] = stmts[1].lineno
    # `global x` inside a function rebinds x too; the text test keeps modules without any `global`
    # statement (nearly all) from paying for a walk of every function body.
    if _GLOBAL_STATEMENT.search(ctx.summary.source.text):
        switched: dict[str, set[object]] = {}  # name -> the constants functions store (None: not one)
        # name -> the functions storing it, and whether one of them stores it more than once or in place
        setters: dict[str, list[str]] = {}
        moved: set[str] = set()
        # Names bound only through `global` in functions (no module-level binding): rebound when two
        # functions bind them, or one updates them in place (`global step; step += 1`) (issue 11).
        function_bound: dict[str, list[int]] = {}
        for fn in ctx.summary.functions:
            node = fn.node
            if isinstance(node, ast.Lambda):
                continue
            body = ctx.body(fn)
            for st in body.of_type(ast.Global):
                for name in st.names:
                    if not _stores(body, name) or _only_lazily_set(body, name) or _set_and_restored(body, name):
                        continue
                    if name in module_bindings:
                        rebound.setdefault(name, st.lineno)
                        switched.setdefault(name, set()).update(_stored_constants(body, name))
                        setters.setdefault(name, []).append(fn.name)
                        # A test module's set-up hook runs once, before any test traces: its stores
                        # (one per branch of an `if`) are configuration (issue 10 P59-growb, jax2tf).
                        once = fn.name in _SET_UP_HOOKS
                        if (len(_stores(body, name)) > 1 and not once) or _updated_in_place(body, name):
                            moved.add(name)
                    elif _binds_tf_state(ctx, body, name):
                        tf_state.add(name)
                    else:
                        lines = function_bound.setdefault(name, [])
                        lines.append(st.lineno)
                        if _updated_in_place(body, name):
                            lines.append(st.lineno)
        for name, values in switched.items():
            if len(values) == 1 and None not in values and len(module_bindings[name]) == 1:
                del rebound[name]  # a one-way switch: set once from its default to one constant
        for name, fns in setters.items():
            # A default plus one configuration function that stores the name once, from outside any loop
            # of this module (`SWAP_MEMORY = True`; `def set_swap_memory(v): global SWAP_MEMORY;
            # SWAP_MEMORY = v`): the same as a name bound by one function only (configured before
            # tracing), with a default (issue 10, P45-fixb).
            if (len(fns) == 1 and name not in moved and len(module_bindings[name]) == 1
                    and not _called_in_loop(ctx, fns[0])):
                rebound.pop(name, None)
        for name, lines in function_bound.items():
            if len(lines) > 1:
                rebound.setdefault(name, lines[1])
    for name in tf_state:
        rebound.pop(name, None)
    return rebound


def _same_literal(stmts: list[ast.stmt]) -> bool:
    """Every module-level binding assigns the same literal (`_LABEL_KEY = 'tips'` twice, a copy-paste
    duplicate): the name never holds another value, so no trace can see a stale one (P42-corpusc)."""
    values = set()
    for st in stmts:
        if not isinstance(st, (ast.Assign, ast.AnnAssign)) or not isinstance(st.value, ast.Constant):
            return False
        values.add((type(st.value.value).__name__, st.value.value))
    return len(values) == 1


def _called_in_loop(ctx: ModuleContext, fn_name: str) -> bool:
    """A call of `fn_name` in this module sits inside a `for`/`while` loop (a setter driven per step)."""
    for loop in ast.walk(ctx.summary.source.tree):
        if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)):
            for node in ast.walk(loop):
                if isinstance(node, ast.Call):
                    f = node.func
                    called = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                    if called == fn_name:
                        return True
    return False


def _stores(body: FunctionBody, name: str) -> list[ast.Name]:
    """The stores of `name` in the function (a `global` statement alone, only read, rebinds nothing)."""
    return [n for n in body.of_type(ast.Name) if n.id == name and isinstance(n.ctx, ast.Store)]


def _stored_constants(body: FunctionBody, name: str) -> set[object]:
    """The constants the function stores in `name` (None for any store of something else).

    `FLAG = True` in a set-up function (`set_random_seeds()`) and nowhere else but the module's
    `FLAG = False` is a one-way switch: configuration that changes once, at start-up, not state a graph
    would go stale on (issue 10, P23-precfix)."""
    out: set[object] = set()
    for node in _stores(body, name):
        parent = body.parent(node)
        if isinstance(parent, ast.Assign) and isinstance(parent.value, ast.Constant) and node in parent.targets:
            out.add((type(parent.value.value).__name__, parent.value.value))
        else:
            out.add(None)
    return out
def _binds_tf_state(ctx: ModuleContext, body: FunctionBody, name: str) -> bool:
    """The function binds the global to a variable or TF resource (`global v; v = tf.Variable(0.)`)."""
    return any(_is_tf_state(ctx, st.value) for st in body.of_type(ast.Assign)
               if any(isinstance(t, ast.Name) and t.id == name for t in st.targets))


def _updated_in_place(body: FunctionBody, name: str) -> bool:
    """`name += ...` or `name = name ...`: the function moves the global from one value to the next."""
    for st in body.of_type(ast.AugAssign, ast.Assign):
        targets = [st.target] if isinstance(st, ast.AugAssign) else st.targets
        if not any(isinstance(t, ast.Name) and t.id == name for t in targets):
            continue
        if isinstance(st, ast.AugAssign) or any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(st.value)):
            return True
    return False


def _only_lazily_set(body: FunctionBody, name: str) -> bool:
    """Every store of `name` in the function is under a once-guard (`if TABLE is None: TABLE = ...`):
    lazy initialisation, after which the value does not change."""
    stores = _stores(body, name)
    return bool(stores) and all(is_once_guarded(body, n) for n in stores)


def _set_and_restored(body: FunctionBody, name: str) -> bool:
    """The function saves the global and puts it back in a `finally` (`was = G; G = True; try: yield
    finally: G = was`): a dynamic-scope flag, back to its old value when the scope exits, so a graph that
    enters the scope itself sees the same value on every trace."""
    saved = {t.id for st in body.of_type(ast.Assign) for t in st.targets
             if isinstance(t, ast.Name) and isinstance(st.value, ast.Name) and st.value.id == name}
    if not saved:
        return False
    for tr in body.of_type(ast.Try):
        for st in ast.walk(ast.Module(body=tr.finalbody, type_ignores=[])):
            if (isinstance(st, ast.Assign) and isinstance(st.value, ast.Name) and st.value.id in saved
                    and any(isinstance(t, ast.Name) and t.id == name for t in st.targets)):
                return True
    return False


def _written(body: FunctionBody) -> tuple[set[str], set[str]]:
    """(globals, self attributes) the function itself assigns: a read of those is the function's own
    trace-time bookkeeping (a counter, a memo flag, a seed stream), which HYB002 reports if anything."""
    names = {n.id for n in body.of_type(ast.Name) if isinstance(n.ctx, ast.Store)} & body.declared(ast.Global)
    attrs = {n.attr for n in body.of_type(ast.Attribute)
             if isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name) and n.value.id == "self"}
    return names, attrs


def _reassigned_attributes(ctx: ModuleContext, cls: ClassInfo, keras_step: bool = False) -> dict[str, int]:
    """`self.attr = <Python number/str/bool>` in methods other than __init__/build: attr -> line.

    `keras_step`: the reader is a Keras train/test/predict step, which Keras traces again after `compile()`
    (Keras 3's `Trainer.compile` sets `self.train_function = None`, Keras 2 resets its compile cache), so
    what `compile` sets is not stale there (TensorFlowASR's `use_loss_scale`, issue 10).
    Cached per class: every graph method of a class asks the same question.
    """
    cache: dict[tuple[int, bool], dict[str, int]] = ctx.shared("reassigned-attributes", dict)
    key = (id(cls), keras_step)
    if key in cache:
        return cache[key]
    out: dict[str, int] = {}
    cache[key] = out
    skipped = ("__init__", "build", "__post_init__", "compile") if keras_step else ("__init__", "build", "__post_init__")
    for name, method in cls.methods.items():
        if name in skipped:
            continue
        for node in ctx.body(method).of_type(ast.Assign, ast.AugAssign):
            targets: list[ast.expr] = []
            value = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AugAssign):
                targets, value = [node.target], node.value
            for t in targets:
                if (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                        and _python_scalar(value)):
                    out.setdefault(t.attr, node.lineno)
    for attr, line in _instance_attribute_stores(ctx, cls).items():
        out.setdefault(attr, line)
    return out


def _instance_attribute_stores(ctx: ModuleContext, cls: ClassInfo) -> dict[str, int]:
    """`model = Denoiser(); ...; model.noise_scale = 0.5` in this module: attributes that code holding an
    instance of the class sets to a Python value (issue 11: `self.noise_scale` rebound elsewhere)."""
    if ctx.summary.classes.get(cls.name) is not cls:
        return {}
    tree = ctx.summary.source.tree
    instances = {t.id for st in ast.walk(tree) if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call)
                 and isinstance(st.value.func, ast.Name) and st.value.func.id == cls.name
                 for t in st.targets if isinstance(t, ast.Name)}
    out: dict[str, int] = {}
    if not instances:
        return out
    for st in ast.walk(tree):
        if isinstance(st, ast.Assign) and _python_scalar(st.value):
            for t in st.targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in instances:
                    out.setdefault(t.attr, st.lineno)
    return out


def _keras_step(ctx: ModuleContext, gf: GraphFunction) -> bool:
    """The graph function is (reached from) a Keras train/test/predict step that Keras traces itself."""
    fid = ctx.project.fid_of(gf.root)
    if fid is None:
        return False
    pf = ctx.project.facts.pf
    hy = pf.fns[fid]["hy"]
    return (hy is not None and hy[0] == "keras") or pf.root_kind[fid] == "keras"


def _guard_test(body: FunctionBody, node: ast.AST) -> bool:
    """`node` is read in the test of an `if` whose branch runs only while state is missing
    (`if not self._built:`): build bookkeeping, decided at the first trace on purpose."""
    child = node
    for anc in body.ancestors(node):
        if isinstance(anc, ast.If) and anc.test is child:
            return bool(anc.body) and is_once_guarded(body, anc.body[0])
        if isinstance(anc, ast.stmt):
            return False
        child = anc
    return False


def _python_scalar(value: ast.expr | None) -> bool:
    if isinstance(value, ast.Constant):
        return isinstance(value.value, (int, float, str, bool))
    if isinstance(value, ast.BinOp):
        return _python_scalar(value.left) or _python_scalar(value.right)
    return False


class StaleOuterRead(Rule):
    code = "HYB005"
    name = "stale-outer-read"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 2 right); was warning.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "Graph code keeps the value a global or attribute had when it was traced; later rebinding is ignored."
    what = """
        Finds graph code that reads a module-level name which the program rebinds (assigned more than
        once at module level, or written with `global` in a function; a name bound only through `global`
        statements counts when two functions bind it or one updates it in place), or reads `self.attr`
        where another method, or code holding an instance of the class (`model = Model(); model.attr =
        0.5`), assigns a Python number, string or bool to that attribute. A module default with one
        configuration function that stores a value once (`def set_x(v): global X; X = v`), called from
        no loop of the module, is configuration set before tracing, and module-level bindings that all
        assign the same literal are one constant: neither counts as rebinding. A method that graph code
        calls only on objects the same trace builds (`p = Params(); p.define(...)`) reads nothing stale.
    """
    why = """
        A `tf.function` captures the values of Python globals, free variables and object attributes when
        it traces. Rebinding them later does not retrace, so the graph silently keeps computing with the
        old value (TensorFlow guide, "Depending on Python global and free variables"). Variables are the
        exception: a graph reads a `tf.Variable`'s current value on every call.
    """
    example = """
        import tensorflow as tf

        learning_rate = 0.1

        @tf.function
        def update(w, g):
            return w - learning_rate * g

        def decay():
            global learning_rate
            learning_rate = learning_rate * 0.5
    """
    use_instead = """
        import tensorflow as tf

        learning_rate = tf.Variable(0.1)

        @tf.function
        def update(w, g):
            return w - learning_rate * g

        def decay():
            learning_rate.assign(learning_rate * 0.5)
    """
    fix_doc = "Suggestion only: keep the value in a `tf.Variable`, or pass it in as a tensor argument."
    references = (
        "https://www.tensorflow.org/guide/function#depending_on_python_global_and_free_variables",
        "https://www.tensorflow.org/guide/function#depending_on_python_objects",
    )
    valid = VALID
    invalid = INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        graph = ctx.graph_functions()
        if not graph:
            return
        rebound = _rebound_globals(ctx)
        for gf in graph:
            body = ctx.body(gf.info)
            local = body.local_names() - body.declared(ast.Global)
            own_globals, own_attrs = _written(body)
            reported: set[str] = set(own_globals) | {f"self.{a}" for a in own_attrs}
            for node in body.of_type(ast.Name):
                if isinstance(node.ctx, ast.Load) and node.id in rebound and node.id not in local and node.id not in reported:
                    reported.add(node.id)
                    yield ctx.report(self, node, f"graph code reads global `{node.id}`, which is rebound (line "
                                     f"{rebound[node.id]}): the traced graph keeps the value it saw when tracing"
                                     f"{via_text(gf)}", fn=gf,
                                     fix=Fix("keep it in a tf.Variable or pass it as a tensor argument", FixSafety.SUGGESTION))
            cls = gf.info.cls
            if cls is None:
                continue
            attrs = _reassigned_attributes(ctx, cls, _keras_step(ctx, gf))
            if attrs and not gf.is_root and ctx.project.facts.instance_made_by_graph_callers(gf.info):
                continue  # `self` is made by the same trace (lingvo's Params.Define, P5-tfmava): nothing stale
            for node in body.of_type(ast.Attribute):
                if (isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) and node.value.id == "self"
                        and node.attr in attrs and f"self.{node.attr}" not in reported
                        and not _guard_test(body, node)):
                    reported.add(f"self.{node.attr}")
                    yield ctx.report(self, node, f"graph code reads `self.{node.attr}`, which another method sets to a "
                                     f"Python value (line {attrs[node.attr]}): the graph keeps the traced value"
                                     f"{via_text(gf)}", fn=gf,
                                     fix=Fix("store it in a tf.Variable and .assign() it", FixSafety.SUGGESTION))
