"""HYB017: Python loops that unroll into the graph."""
from __future__ import annotations

import ast
from typing import Iterable

from ..model import Finding, Fix, FixSafety, Severity
from ..project import GraphFunction
from .base import Invalid, ModuleContext, Rule, Valid, via_text
from ..facts.api_kinds import VARIABLE_LIST_ATTRIBUTES
from ..facts.value_kinds import LocalKinds
from ._local_tensors import is_tf_call

# A Python loop adds one copy of its body to the graph per iteration. AutoGraph itself only warns past
# 50,000 iterations (INEFFICIENT_UNROLL_MIN_ITERATIONS in tensorflow/python/autograph/operators/
# control_flow.py, TF 2.21), far too late for trace time and graph size; a few hundred copies of a body
# with TF ops already make tracing take seconds. We report literal ranges from this many iterations.
LARGE_LITERAL_RANGE = 100

_NUMPY_SEQUENCES = frozenset({"numpy.arange", "numpy.linspace", "numpy.array", "numpy.zeros", "numpy.ones"})


def _literal_int(body_nodes: list[ast.AST], arg: ast.expr) -> int | None:
    """The int a range argument is: a literal, or a local name whose every binding is `name = <one int
    literal>` (`ncolor = 2` in generated code is as small a loop as `range(2)`; issue 10 P48-growa)."""
    if isinstance(arg, ast.Constant) and type(arg.value) is int:
        return arg.value
    if not isinstance(arg, ast.Name):
        return None
    stores = sum(1 for n in body_nodes if isinstance(n, ast.Name) and n.id == arg.id and isinstance(n.ctx, ast.Store))
    values = [n.value.value for n in body_nodes  # type: ignore[attr-defined]
              if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
              and n.targets[0].id == arg.id and isinstance(n.value, ast.Constant) and type(n.value.value) is int]
    # Any other binding (a loop target, an update, a tuple unpacking) makes it no longer one literal.
    return values[0] if values and len(values) == stores and len(set(values)) == 1 else None


def _range_size(ctx: ModuleContext, it: ast.expr, body_nodes: list[ast.AST]) -> tuple[str, int | None] | None:
    """('range', N) for a literal-size range, ('range', None) for a non-literal one, ('numpy', ...)."""
    if not isinstance(it, ast.Call):
        return None
    q = ctx.qualify(it.func)
    if q == "builtins.range":
        args = it.args
        if not args or len(args) > 3:
            return None
        values = [_literal_int(body_nodes, a) for a in args]
        if all(v is not None for v in values):
            return ("range", len(range(*values)))  # type: ignore[arg-type]
        return ("range", None)
    if q in _NUMPY_SEQUENCES:
        return ("numpy", None)
    return None


def _numpy_array_name(ctx: ModuleContext, body_nodes: list[ast.AST], it: ast.expr) -> bool:
    """A name every binding of which (in the function, else at module level) is a NumPy sequence:
    `WEIGHTS = np.array([...])`, then `for w in WEIGHTS:` (issue 11)."""
    if not isinstance(it, ast.Name):
        return False
    local = [n.value for n in body_nodes if isinstance(n, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == it.id for t in n.targets)]
    values = local or [st.value for st in ctx.summary.source.tree.body if isinstance(st, ast.Assign)
                       and any(isinstance(t, ast.Name) and t.id == it.id for t in st.targets)]
    return bool(values) and all(isinstance(v, ast.Call) and ctx.qualify(v.func) in _NUMPY_SEQUENCES for v in values)


def _collects_into_list(loop: ast.For) -> bool:
    """The body appends to a Python list (`views.append(tf.map_fn(...))`): unrolling is the point, a
    few results gathered into a list (TF Similarity's augmenters, issue 11 precision study)."""
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("append", "extend")
               for st in loop.body for n in ast.walk(st))


def _indexes_python_sequence(ctx: ModuleContext, body_nodes: list[ast.AST], loop: ast.For) -> bool:
    """The loop index subscripts a Python sequence in the body (`prefactors[i]`, `aux[i]["class"]`): the
    loop walks Python data, one iteration per element, so unrolling is what the code needs, and with
    `tf.range` the index would be a tensor that cannot index a Python list. A Python sequence is a name
    the function binds only to Python structures (a list literal or comprehension, by the value kinds of
    `api_kinds`), or one whose elements are read with a string key (`aux[i]["class"]`: a list of dicts,
    which no tensor is), or a Keras/tf.Module variable list (`self.trainable_variables[i]`). kgcnn's
    polynomial coefficients, tf-encrypted's loop-variable metadata (P46-fixc)."""
    if not isinstance(loop.target, ast.Name):
        return False
    index = loop.target.id
    kinds: LocalKinds | None = None
    parents = {child: node for st in loop.body for node in ast.walk(st) for child in ast.iter_child_nodes(node)}
    for st in loop.body:
        for node in ast.walk(st):
            if not (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Name) and node.slice.id == index):
                continue
            # A Keras/tf.Module variable list (the API table's; not `weights`/`variables`, common words
            # elsewhere): the loop walks the variables, one op each (gradient-accumulator, P1-tfmore).
            if isinstance(node.value, ast.Attribute) and node.value.attr in VARIABLE_LIST_ATTRIBUTES:
                return True
            if not isinstance(node.value, ast.Name):
                continue
            outer = parents.get(node)
            if (isinstance(outer, ast.Subscript) and outer.value is node and isinstance(outer.slice, ast.Constant)
                    and isinstance(outer.slice.value, str)):
                return True
            if kinds is None:
                kinds = LocalKinds.of(ctx.qualify, body_nodes, ())
            if node.value.id not in kinds.tensors and kinds.is_python(node.value):
                return True
    return False


def _body_has_tf_ops(ctx: ModuleContext, loop: ast.For) -> bool:
    for stmt in loop.body:
        for node in ast.walk(stmt):
            if is_tf_call(ctx, node):
                return True
    return False


def _is_python_int_name(ctx: ModuleContext, body_nodes: list[ast.AST], name: str) -> bool:
    """Whether `name` is bound in the function to a literal int or len(...) (then range(name) unrolls)."""
    for node in body_nodes:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, int):
                return True
            if isinstance(value, ast.Call) and ctx.qualify(value.func) == "builtins.len":
                return True
    return False


def _primitive_param(ctx: ModuleContext, gf: GraphFunction, arg: ast.expr | None) -> bool:
    """`range(n)` where `n` is a parameter every call site passes a Python number (the facts' primitive
    parameter, decided from all call sites across modules; issue 11)."""
    if not isinstance(arg, ast.Name) or arg.id not in gf.info.params:
        return False
    body = ctx.body(gf.info)
    if any(isinstance(n, ast.Name) and n.id == arg.id and isinstance(n.ctx, ast.Store) for n in body.nodes):
        return False  # rebound in the body: the bound is no longer the argument
    return ctx.project.facts.primitive_param(gf.info, arg.id).value is True


class UnrolledLoop(Rule):
    code = "HYB017"
    name = "unrolled-python-loop"
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "A Python loop in graph code is unrolled: its body is copied into the graph once per iteration."
    what = """
        Finds `for` loops in graph code over `range(N)` with a large literal `N`, over `range(len(...))`
        or a Python int (a local, or a parameter every call site passes a Python number to), or over
        NumPy sequences (also through a name bound to one, `WEIGHTS = np.array(...)`), whose body calls
        TensorFlow ops. A loop bounded by a parameter is reported at info, and not when its body gathers
        results into a Python list (a few views or heads: unrolling is the point there). A non-literal
        range whose index subscripts a Python sequence (a list the function builds, a list of dicts
        read by string key, or a Keras/tf.Module variable list such as `self.trainable_variables`) is
        not reported: the loop walks Python data, and a `tf.range` index could not subscript it.
    """
    why = """
        AutoGraph converts a loop into `tf.while_loop` only when it iterates over a tensor (or
        `tf.range`). A loop over Python values runs at trace time and appends a copy of its body to the
        graph for every iteration: tracing gets slow, graphs get huge, and with `N` in the thousands
        memory and compile time explode. AutoGraph warns only past 50,000 iterations.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def smooth(x):
            for _ in range(1000):
                x = x * 0.999 + tf.reduce_mean(x) * 0.001
            return x
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def smooth(x):
            for _ in tf.range(1000):
                x = x * 0.999 + tf.reduce_mean(x) * 0.001
            return x
    """
    fix_doc = """
        Suggestion only: with `tf.range` the loop variable becomes a tensor, so Python uses of it
        (indexing a Python list, `if i == 0`) change meaning, and values carried across iterations must
        keep their dtype and shape.
    """
    references = (
        "https://www.tensorflow.org/guide/function#looping_over_python_data",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/common_errors.md",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/control_flow.md",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def smooth(x):
                for _ in tf.range(1000):
                    x = x * 0.999 + tf.reduce_mean(x) * 0.001
                return x
        """, note="tf.range becomes a tf.while_loop"),
        Valid("""
            import tensorflow as tf

            class Stack(tf.keras.Model):
                @tf.function
                def call(self, x):
                    for i in range(3):
                        x = tf.nn.relu(x)
                    return x
        """, note="a small fixed loop is intended unrolling"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def color_sum(jamp, cf):
                ncolor = 2
                total = tf.zeros_like(jamp[0])
                for i in range(ncolor):
                    for j in range(ncolor):
                        total = total + cf[i][j] * jamp[j]
                return total
        """, note="the bound is a name set to a small literal: as small as range(2) (madflow's generated "
                  "matrix elements, issue 10 P48-growa)"),
        Valid("""
            import tensorflow as tf

            def eager_loop(x):
                for _ in range(1000):
                    x = tf.sqrt(x)
                return x
        """, note="not graph code"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                total = 0
                for i in range(10000):
                    total += i
                return x + total
        """, note="no TF ops in the body: only Python arithmetic at trace time"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def repeat(x, n):
                for _ in range(n):
                    x = tf.sqrt(x + 1.0)
                return x

            def main():
                repeat(tf.constant(4.0), tf.constant(3))
        """, note="the bound is a tensor: AutoGraph makes range(n) a tf.while_loop"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def views(x, num_views):
                out = []
                for _ in range(num_views):
                    out.append(tf.image.random_flip_left_right(x))
                return out

            def main(images):
                return views(images, 2)
        """, note="results gathered into a Python list: the unrolling is the point"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def legendre(x, n=4):
                out = tf.zeros_like(x)
                prefactors = [float((-1) ** k) / (k + 1) for k in range(n // 2 + 1)]
                powers = [float(n - 2 * k) for k in range(n // 2 + 1)]
                for i in range(len(powers)):
                    out = out + prefactors[i] * tf.pow(x, powers[i])
                return out
        """, note="the index reads Python lists of precomputed terms: unrolling is intended, and a tf.range "
                  "index cannot subscript a list (kgcnn, P46-fixc)"),
        Valid("""
            import tensorflow as tf

            def wrap(aux, native):
                out = []
                for i in range(len(aux)):
                    if aux[i]["scaled"]:
                        out.append(tf.identity(native[i]) * 2.0)
                    else:
                        out.append(tf.identity(native[i]))
                return out

            @tf.function
            def body(*native):
                return wrap(AUX, native)
        """, note="the index reads per-variable metadata dicts (`aux[i][\"scaled\"]`): one iteration per "
                  "loop variable is intended (tf-encrypted, P46-fixc)"),
        Valid("""
            import tensorflow as tf

            class Accumulating(tf.keras.Model):
                def train_step(self, data):
                    x, y = data
                    with tf.GradientTape() as tape:
                        loss = self.compiled_loss(y, self(x, training=True))
                    self.optimizer.apply_gradients(zip(tape.gradient(loss, self.trainable_variables),
                                                       self.trainable_variables))
                    for i in range(len(self.accumulated)):
                        self.accumulated[i].assign(tf.zeros_like(self.trainable_variables[i]))
                    return {"loss": loss}
        """, note="the index walks the model's variable list, one reset per variable: a tf.range index could "
                  "not subscript it (gradient-accumulator, P1-tfmore)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def smooth(x):
                for _ in range(1000):
                    x = x * 0.999 + tf.reduce_mean(x) * 0.001
                return x
        """, lines=(5,)),
        Invalid("""
            import numpy as np
            import tensorflow as tf

            @tf.function
            def integrate(x):
                for t in np.linspace(0.0, 1.0, 500):
                    x = x + tf.sin(x * t)
                return x
        """, lines=(6,)),
        Invalid("""
            import tensorflow as tf

            def apply_all(x, weights):
                for i in range(len(weights)):
                    x = tf.matmul(x, weights[i])
                return x

            @tf.function
            def forward(x, weights):
                return apply_all(x, weights)
        """, lines=(4,), note="interprocedural: the helper's loop unrolls under forward's trace"),
        Invalid("""
            import numpy as np
            import tensorflow as tf

            WEIGHTS = np.array([0.1, 0.2, 0.3])

            @tf.function
            def weighted(x):
                total = tf.zeros_like(x)
                for w in WEIGHTS:
                    total += tf.sin(x) * w
                return total
        """, lines=(9,), note="a module-level NumPy array (issue 11)"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def repeat(x, n):
                for _ in range(n):
                    x = tf.sqrt(x + 1.0)
                return x

            def main():
                repeat(tf.constant(4.0), 3)
                repeat(tf.constant(9.0), 5)
        """, lines=(5,), note="range bounded by a parameter every call site passes a Python int (issue 11)"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            for loop in body.of_type(ast.For):
                kind = _range_size(ctx, loop.iter, body.nodes)
                if kind is None and _numpy_array_name(ctx, body.nodes, loop.iter):
                    kind = ("numpy", None)
                if kind is None or not _body_has_tf_ops(ctx, loop):
                    continue
                what, size = kind
                severity = None
                if what == "range" and size is not None:
                    if size < LARGE_LITERAL_RANGE:
                        continue
                    detail = f"{size} copies of the loop body"
                elif what == "range":
                    if _indexes_python_sequence(ctx, body.nodes, loop):
                        continue
                    arg = loop.iter.args[-1] if isinstance(loop.iter, ast.Call) and loop.iter.args else None  # type: ignore[union-attr]
                    if self._python_int_arg(ctx, body.nodes, arg):
                        detail = "one copy of the loop body per iteration (the bound is a Python int)"
                    elif _primitive_param(ctx, gf, arg) and not _collects_into_list(loop):
                        detail = (f"one copy of the loop body per iteration (the bound `{arg.id}` is a Python "  # type: ignore[union-attr]
                                  f"number at every call site)")
                        severity = Severity.INFO  # new in issue 11: not yet measured by the precision study
                    else:
                        continue
                else:
                    detail = "one copy of the loop body per element of a NumPy sequence"
                message = f"Python loop in graph code is unrolled into {detail}; use tf.range or tf.data{via_text(gf)}"
                yield ctx.report(self, loop.iter, message, fn=gf, severity=severity,
                                 fix=Fix("iterate over tf.range(...) so AutoGraph builds a tf.while_loop",
                                         FixSafety.SUGGESTION))

    @staticmethod
    def _python_int_arg(ctx: ModuleContext, nodes: list[ast.AST], arg: ast.expr | None) -> bool:
        if isinstance(arg, ast.Call) and ctx.qualify(arg.func) == "builtins.len":
            return True
        if isinstance(arg, ast.Name):
            return _is_python_int_name(ctx, nodes, arg.id)
        return False
