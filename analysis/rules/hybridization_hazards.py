"""HYB024: hazards the Hybridize tool declines: KerasTensor arguments, non-string `name`s, stale variable reads."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..facts.api_names import invalid_name_argument
from ..facts.fact_kinds import KERAS
from ..facts.rulesupport import find_call
from ..model import Finding, Fix, FixSafety, Severity
from ..summary import FunctionInfo
from .base import Invalid, ModuleContext, Rule, Valid, via_text

_VARIABLE_LISTS = frozenset({"trainable_variables", "trainable_weights"})
_GRADIENT_CONSUMERS = frozenset({"apply_gradients", "minimize", "gradient", "jacobian"})


def _calls_owner(ctx: ModuleContext, fn: FunctionInfo, owner: str, depth: int) -> bool:
    """`fn` (a method of the same object) calls `owner(...)`, itself or through its own `self.` helpers."""
    body = ctx.project.body(fn)
    source = fn.module.source
    for call in body.calls:
        if source.segment(call.func) == owner:
            return True
        if depth > 0 and _is_self_method(call):
            callee = ctx.project.resolve_callee(fn, call.func)
            if callee is not None and callee is not fn and _calls_owner(ctx, callee, owner, depth - 1):
                return True
    return False


def _is_self_method(call: ast.Call) -> bool:
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"


def _called_by_earlier_helper(ctx: ModuleContext, fn: FunctionInfo, body, owner: str,  # noqa: ANN001
                              before: tuple[int, int]) -> bool:
    """A `self.` helper called before `before` calls `owner(...)` (tf2rl's `_compute_td_error_body` runs the
    critic inside the tape, then the step reads `self.critic.trainable_variables`): `self.critic` is built."""
    if not owner.startswith("self."):
        return False
    return any(_is_self_method(call) and (call.lineno, call.col_offset) < before
               and (callee := ctx.project.resolve_callee(fn, call.func)) is not None and callee is not fn
               and _calls_owner(ctx, callee, owner, 1)
               for call in body.calls)


class HybridizationHazards(Rule):
    code = "HYB024"
    name = "hybridization-hazard"
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "This works eagerly but fails once the function is traced."
    what = """
        Finds three hazards that the Hybridize tool declines to refactor: (a) a call site that passes a
        KerasTensor (the symbolic output of `tf.keras.Input` or of a layer applied to one) to a
        `tf.function`; (b) in graph code, a non-string value passed positionally where a TensorFlow op
        takes its `name` (`tf.sqrt(x, tf.float32)`); (c) in graph code, `model.trainable_variables` read
        before the model is first called in the same function and fed to `apply_gradients`, `minimize`
        or `tape.gradient`.
    """
    why = """
        (a) `tf.function` rejects symbolic Keras tensors on the first call (the exception type differs
        between Keras versions). (b) Eager execution ignores the `name` argument; tracing validates it
        and raises. (c) A subclassed model creates its variables on its first call, so a list read
        before that call is empty during the first trace and the optimizer gets no variables.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def step(model, opt, x):
            variables = model.trainable_variables
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(model(x))
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def step(model, opt, x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(model(x))
            variables = model.trainable_variables
            opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
    """
    fix_doc = """
        Suggestion only: read the variables after the forward pass; pass dtypes by keyword
        (`dtype=`); do not wrap functional-model builders in `tf.function`.
    """
    references = (
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring/issues/887",
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring/issues/814",
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring/issues/822",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(model, opt, x):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(x))
                variables = model.trainable_variables
                opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        """, note="variables read after the forward pass"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                return tf.sqrt(x, name="root")
        """, note="a string name"),
        Valid("""
            import tensorflow as tf

            def build(x):
                return tf.keras.layers.Dense(3)(x)

            inputs = tf.keras.Input(shape=(4,))
            outputs = build(inputs)
        """, note="KerasTensor passed to a plain (eager) function"),
        Valid("""
            import tensorflow as tf

            def f(x):
                return tf.sqrt(x, tf.float32)
        """, note="eager code ignores the name (HYB021 will not hybridize it; nothing fails now)"),
        Valid("""
            import tensorflow as tf

            class DDPG:
                def __init__(self, critic, optimizer):
                    self.critic, self.critic_optimizer = critic, optimizer

                def _td_error(self, states, targets):
                    return targets - self.critic(states)

                @tf.function
                def train(self, states, targets):
                    with tf.GradientTape() as tape:
                        loss = tf.reduce_mean(self._td_error(states, targets) ** 2)
                    grads = tape.gradient(loss, self.critic.trainable_variables)
                    self.critic_optimizer.apply_gradients(zip(grads, self.critic.trainable_variables))
                    return self.critic(states)
        """, note="a helper called first runs the model (issue 10 P26-corpusa, tf2rl's DDPG/TD3)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def build(x):
                return tf.keras.layers.Dense(3)(x)

            inputs = tf.keras.Input(shape=(4,))
            outputs = build(inputs)
        """, lines=(8,), note="(a) KerasTensor argument"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                return tf.sqrt(x, tf.float32)
        """, lines=(5,), note="(b) dtype where the name goes"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def step(model, opt, x):
                variables = model.trainable_variables
                with tf.GradientTape() as tape:
                    loss = tf.reduce_sum(model(x))
                opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        """, lines=(5,), note="(c) stale trainable_variables"),
        Invalid({
            "net.py": """
                import tensorflow as tf

                @tf.function
                def forward(t):
                    return t * 2
            """,
            "build.py": """
                import tensorflow as tf
                from net import forward

                def make():
                    inp = tf.keras.Input(shape=(2,))
                    return forward(inp)
            """,
        }, path="build.py", lines=(6,), note="(a) across modules"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        yield from self._keras_tensor_arguments(ctx)
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            for call in body.calls:
                found = invalid_name_argument(call, ctx.qualify)
                if found is not None:
                    q, arg, bad = found
                    yield ctx.report(self, arg, (
                        f"`{bad}` is passed where `{q.replace('tensorflow.', 'tf.')}` takes its `name`: eager "
                        f"execution ignores it, tracing raises{via_text(gf)}"),
                        fn=gf, fix=Fix("pass it by keyword (e.g. `dtype=`) or drop it", FixSafety.SUGGESTION))
            yield from self._stale_variables(ctx, gf)

    def _keras_tensor_arguments(self, ctx: ModuleContext) -> Iterator[Finding]:
        facts = ctx.project.facts
        pf = facts.pf
        mi = pf.by_path.get(ctx.path)
        if mi is None:
            return
        base, count = pf.base[mi], len(pf.mods[mi]["fns"])
        for fid in range(base, base + count):
            for edge in pf.edges[fid]:
                if pf.root_kind[edge.callee] != "tf.function" or edge.via.startswith("callback:"):
                    continue
                names = [name for name, kind in pf.bind(edge).items() if kind == KERAS]
                if not names:
                    continue
                node = find_call(ctx.summary.source.tree, edge.line, edge.col)
                if node is None:
                    continue
                callee = pf.fns[edge.callee]["q"]
                yield ctx.report(self, node, (
                    f"a KerasTensor (from tf.keras.Input or a layer applied to one) is passed as `{names[0]}` to "
                    f"tf.function `{callee}`, which rejects symbolic Keras tensors when called"),
                    fix=Fix("call the plain Python function while building a functional model", FixSafety.SUGGESTION))

    def _stale_variables(self, ctx: ModuleContext, gf) -> Iterator[Finding]:  # noqa: ANN001
        body = ctx.body(gf.info)
        reads = [n for n in body.of_type(ast.Attribute) if n.attr in _VARIABLE_LISTS and isinstance(n.ctx, ast.Load)]
        if not reads:
            return
        first_call: dict[str, tuple[int, int]] = {}
        for call in body.calls:
            text = ctx.source.segment(call.func)
            pos = (call.lineno, call.col_offset)
            if text not in first_call or pos < first_call[text]:
                first_call[text] = pos
        consumers = [c for c in body.calls if isinstance(c.func, ast.Attribute) and c.func.attr in _GRADIENT_CONSUMERS]
        for read in reads:
            owner = ctx.source.segment(read.value)
            called = first_call.get(owner)
            if called is None or (read.lineno, read.col_offset) >= called:
                continue
            if _called_by_earlier_helper(ctx, gf.info, body, owner, (read.lineno, read.col_offset)):
                continue
            if not self._feeds(body, read, consumers, ctx):
                continue
            yield ctx.report(self, read, (
                f"`{owner}.{read.attr}` is read before `{owner}(...)` is first called here: a subclassed model "
                f"creates its variables on that call, so the list is empty during the first trace{via_text(gf)}"),
                fn=gf, fix=Fix("read the variables after the forward pass", FixSafety.SUGGESTION))

    @staticmethod
    def _feeds(body, read: ast.Attribute, consumers: list[ast.Call], ctx: ModuleContext) -> bool:  # noqa: ANN001
        """The read (or the name it is assigned to) appears in a gradient/optimizer call."""
        names: set[str] = set()
        parent = body.parent(read)
        if isinstance(parent, ast.Assign):
            names = {t.id for t in parent.targets if isinstance(t, ast.Name)}
        for call in consumers:
            for node in ast.walk(call):
                if node is read or (isinstance(node, ast.Name) and node.id in names):
                    return True
        return False
