"""HYB015: Python iteration over tensors (comprehensions) and Python iterators/generators in graph code."""
from __future__ import annotations

import ast
from typing import Iterable

from ..model import Finding, Fix, FixSafety, Severity
from ..project import GraphFunction
from ..summary import ClassInfo
from .base import Invalid, ModuleContext, Rule, Valid, via_text
from ._local_tensors import body_kinds, container_aliases, root_tensor_params, uses_tensor

_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_ITERTOOLS_ITERATORS = frozenset({"itertools.cycle", "itertools.count", "itertools.repeat", "itertools.islice",
                                  "itertools.chain"})
_PY_COLLECTIONS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.GeneratorExp)


def _is_generator(fn_node: ast.AST) -> bool:
    for node in ast.walk(fn_node):
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if node is not fn_node and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
    return False


class PythonIteration(Rule):
    code = "HYB015"
    name = "python-iteration-in-graph"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 5 right); was warning.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "Comprehensions over tensors fail under tracing, and Python iterators advance only while tracing."
    what = """
        Finds, in graph code: list/set/dict comprehensions and generator expressions that iterate over a
        tensor; `next()` on a Python iterator built from a Python collection or generator; and `for`
        loops over a project generator function. A plain `for x in tensor:` statement is not reported:
        AutoGraph converts it to a `tf.while_loop` (checked on TensorFlow 2.21).

        Only positive evidence counts as a tensor (`analysis/facts/api_kinds.py`): `tf.nest.flatten`,
        `tf.unstack`, tuples, static shapes and names ever bound to a Python list are Python sequences.
        Recall note (issue 10): parameters are taken for tensors only for a `tf.function`, not for a
        Keras `call(inputs)` or a `tf.data` callback, whose arguments are often Python tuples or lists
        of tensors; a parameter the body treats as a structure (`isinstance(p, (list, tuple))`,
        `zip(p, ...)`, `tf.nest.*(p)`) is not taken for a tensor either.
    """
    why = """
        AutoGraph converts `for` statements but not comprehensions: iterating a symbolic tensor inside a
        comprehension raises an error at trace time. Python iterators and generators run only while
        tracing, so `next(it)` yields its first value into the graph and later calls replay that same
        value; a generator-driven loop is unrolled or frozen the same way.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def row_norms(matrix):
            return tf.stack([tf.norm(row) for row in matrix])
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def row_norms(matrix):
            return tf.map_fn(tf.norm, matrix)
    """
    fix_doc = """
        Suggestion only: `tf.map_fn`, `tf.range` with indexing, or a `tf.data` iterator (`iter(dataset)`)
        replace the Python iteration, but each changes how values are batched or typed.
    """
    references = (
        "https://www.tensorflow.org/guide/function#using_python_iterators_and_generators",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/common_errors.md",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def total(x):
                s = tf.constant(0.0)
                for row in x:
                    s += tf.reduce_sum(row)
                return s
        """, note="a for statement over a tensor becomes a tf.while_loop"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def train_step(iterator):
                batch = next(iterator)
                return tf.reduce_sum(batch)

            dataset = tf.data.Dataset.range(10).batch(2)
            iterator = iter(dataset)
            train_step(iterator)
        """, note="a tf.data iterator advances in the graph"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def scale_all(x, factors=(1.0, 2.0)):
                return [x * f for f in factors]
        """, note="a comprehension over a Python tuple of constants"),
        Valid("""
            import tensorflow as tf

            def rows(matrix):
                return [row for row in matrix]

            rows([[1, 2], [3, 4]])
        """, note="not graph code"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def add_noise(inputs, scale):
                flat = tf.nest.flatten(inputs)
                noisy = [t + scale * tf.random.normal(tf.shape(t)) for t in flat]
                sums = [tf.reduce_sum(t) for t in tf.nest.flatten(inputs)]
                pair = (scale, scale * 2.0)
                doubled = [p * 2.0 for p in pair]
                dims = [d or -1 for d in scale.shape]
                return tf.nest.pack_sequence_as(inputs, noisy), sums, doubled, dims
        """, note="tf.nest.flatten gives a Python list, a tuple and x.shape are Python sequences"),
        Valid("""
            import tensorflow as tf
            from tensorflow.python.util import nest

            @tf.function
            def log_prob_parts(structure, values):
                parts = nest.flatten_up_to(structure, values)
                return [tf.reduce_sum(v) for v in parts]
        """, note="issue 10 P16: TF's own nest module (and TFP's nest_util, dm-tree) returns Python lists too"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def blur(image, sigma):
                if isinstance(sigma, (list, tuple)):
                    sigma = tuple(sigma)
                else:
                    sigma = (sigma,) * 2
                if any(s < 0 for s in sigma):
                    raise ValueError("sigma must be >= 0")
                indices, values = [], []
                for i in range(3):
                    values.append(image * i)
                    indices.append(i)
                return tf.stack([tf.squeeze(v) for v in values], axis=0)

            def restore(flat_data, id_):
                return [tf.identity(t) for t in flat_data], id_

            dataset = tf.data.Dataset.from_tensors(((1.0, 2.0), 3)).map(restore)
        """, note="a parameter used as a tuple, a list built by append, a tf.data callback's tuple component"),
        Valid("""
            import tensorflow as tf

            WeightStruct = list
            ModelWeights = tuple[WeightStruct, WeightStruct]

            @tf.function
            def predict_on_batch(model_weights: ModelWeights, x):
                trainable, non_trainable = (list(w) for w in model_weights)
                return x @ trainable[0]
        """, note="a parameter annotated as a Python tuple (through a module type alias)"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def l2_penalty(model):
                return tf.add_n([tf.nn.l2_loss(v) for v in model.trainable_variables])
        """, note="model.trainable_variables is a Python list of variables (API summary, issue 11)"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def half_norms(x):
                return tf.stack([tf.norm(part) for part in tf.split(x, 2)])
        """, note="tf.split returns a Python list of tensors"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def flipped_gradients(model, loss_fn, x, idx, k):
                with tf.GradientTape() as tape:
                    loss = loss_fn(model(x))
                grads = tape.gradient(loss, model.variables)
                head = grads[:k]
                grads[:k] = [-g for g in head]
                grads = tf.dynamic_stitch(idx, grads)
                return grads
        """, note="issue 10 P23-fixa: tape.gradient returns a Python list mirroring its sources; "
                  "assigning into grads[:k] shows a list (tensors have no item assignment)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def row_norms(matrix):
                return tf.stack([tf.norm(row) for row in matrix])
        """, lines=(5,)),
        Invalid("""
            import tensorflow as tf

            schedule = iter([0.1, 0.01, 0.001])

            @tf.function
            def step(x):
                lr = next(schedule)
                return x * lr
        """, lines=(7,)),
        Invalid("""
            import itertools
            import tensorflow as tf

            class Schedule(tf.Module):
                def __init__(self):
                    self.rates = itertools.cycle([0.1, 0.01])

                @tf.function
                def step(self, x):
                    return x * next(self.rates)
        """, lines=(10,), note="an itertools iterator kept on self (issue 11)"),
        Invalid("""
            import tensorflow as tf

            def batches():
                for i in range(3):
                    yield tf.ones([2]) * i

            @tf.function
            def consume(x):
                for b in batches():
                    x = x + b
                return x
        """, lines=(9,)),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def pairs(x):
                y = tf.reshape(x, [-1, 2])
                return {int(i): v for i, v in enumerate(y)}
        """, lines=(6,)),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def half_norms(x):
                first, second = tf.split(x, 2)
                return tf.stack([tf.norm(row) for row in first])
        """, lines=(6,), note="an item of tf.split's list is a tensor (API summary, issue 11)"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def epoch(x, y):
                total = tf.constant(0.0)
                batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
                for features, labels in batches:
                    total += tf.add_n([tf.reduce_sum(f) for f in features])
                return total
        """, lines=(8,), note="the destructured element of a tf.data dataset is a tensor (issue 11)"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        python_iterators = self._module_python_iterators(ctx)
        aliases: set[str] | None = None
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            # Parameters are taken for tensors only for a tf.function: a Keras `call(inputs)` or a tf.data
            # callback often receives a Python list or tuple of tensors (a dataset element's components).
            traced_by_tf_function = gf.is_root and ctx.project.facts.pf.root_kind[gf.fid] == "tf.function"
            if traced_by_tf_function and aliases is None:
                aliases = container_aliases(ctx.source.tree)
            seeds = root_tensor_params(gf.info.node, gf.info.cls is not None, aliases or set()) \
                if traced_by_tf_function else set()
            tensors = body_kinds(ctx, body, seeds)
            for comp in body.of_type(*_COMPREHENSIONS):
                for gen in comp.generators:
                    iterable = gen.iter
                    if isinstance(iterable, ast.Call) and ctx.qualify(iterable.func) == "builtins.enumerate" and iterable.args:
                        iterable = iterable.args[0]
                    if uses_tensor(ctx, iterable, tensors) and not tensors.maybe_structure(iterable):
                        yield ctx.report(
                            self, comp,
                            f"comprehension iterates over a tensor in graph code; AutoGraph does not convert "
                            f"comprehensions, so tracing fails{via_text(gf)}", fn=gf,
                            fix=Fix("use tf.map_fn or a for statement over tf.range", FixSafety.SUGGESTION))
                        break
            local_iters = self._local_python_iterators(ctx, body.nodes)
            self_iters = self._attribute_python_iterators(ctx, gf.info.cls) if gf.info.cls is not None else set()
            for call in body.calls:
                if ctx.qualify(call.func) != "builtins.next" or not call.args:
                    continue
                arg, name = call.args[0], None
                if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name) and arg.value.id == "self" \
                        and arg.attr in self_iters:
                    name = f"self.{arg.attr}"
                elif isinstance(arg, ast.Name) and (arg.id in local_iters or (
                        arg.id in python_iterators and arg.id not in body.local_names())):
                    name = arg.id
                if name is not None:
                    yield ctx.report(
                        self, call,
                        f"`next({name})` on a Python iterator runs only while tracing: every call of the "
                        f"graph replays the value seen at trace time{via_text(gf)}", fn=gf,
                        fix=Fix("feed the values as tensors or iterate a tf.data.Dataset", FixSafety.SUGGESTION))
            yield from self._generator_loops(ctx, gf, body)

    def _generator_loops(self, ctx: ModuleContext, gf: GraphFunction, body) -> Iterable[Finding]:
        for loop in body.of_type(ast.For):
            if not isinstance(loop.iter, ast.Call):
                continue
            target = ctx.project.resolve_callee(gf.info, loop.iter.func)
            if target is not None and _is_generator(target.node):
                yield ctx.report(
                    self, loop.iter,
                    f"loop over Python generator `{target.qualname}` in graph code runs at trace time: it is "
                    f"unrolled and its values are frozen into the graph{via_text(gf)}", fn=gf,
                    fix=Fix("produce the values with tf.data.Dataset.from_generator or tensors", FixSafety.SUGGESTION))

    @staticmethod
    def _is_python_iterator_source(ctx: ModuleContext, value: ast.expr) -> bool:
        if isinstance(value, ast.GeneratorExp):
            return True
        if isinstance(value, ast.Call) and ctx.qualify(value.func) in _ITERTOOLS_ITERATORS:
            return True  # itertools.cycle([...]), itertools.count(): Python iterators (issue 11)
        if isinstance(value, ast.Call) and ctx.qualify(value.func) == "builtins.iter" and value.args:
            arg = value.args[0]
            return isinstance(arg, _PY_COLLECTIONS) or (
                isinstance(arg, ast.Call) and ctx.qualify(arg.func) in ("builtins.range", "builtins.zip", "builtins.enumerate")
            )
        return False

    def _attribute_python_iterators(self, ctx: ModuleContext, cls: ClassInfo) -> set[str]:
        """`self.attr = iter([...])` (or a generator, an itertools iterator) in any method of the class."""
        names: set[str] = set()
        for method in cls.methods.values():
            for node in ctx.body(method).of_type(ast.Assign):
                if self._is_python_iterator_source(ctx, node.value):
                    names.update(t.attr for t in node.targets if isinstance(t, ast.Attribute)
                                 and isinstance(t.value, ast.Name) and t.value.id == "self")
        return names

    def _module_python_iterators(self, ctx: ModuleContext) -> set[str]:
        names = set()
        for st in ctx.summary.source.tree.body:
            if isinstance(st, ast.Assign) and self._is_python_iterator_source(ctx, st.value):
                names.update(t.id for t in st.targets if isinstance(t, ast.Name))
        return names

    def _local_python_iterators(self, ctx: ModuleContext, nodes: list[ast.AST]) -> set[str]:
        names = set()
        for node in nodes:
            if isinstance(node, ast.Assign) and self._is_python_iterator_source(ctx, node.value):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return names
