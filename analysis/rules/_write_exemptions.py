"""HYB002's exemptions: stores to outer state that are meant, so `OuterWrites` does not report them.

State made once (the create-once guard, a variable or layer constructor, a memo flag), trace-time
bookkeeping (set-and-restore names, counters that only make names unique, side outputs of a forced
trace) and stores consumed within the same trace (per-trace temporaries, forward/backward hand-offs,
setters whose callers consume the value). Each was a false alarm on real code (the P<n> names in the
docstrings, bench/precision/patterns.md). Kept apart from what counts as a write (_outer_writes.py):
a mixin of `OuterWrites`, it reads that class's `ctx`, `gf`, `info`, `body`, `self_name` and `tensorish`.
"""
from __future__ import annotations

import ast
from typing import Callable, Iterable, Iterator

from ..body import FunctionBody
from ..facts.attribute_reads import unobserved_stores
from ..facts.model import CallSite
from ..facts.paths import is_test_path
from ..project import FunctionRef, GraphFunction
from ..summary import FunctionInfo
from ._callers import every_caller
from ._once_guard import is_once_guarded
from .base import ModuleContext

# Calls whose result is an object created once on purpose (variables, layers): HYB004's business.
# Objects that own TensorFlow state (a variable, a lookup table's resource): like `tf.Variable`, created
# on the first trace and kept on purpose (`root.table = tf.lookup.StaticHashTable(...)`).
_STATEFUL_FACTORY_PREFIXES = ("tensorflow.Variable", "keras.", "tensorflow.random.Generator", "tensorflow.Module",
                              "tensorflow.lookup.")


class WriteExemptions:
    """The checks `OuterWrites.store_problem` and `mutator_calls` ask before reporting a write."""

    # Set by `OuterWrites.__init__`.
    ctx: ModuleContext
    gf: GraphFunction
    info: FunctionInfo
    body: FunctionBody
    self_name: str | None
    locals_of: Callable[[FunctionInfo], set[str]]  # OuterNames.locals_of

    def _guarded_fill(self, call: ast.Call) -> bool:
        """`if not self._slots: self._slots.extend([tf.Variable(...) ...])`: a container filled under a
        create-once guard, like the guarded store `if self.v is None: self.v = ...`, holding no graph
        tensor."""
        return is_once_guarded(self.body, call) and not any(self.tensorish(a) for a in call.args)

    def _rebound_before(self, receiver: ast.expr, node: ast.AST) -> bool:
        """The mutated attribute was bound by an earlier statement of this function that always runs
        first (`self.vars = model.trainable_variables` ... `self.vars.extend(extra)`): each trace
        mutates the object it just bound, per-trace scratch like a local list."""
        if not isinstance(receiver, ast.Attribute):
            return False
        text = ast.unparse(receiver)
        child: ast.AST = node
        for anc in self.body.ancestors(node):
            for name in ("body", "orelse", "finalbody"):
                block = getattr(anc, name, None)
                if not isinstance(block, list) or not any(st is child for st in block):
                    continue
                for st in block:
                    if st is child:
                        break
                    if isinstance(st, ast.Assign) and any(ast.unparse(t) == text for t in st.targets):
                        return True
            if anc is self.body.node:
                break
            child = anc
        return False

    def created_once(self, st: ast.stmt, value: ast.expr | None) -> bool:
        """The lazy-creation idiom (`if self.v is None: self.v = ...`), a memo flag cleared under its own
        test (`if first_call: ...; first_call = False`), or a variable/layer constructor."""
        if is_once_guarded(self.body, st) or self._memo_flag(st, value):
            return True
        if isinstance(value, ast.Call):
            q = self.ctx.qualify(value.func)
            if q is not None and q.startswith(_STATEFUL_FACTORY_PREFIXES):
                return True
        return False

    def _trace_time_name(self, st: ast.stmt, name: str, value: ast.expr | None) -> bool:
        """A global/nonlocal the function sets and restores (`was = G; G = True; ... G = was`), or
        writes without reading with a Python value: a trace-time side output (read after
        `get_concrete_function()`, say), not a counter that should change per call."""
        stores = [n for n in self.body.of_type(ast.Name) if n.id == name and isinstance(n.ctx, ast.Store)]
        counter = any(isinstance(a.target, ast.Name) and a.target.id == name for a in self.body.of_type(ast.AugAssign))
        if len(stores) > 1 and not counter:
            return True
        reads = any(n.id == name and isinstance(n.ctx, ast.Load) for n in self.body.of_type(ast.Name))
        return not reads and value is not None and not self.tensorish(value)

    def _private_nonlocal(self, st: ast.stmt, name: str) -> bool:
        """`res_flat = None` in the enclosing function, then `nonlocal res_flat; res_flat = flatten(res);
        ... len(res_flat)` in the traced one: no code but this function reads the variable, and this
        function reads it only after the store, so each trace sets it and consumes it, like a local
        (jax2tf's `call_tf`, whose enclosing function only initialises it, P1-tffalse). A read before the
        store (a counter, a value kept from the last trace) or anywhere outside keeps it reported."""
        owner = self.info.parent
        while owner is not None and name not in self.locals_of(owner):
            owner = owner.parent
        if owner is None:
            return False
        end = st.end_lineno or st.lineno
        for node in self.body.of_type(ast.Name):
            if node.id == name and isinstance(node.ctx, ast.Load) and node.lineno <= end:
                return False
        mine = self.info.node
        stack: list[ast.AST] = [owner.node]
        while stack:
            node = stack.pop()
            if node is mine:
                continue  # this function's own reads are the ones checked above
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                return False
            stack.extend(ast.iter_child_nodes(node))
        return True

    def _traced_for_output(self) -> bool:
        """The enclosing function inspects this tf.function's traces: it traces it itself
        (`wrapper.get_concrete_function(...)`), or it is a test, whose subject is then what each trace
        saw (sonnet's conformance tests: "leak out the variables that were used", P26-precfix). Closure
        stores of Python values are the standard way to get a structure out of a trace."""
        parent = self.info.parent
        if not self.gf.is_root or parent is None:
            return False
        if parent.name.startswith("test") and is_test_path(self.ctx.path):
            return True
        for call in self.ctx.body(parent).calls:
            func = call.func
            if (isinstance(func, ast.Attribute) and func.attr == "get_concrete_function"
                    and isinstance(func.value, ast.Name) and func.value.id == self.info.name):
                return True
        return False

    def _uniqueness_counter(self, target: ast.Attribute) -> bool:
        """`self._counter += 1` whose every read in the class goes into a string or a hash (`str((seed,
        self._counter))`, `f"name_{self._count}"`): a counter that makes seeds or names unique, which is
        trace-time bookkeeping by design (issue 10 #3: TFP's SeedStream, name-scope counters). A counter
        that anything compares, returns or computes with is state (reported)."""
        cls = self.info.cls
        if cls is None or not (isinstance(target.value, ast.Name) and target.value.id == self.self_name):
            return False
        reads = 0
        for method in cls.methods.values():
            body = self.ctx.body(method)
            me = self_name_of(method)
            for node in body.of_type(ast.Attribute):
                if node.attr != target.attr or not (isinstance(node.value, ast.Name) and node.value.id == me) \
                        or not isinstance(node.ctx, ast.Load):
                    continue
                parent = body.parent(node)
                if isinstance(parent, ast.AugAssign) and parent.target is node:
                    continue
                if not any(_into_text(anc) for anc in body.ancestors(node)):
                    return False
                reads += 1
        return reads > 0

    def _memo_flag(self, st: ast.stmt, value: ast.expr | None) -> bool:
        if not (isinstance(value, ast.Constant) and isinstance(value.value, bool) and isinstance(st, ast.Assign)):
            return False
        names = {ast.unparse(t) for t in st.targets}
        for anc in self.body.ancestors(st):
            if isinstance(anc, ast.If) and any(ast.unparse(n) in names for n in ast.walk(anc.test)
                                               if isinstance(n, (ast.Name, ast.Attribute))):
                return True
        return False

    def _per_trace_temporary(self, st: ast.stmt, target: ast.expr) -> bool:
        """An attribute the same function stores again (swap and restore) or reads after storing it
        (directly, or through the object it belongs to: `self.layer.kernel = k; self.layer(x)`): the
        store is recomputed by every trace and consumed inside it, not state that goes stale."""
        text = ast.unparse(target)
        owner = ast.unparse(target.value) if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute) else None
        for node in self.body.of_type(ast.Attribute):
            if node is target:
                continue
            seen = ast.unparse(node)
            if seen == text and isinstance(node.ctx, ast.Store):
                return True  # swapped and restored: stored twice in the same trace
            if node.lineno <= st.lineno:
                continue
            if seen == text:
                return True
            if owner is not None and seen == owner and isinstance(node.ctx, ast.Load) and node.lineno > st.lineno:
                return True
        if owner is not None and self._callers_consume(text, owner):
            return True
        if self._sibling_consumes(target):
            return True
        return isinstance(target, ast.Attribute) and owner is None and self._callers_hand_on_receiver()

    def _unobserved(self, target: ast.expr) -> bool:
        """`self.total_losses = losses` where no module of the project reads an attribute named
        `total_losses` and nothing reads the object's attributes by computed names (the facts'
        `unobserved_stores`): a dead store, whose value nobody sees, so running only while tracing is
        harmless (Mava's MAPPO `_forward_pass`, P1-tfmava)."""
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                and target.value.id == self.self_name):
            return False
        fid = self.ctx.project.fid_of(self.info)
        return fid is not None and target.attr in unobserved_stores(self.ctx.project.facts.pf, fid)

    def _saved_and_restored(self, target: ast.Attribute) -> bool:
        """`prev = state.cache; try: state.cache = {}; ... finally: state.cache = prev`: the function saves
        the attribute and puts it back in a `finally`, so every trace leaves it as it found it (jax2tf's
        fresh constant cache per tf.function, P61-fixc)."""
        return _saves_and_restores(self.body.nodes, ast.unparse(target))

    def _scoped_container(self, target: ast.expr) -> bool:
        """`state.cache[key] = tensor` where every function of the module that binds `state.cache` saves it
        and puts it back in a `finally` (P61-fixc's scope): the container is installed around a trace and
        taken away after it, so what a trace stores in it does not outlive that trace (jax2tf's constant
        memo in `_tfval_to_tensor_jax_dtype`, P3-tffalse). A container that any function rebinds without
        restoring it, or that is never scoped, stays reported."""
        if not (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute)
                and isinstance(target.value.value, ast.Name)):
            return False
        text = ast.unparse(target.value)
        return self.ctx.shared(("scoped-container", text), lambda: _scoped_in_module(self.ctx.source.tree, text))

    def _sibling_consumes(self, target: ast.expr) -> bool:
        """A forward/backward hand-off (`_step` calls `self._forward(x)`, which stores `self.tape` and
        `self.losses[k]`, then `self._backward()`, which reads them): every caller is a method of the same
        class that, after the call, reads the attribute or calls a sibling method that reads it, so each
        trace stores the value and consumes it in the same trace (Mava's trainers, P55-growa)."""
        base = target.value if isinstance(target, ast.Subscript) else target
        cls = self.info.cls
        if cls is None or not (isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name)
                               and base.value.id == self.self_name):
            return False
        readers = {name for name, method in cls.methods.items()
                   if method is not self.info and _reads_own_attribute(self.ctx.body(method), self_name_of(method), base.attr)}

        def consumes(caller: FunctionInfo | FunctionRef, site: CallSite) -> bool:
            if getattr(caller, "cls", None) is not cls:
                return False
            me = self_name_of(caller)
            body = self.ctx.project.body(caller)
            for node in body.of_type(ast.Attribute):
                if node.lineno <= site.line or not (isinstance(node.value, ast.Name) and node.value.id == me):
                    continue
                call = body.parent(node)
                if (node.attr == base.attr and isinstance(node.ctx, ast.Load)) or (
                        node.attr in readers and isinstance(call, ast.Call) and call.func is node):
                    return True
            return False

        return every_caller(self.ctx, self.info, consumes)

    def _callers_hand_on_receiver(self) -> bool:
        """A setter called for its caller's next step (`self.decoder.setup_decoder_init_state(s)` then
        `dynamic_decode(self.decoder, ...)`): every caller calls it on an object that the same caller then
        hands, whole, to another call (or calls) in the same function, so the stored value is set and
        consumed by the same trace (TensorFlowTTS's `TFTacotronDecoder`, P46-fixa)."""
        if self.info.cls is None or self.self_name is None:
            return False

        def hands_on(caller: FunctionInfo | FunctionRef, site: CallSite) -> bool:
            try:
                body = self.ctx.project.body(caller)
            except KeyError:
                return False
            receivers = {ast.unparse(c.func.value) for c in body.calls
                         if c.lineno == site.line and isinstance(c.func, ast.Attribute) and c.func.attr == self.info.name}
            if len(receivers) != 1:
                return False
            receiver = receivers.pop()
            for call in body.calls:
                if call.lineno <= site.line:
                    continue
                values = [*call.args, *(k.value for k in call.keywords)]
                if ast.unparse(call.func) == receiver or any(ast.unparse(v) == receiver for v in values):
                    return True
            return False

        return every_caller(self.ctx, self.info, hands_on)

    def _callers_consume(self, text: str, owner: str) -> bool:
        """A method that sets `self.layer.kernel` for its callers (`self._compute_weights(); self.layer(x)`):
        every caller is a method of the same object that uses the attribute, or its owner, after the call."""
        if self.info.cls is None or self.self_name is None:
            return False

        def uses(caller: FunctionInfo | FunctionRef, site: CallSite) -> bool:
            return getattr(caller, "cls", None) is self.info.cls and any(
                node.lineno > site.line and isinstance(node.ctx, ast.Load) and ast.unparse(node) in (text, owner)
                for node in self.ctx.project.body(caller).of_type(ast.Attribute))

        return every_caller(self.ctx, self.info, uses)

    def _realias(self, value: ast.expr) -> bool:
        """An attribute chain of `self` (not a call, not arithmetic): storing it is idempotent, every
        trace stores the same object (a tf.Variable read through another attribute, say)."""
        if not isinstance(value, ast.Attribute):
            return False
        root = value
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id == self.self_name


def _saves_and_restores(nodes: Iterable[ast.AST], text: str) -> bool:
    """Among `nodes` (one function's), `prev = <text>` and a `finally:` that assigns `<text> = prev`."""
    nodes = list(nodes)
    saved = {t.id for st in nodes if isinstance(st, ast.Assign) and ast.unparse(st.value) == text
             for t in st.targets if isinstance(t, ast.Name)}
    if not saved:
        return False
    return any(isinstance(st, ast.Assign) and isinstance(st.value, ast.Name) and st.value.id in saved
               and any(ast.unparse(t) == text for t in st.targets)
               for node in nodes if isinstance(node, ast.Try) for st in node.finalbody)


def _scoped_in_module(tree: ast.Module, text: str) -> bool:
    """Some function of the module binds `<text>` (`state.cache`), and every one that does saves it and
    restores it in a `finally` (`_saves_and_restores`)."""
    binders = 0
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        own = list(_own_nodes(fn))
        if not any(isinstance(st, (ast.Assign, ast.AugAssign, ast.AnnAssign))
                   and any(ast.unparse(t) == text for t in (st.targets if isinstance(st, ast.Assign) else [st.target]))
                   for st in own):
            continue
        if not _saves_and_restores(own, text):
            return False
        binders += 1
    return binders > 0


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body, nested functions and classes left out (they are visited apart)."""
    stack = list(ast.iter_child_nodes(fn))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _into_text(node: ast.AST) -> bool:
    """An expression that turns its parts into text or a hash: `str(...)`, `repr(...)`, `hash(...)`, an
    f-string, `"...".format(...)`, `"..." % ...`."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in ("str", "repr", "hash"):
            return True
        if isinstance(func, ast.Attribute) and func.attr == "format" and isinstance(func.value, ast.Constant):
            return True
    return False


def _reads_own_attribute(body: FunctionBody, me: str | None, attr: str) -> bool:
    """Whether a method body reads `self.<attr>` (its own receiver's attribute)."""
    return me is not None and any(
        node.attr == attr and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) and node.value.id == me
        for node in body.of_type(ast.Attribute))


def self_name_of(fn: FunctionInfo) -> str | None:
    """The name of the instance parameter of a method (usually `self`), else None."""
    if fn.cls is None or not fn.params:
        return None
    node = fn.node
    for deco in getattr(node, "decorator_list", []):
        if isinstance(deco, ast.Name) and deco.id == "staticmethod":
            return None
    return fn.params[0]
