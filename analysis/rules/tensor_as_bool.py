"""HYB016: a tensor used as a Python bool where AutoGraph cannot convert it.

Likely tensors: parameters of a tf.function (minus `self`/`cls` and parameters that look like Python
configuration), and whatever `facts.value_kinds` finds tensor-valued from the API table: static shapes
(`x.shape[0]`), dtypes, `tf.nest` results and `is`/`is not`/`in` comparisons are Python values.
"""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..body import FunctionBody
from ..facts.value_kinds import LocalKinds
from ..model import Finding, Fix, FixSafety, Severity
from ..project import GraphFunction
from ..summary import FunctionInfo
from ._local_tensors import body_kinds
from .base import Invalid, ModuleContext, Rule, Valid, via_text

DO_NOT_CONVERT = frozenset({"tensorflow.autograph.experimental.do_not_convert"})
_PYTHON_ANNOTATIONS = frozenset({"int", "float", "bool", "str", "bytes", "list", "dict", "tuple"})
_PASSTHROUGH_BUILTINS = frozenset({"builtins.bool", "builtins.int", "builtins.float"})


def likely_tensor_params(fn: FunctionInfo) -> set[str]:
    """Parameters that likely carry tensors while tracing: not self/cls, no literal default (None
    included: `name=None`, `seed=None` are Python options far more often than optional tensors), no
    Python type annotation."""
    args = fn.node.args
    positional = args.posonlyargs + args.args
    names = [a.arg for a in positional]
    defaults: dict[str, ast.expr] = dict(zip(names[len(names) - len(args.defaults):], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    out = set()
    for a in positional + args.kwonlyargs:
        if a.arg in ("self", "cls"):
            continue
        if isinstance(defaults.get(a.arg), ast.Constant):
            # A literal default (`n=4`, `name=None`, `training=False`) marks a Python configuration value.
            continue
        if isinstance(a.annotation, ast.Name) and a.annotation.id in _PYTHON_ANNOTATIONS:
            continue
        out.add(a.arg)
    return out


class TensorAsBool(Rule):
    code = "HYB016"
    name = "tensor-as-bool"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 0 of 1 right); was error.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "A tensor used as a Python bool where AutoGraph cannot convert it fails while tracing."
    what = """
        Finds (a) in a `tf.function(autograph=False)` or a `@tf.autograph.experimental.do_not_convert`
        function in graph code: `if`/`while`/`assert`/conditional expressions, `and`/`or`/`not`, and
        `bool()`/`int()`/`float()` applied to likely tensors; and (b) in any graph code, a `break` or
        `return` that depends on a tensor condition inside a Python `for ... in range(...)` loop.
        Likely tensors are the function's parameters (except `self`/`cls` and parameters with a literal
        default, `None` included, or a Python type annotation) and names assigned from `tf.*` calls; static shapes
        (`x.shape[0]`), dtypes and `is None` tests are Python values and are not reported.
    """
    why = """
        Without AutoGraph the Python body runs as-is during tracing, and a symbolic tensor has no truth
        value or number: `bool(t)` raises `OperatorNotAllowedInGraphError` and `int(t)` a `TypeError`.
        With AutoGraph on, a tensor `if` becomes `tf.cond`, but a loop over Python `range` stays a
        Python loop, and AutoGraph refuses a tensor-dependent `break` in it ("break and return
        statements which depend on a TF condition are not supported in Python for loops"); a `return`
        there fails too. A tensor-dependent `continue` does work and is not reported.
    """
    example = """
        import tensorflow as tf

        @tf.function(autograph=False)
        def relu(x):
            if x > 0:
                return x
            return tf.zeros_like(x)
    """
    use_instead = """
        import tensorflow as tf

        @tf.function(autograph=False)
        def relu(x):
            return tf.where(x > 0, x, tf.zeros_like(x))
    """
    fix_doc = """
        Suggestion only: enable AutoGraph (drop `autograph=False`), use `tf.where`/`tf.cond`, or loop
        with `tf.range`/`tf.while_loop` so that AutoGraph builds a graph loop.
    """
    references = (
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/limitations.md",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/control_flow.md",
        "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/reference/common_errors.md",
        "https://www.tensorflow.org/api_docs/python/tf/function",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function
            def relu(x):
                if x > 0:
                    return x
                return tf.zeros_like(x)
        """, note="AutoGraph converts the tensor `if`"),
        Valid("""
            import tensorflow as tf

            @tf.function(autograph=False)
            def first(x, mask=None):
                if x.shape[0] > 1 and mask is None:
                    return x[0]
                return x
        """, note="static shapes and `is None` are Python values"),
        Valid("""
            import tensorflow as tf

            @tf.function(autograph=False)
            def sample(shape, seed=None, name=None):
                with tf.name_scope(name or "sample"):
                    return tf.random.stateless_uniform(shape, seed=seed or [1, 2])
        """, note="`name or ...` on Python options with literal defaults"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def count(x):
                for i in tf.range(10):
                    if x > 5:
                        break
                    x += 1
                return x
        """, note="break in a tf.range loop"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def count(x):
                for i in range(3):
                    if x > i:
                        continue
                    x += 1
                return x
        """, note="tensor-dependent continue in a Python loop works"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def unroll(x, n: int):
                for i in range(3):
                    if n > i:
                        break
                    x += 1
                return x
        """, note="break on a Python value"),
        Valid("""
            import tensorflow as tf

            def test_needs_autograph(self):
                def foo(x):
                    if x > 0:
                        return x * x
                    return -x

                with self.assertRaises(Exception):
                    tf.function(foo, autograph=False)(tf.constant(2.0))
        """, note="the test asserts that tracing without AutoGraph fails"),
        Valid("""
            import tensorflow as tf

            def pmap(f, output_is_list):
                @tf.function(autograph=False)
                def fn(inputs):
                    res = tf.compat.v1.tpu.replicate(f, inputs)
                    if res and isinstance(res[0], list) and not output_is_list[0]:
                        res = [x[0] for x in res]
                    return res
                return fn
        """, note="tpu.replicate returns a Python list of per-replica outputs (trax's pmap, P50-growb)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function(autograph=False)
            def relu(x):
                if x > 0:
                    return x
                return tf.zeros_like(x)
        """, lines=(5,)),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def count(x):
                for i in range(3):
                    if x > i:
                        break
                    x = x + 1
                return x
        """, lines=(7,), note="tensor-dependent break in a Python range loop"),
        Invalid("""
            import tensorflow as tf

            @tf.autograph.experimental.do_not_convert
            def scale(x):
                total = tf.reduce_sum(x)
                positive = not total
                return x * int(total)

            @tf.function
            def step(x):
                return scale(x)
        """, lines=(6, 7), note="do_not_convert callee: `not` and int() on a tensor"),
        Invalid("""
            import tensorflow as tf

            def clip(x, limit):
                while x > limit and limit:
                    x = x / 2
                return x

            fast_clip = tf.function(clip, autograph=False)
        """, lines=(4,), note="while on a tensor, tf.function(f, autograph=False)"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            body = ctx.body(gf.info)
            unconverted = _autograph_off(ctx, gf)
            if unconverted and _failure_expected(ctx, gf):
                continue  # `with self.assertRaises(...): tf.function(foo, autograph=False)(x)`: the test's subject
            params = likely_tensor_params(gf.info) if gf.is_root or unconverted else set()
            tensors = body_kinds(ctx, body, params)
            fix = Fix("enable AutoGraph, use tf.where/tf.cond, or loop with tf.range", FixSafety.SUGGESTION)
            if unconverted:
                for node, what in _bool_uses(ctx, body, tensors):
                    message = (f"{what} on a tensor in a function that AutoGraph does not convert: a symbolic "
                               f"tensor has no Python truth value or number while tracing{via_text(gf)}")
                    yield ctx.report(self, node, message, fn=gf, fix=fix)
            else:
                for node in _tensor_exits_in_range_loops(ctx, body, tensors):
                    keyword = "break" if isinstance(node, ast.Break) else "return"
                    message = (f"`{keyword}` depends on a tensor inside a Python `for ... in range(...)` loop; "
                               f"AutoGraph cannot convert it and tracing fails (loop over `tf.range` instead)"
                               f"{via_text(gf)}")
                    yield ctx.report(self, node, message, fn=gf, fix=fix)


_EXPECT_RAISES = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "raises"})


def _failure_expected(ctx: ModuleContext, gf: GraphFunction) -> bool:
    """The `tf.function(...)` call sits in a `with self.assertRaises(...)` / `with pytest.raises(...)`
    block: the code asserts that tracing fails, which is what this rule would warn about."""
    site = gf.info.hybrid
    if not gf.is_root or site is None or site.kind != "call" or site.enclosing is None:
        return False
    for anc in ctx.body(site.enclosing).ancestors(site.node):
        if isinstance(anc, ast.With):
            for item in anc.items:
                call = item.context_expr
                func = call.func if isinstance(call, ast.Call) else None
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in _EXPECT_RAISES:
                    return True
    return False


def _autograph_off(ctx: ModuleContext, gf: GraphFunction) -> bool:
    node = gf.info.node
    for deco in getattr(node, "decorator_list", []):
        if ctx.qualify(deco.func if isinstance(deco, ast.Call) else deco) in DO_NOT_CONVERT:
            return True
    site = gf.info.hybrid
    if gf.is_root and site is not None and site.kind in ("decorator", "call"):
        flag = site.keywords.get("autograph")
        return isinstance(flag, ast.Constant) and flag.value is False
    return False


def _condition(e: ast.expr, what: str, tensors: LocalKinds, seen: set[int]) -> Iterator[tuple[ast.AST, str]]:
    """The tensors `e` calls bool() on, through `and`/`or`/`not` (a module-level function: a recursive
    closure is a reference cycle that would keep the run's trees for the cyclic collector)."""
    seen.add(id(e))
    if isinstance(e, ast.BoolOp):
        for v in e.values:
            yield from _condition(v, f"`{'and' if isinstance(e.op, ast.And) else 'or'}`", tensors, seen)
    elif isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
        yield from _condition(e.operand, "`not`", tensors, seen)
    elif tensors.is_tensor(e):
        yield e, what


def _bool_uses(ctx: ModuleContext, body: FunctionBody, tensors: LocalKinds) -> Iterator[tuple[ast.AST, str]]:
    seen: set[int] = set()

    def condition(e: ast.expr, what: str) -> Iterator[tuple[ast.AST, str]]:
        return _condition(e, what, tensors, seen)

    for st in body.of_type(ast.If, ast.While, ast.IfExp, ast.Assert):
        kind = {ast.If: "`if`", ast.While: "`while`", ast.IfExp: "a conditional expression",
                ast.Assert: "`assert`"}[type(st)]
        yield from condition(st.test, kind)
    for op in body.of_type(ast.BoolOp):
        if id(op) not in seen:
            seen.add(id(op))
            # Python calls bool() on every operand but the last; the last is only returned.
            for v in op.values[:-1]:
                yield from condition(v, f"`{'and' if isinstance(op.op, ast.And) else 'or'}`")
    for op in body.of_type(ast.UnaryOp):
        if isinstance(op.op, ast.Not) and id(op) not in seen:
            yield from condition(op.operand, "`not`")
    for call in body.calls:
        if ctx.qualify(call.func) in _PASSTHROUGH_BUILTINS and call.args and tensors.is_tensor(call.args[0]):
            yield call, f"`{ctx.source.segment(call.func)}()`"


def _tensor_exits_in_range_loops(ctx: ModuleContext, body: FunctionBody, tensors: LocalKinds) -> Iterator[ast.stmt]:
    for exit_ in body.of_type(ast.Break, ast.Return):
        tensor_condition = False
        for anc in body.ancestors(exit_):
            if isinstance(anc, ast.If) and tensors.is_tensor(anc.test):
                tensor_condition = True
            if isinstance(anc, (ast.For, ast.AsyncFor, ast.While)):
                if tensor_condition and _python_range_loop(ctx, anc, tensors):
                    yield exit_
                break  # the innermost loop decides how the exit is converted


def _python_range_loop(ctx: ModuleContext, loop: ast.AST, tensors: LocalKinds) -> bool:
    """`for ... in range(<Python values>)`: AutoGraph keeps it a Python loop (a tensor bound makes it tf.range)."""
    if not isinstance(loop, ast.For) or not isinstance(loop.iter, ast.Call):
        return False
    if ctx.qualify(loop.iter.func) != "builtins.range":
        return False
    return not any(tensors.is_tensor(a) for a in loop.iter.args)
