"""HYB022: a tf.function that brings no benefit (Hybridize P2 / P3 / P6): de-hybridize it."""
from __future__ import annotations

import ast
from typing import Iterable

from ..facts.preconditions import CONVERT_TO_EAGER
from ..facts.rulesupport import MIN_TENSOR_WORK, decorator_node
from ..fixes.catalog import fix_for
from ..model import Finding, FixSafety, Severity
from ..summary import FunctionInfo, HybridSite
from ._hybrid_call_sites import only_cast_reads
from .base import Invalid, ModuleContext, Rule, Valid

_WHY = {
    "P2": "none of its parameters is a tensor at any known call site, so a graph has nothing to specialise on",
    "P3": "a parameter receives Python values, so it retraces for each new value and the graph cost is not repaid",
    "P6": "it does no TensorFlow computation, so a graph only adds tracing overhead",
}


def _varying_primitive(facts, fid: int) -> bool:  # noqa: ANN001
    """Some parameter receives Python values that change between calls (a loop index, a computed int)."""
    return bool(_varying_params(facts, fid))


def _varying_params(facts, fid: int) -> list[str]:  # noqa: ANN001
    return [name for name, raw in facts.fx.primitive[fid].items() if raw[1] == "sites-varying"]


class ConvertToEager(Rule):
    code = "HYB022"
    name = "convert-to-eager-opportunity"
    severity = Severity.INFO
    fix_safety = FixSafety.GATED
    summary = "This tf.function gains nothing from a graph (no tensor inputs, no tensor work, or constant retracing)."
    what = """
        Finds a `tf.function` (decorator or `tf.function(f)` wrapper) that meets one of the Hybridize
        "optimize hybrid function" preconditions, computed across the repository: (P2) no parameter is
        likely a tensor at any known call site and it does little tensor work; (P3) it takes tensors but
        also Python literals that vary, so it retraces; (P6) it does no TensorFlow computation at all.
        In every case it must have no Python side effects (de-hybridizing would make them run on every
        call). It is not reported when graph mode is required by how the function is used:
        `get_concrete_function`, `tf.saved_model.save`, TFLite conversion, `strategy.run`, `jit_compile`,
        or as a `tf.data` callback.
    """
    why = """
        Tracing has a cost, paid again on every retrace: a graph function fed 30 different Python ints
        traced 30 times on TensorFlow 2.21, each call about 1,800x slower than the plain Python function.
        A function with no tensor work gains nothing from a graph.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def describe(name, count):
            return f"{name}: {count}"

        describe("a", 1)
    """
    use_instead = """
        def describe(name, count):
            return f"{name}: {count}"
    """
    fix_doc = """
        Gated: removes the `@tf.function` decorator (or unwraps `tf.function(f)`) only when every fact is
        determinate and the function is not public API. For P3, passing tensors (HYB006's fix) usually
        beats de-hybridizing; the message says so.

        Where we deliberately differ from Hybridize's P3: when every parameter that receives varying
        Python values is only read as `tf.cast(param, dtype)`, passing `tf.constant(value)` provably
        changes no value (HYB006 applies it, gated), so the graph and its speedup stay and HYB022 does
        not de-hybridize. Hybridize cannot rewrite call sites, so removing the decorator is its only
        remedy.
    """
    references = (
        "https://www.tensorflow.org/guide/function#controlling_retracing",
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring",
    )
    valid = (
        Valid("""
            import collections
            import tensorflow as tf

            @tf.function
            def empty_metrics_state():
                return collections.OrderedDict()

            class FunctionalModel:
                def __init__(self, metrics_fns=(empty_metrics_state,)):
                    for fn in metrics_fns:
                        if not hasattr(fn, "get_concrete_function"):
                            raise TypeError("metrics functions must be tf.functions")
                    self._metrics_fns = metrics_fns
        """, note="issue 10 P30-precfix: handed on as a value, not called: the receiver may need the tf.function "
                  "object (TFF's FunctionalModel checks for get_concrete_function)"),
        Valid("""
            import tensorflow as tf

            def stochastic_rounding(x, beta):
                floored_x = tf.floor(x)
                decimal_x = x - floored_x

                @tf.function
                def try_rounding(tries):
                    uniform = tf.random.stateless_uniform(tf.shape(x), seed=[7, tries], dtype=x.dtype)
                    return floored_x + tf.cast(uniform < decimal_x, x.dtype)

                tries = 1
                rounded_x = try_rounding(tries)
                while beta > 0 and tf.norm(rounded_x) > 1.0:
                    tries += 1
                    rounded_x = try_rounding(tries)
                return rounded_x
        """, note="issue 10 P28-precfix: `tries += 1` in a loop varies per call, so HYB006 reports the retracing "
                  "(its fix keeps the graph for the work on captured tensors); not also 'gains nothing'"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def warmup(step, base):
                return base * tf.minimum(1.0, tf.cast(step, tf.float32) / 100.0)

            for step in range(1000):
                warmup(step, 0.1)
        """, note="varying Python ints feeding tensor work: HYB006 reports it and keeps the graph"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def step(x, w):
                return tf.matmul(x, w)

            step(tf.ones((2, 2)), tf.ones((2, 2)))
        """, note="tensor parameters and no literals: the graph pays off"),
        Valid("""
            import tensorflow as tf

            count = 0

            @tf.function
            def describe(n):
                global count
                count += 1
                return n

            describe(1)
        """, note="Python side effect: de-hybridizing would change how often it runs"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def constant_graph(n):
                return n * 2

            concrete = constant_graph.get_concrete_function(3)
            constant_graph(3)
        """, note="used with get_concrete_function: graph mode is required"),
        Valid("""
            import tensorflow as tf

            @tf.function(jit_compile=True)
            def scale(n):
                return n * 2

            scale(3)
        """, note="jit_compile asks for XLA on purpose"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def f(x):
                return helper(x)
        """, note="no known call site and an unresolved call: facts undeterminable"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def describe(name, count):
                return f"{name}: {count}"

            def test_describe_traces():
                assert describe("a", 1) is not None
        """, path="tests/test_tracing.py", note="in a test, the tf.function is the test's subject (tracing)"),
        Valid("""
            import tensorflow as tf

            data = tf.random.normal([100, 3])
            w = tf.Variable(tf.ones([3, 1]))

            @tf.function
            def loss():
                return tf.timestamp() - tf.reduce_sum(w)

            loss()
        """, note="no parameters: the TF work runs on captured tensors and variables"),
        Valid("""
            import tensorflow as tf
            import tensorflow_federated as tff

            def build(metrics):
                @tf.function
                def reset_metrics():
                    for metric in metrics:
                        metric.reset_state()

                @tff.tensorflow.computation(tf.int32)
                @tf.function
                def finalize(reservoir):
                    return reservoir

                return reset_metrics, finalize
        """, note="metric state updates are TF work; a framework decorator above @tf.function needs it"),
        Valid("""
            import tensorflow as tf

            TFFunctionType = type(tf.function(lambda: None, autograph=False))

            def is_compiled(fn):
                return isinstance(fn, TFFunctionType)
        """, note="the tf.function object goes straight to another call (here `type`): nothing is traced"),
        Valid("""
            import tensorflow as tf

            class AugmentationMethod:
                @tf.function
                def augment(self, *args, **kwargs):
                    raise NotImplementedError()
        """, note="an abstract method: the decorator is a contract for the subclasses (issue 10 P30-corpusa, "
                  "TensorFlowASR)"),
        Valid("""
            import tensorflow as tf

            def evaluate_epoch(model, strategy, dataset):
                def distributed_step(sample):
                    per_replica = strategy.run(model.eval_sample, args=(sample,))
                    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

                step = tf.function(distributed_step)
                return [step(sample) for sample in dataset]
        """, note="strategy.run/reduce run a replica step and a collective: TensorFlow work (issue 10 P31-corpusa, "
                  "TF Graphics)"),
        Valid("""
            import tensorflow as tf

            class MovingAverage:
                def __init__(self, variables, step, decay=0.9999):
                    self._ema = tf.train.ExponentialMovingAverage(decay, num_updates=step)
                    self._variables = variables

                @tf.function
                def update(self):
                    self._ema.apply(self._variables)
        """, note="issue 10 P51-fixa: ExponentialMovingAverage.apply runs one assign per variable; the graph "
                  "batches them (API table `TF_OBJECT_OP_METHODS`)"),
        Valid("""
            from abc import abstractmethod
            import tensorflow as tf

            class InfluenceCalculator:
                @abstractmethod
                def _influence_vector(self, samples):
                    raise NotImplementedError()

                @tf.function
                def _influence_of_batch(self, samples):
                    return self._influence_vector(samples)
        """, note="issue 10 P52-fixa: the body calls an abstract method; what runs is a subclass's override "
                  "(gradients, Hessians), not the stub"),
        Valid("""
            import tensorflow as tf

            class Model:
                def __init__(self):
                    @tf.function
                    def reset_state():
                        return 0

                    self.reset_fn = reset_state
        """, note="issue 11 P66-recall3: stored on the object and never called in the module: a receiver may "
                  "still need the tf.function object (P30-precfix)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def describe(name, count):
                return f"{name}: {count}"

            describe("a", 1)
        """, lines=(3,), note="P6: no tensor computation"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def power(x, n):
                return tf.pow(x, n)

            for i in range(10):
                power(tf.constant(2.0), i)
        """, lines=(3,), note="P3: tensor and loop-varying int (retracing)"),
        Invalid({
            "pkg/__init__.py": "",
            "pkg/_impl.py": """
                import tensorflow as tf

                def add_one(v):
                    return v + 1

                fast_add = tf.function(add_one)
            """,
            "pkg/_use.py": """
                from pkg._impl import fast_add

                fast_add(3)
                fast_add(4)
            """,
        }, path="pkg/_impl.py", lines=(6,), note="P2 on a tf.function(f) wrapper, called from another module"),
        Invalid("""
            import tensorflow as tf

            class YoloLayer(tf.keras.layers.Layer):
                def __init__(self, new_coords):
                    super().__init__()

                    @tf.function
                    def _coords(x):
                        return x

                    if new_coords:
                        self._yolo_function = _coords

                def call(self, x):
                    return self._yolo_function(x)
        """, lines=(7,), note="issue 11 P66-recall3 (yolov4): an identity function stored as `self._yolo_function` "
                              "and called through it is still only called, not handed to a receiver (P30-precfix)"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        facts = ctx.project.facts
        fx = facts.fx
        for fn in ctx.summary.functions:
            site = fn.hybrid
            if site is None or site.kind not in ("decorator", "call"):
                continue
            fid = facts.fid(fn)
            if fid is None or fx.effects[fid] or fx.unknown[fid] is not None:
                continue
            if site.kind == "decorator" and _wrapped_further(fn, site):
                continue  # `@framework.computation(...)` over `@tf.function`: the outer wrapper needs a tf.function
            ff = facts.of(fid)
            if ff is None or ff.refactoring != CONVERT_TO_EAGER or ff.blocked_by:
                continue
            which = [n.split(" ", 1)[1] for n in ff.notes if n.startswith("precondition ")]
            kinds = which[0].split("/") if which else []
            if kinds == ["P2"] and ff.tensor_work > 0 and not [p for p in fn.params if p not in ("self", "cls")]:
                continue  # no parameters at all: its TF work runs on captured tensors and variables
            if kinds == ["P2"] and ff.tensor_work >= MIN_TENSOR_WORK:
                continue  # captured tensors (variables, closures) may still make the graph worthwhile
            if kinds == ["P2"] and ff.tensor_work > 0 and _varying_primitive(facts, fid):
                # Python values that change per call and feed real tensor work: HYB006 reports the
                # retracing and its fix (pass tensors) keeps the graph; one finding, not two opposite ones.
                continue
            if "P3" in kinds and not _varying_primitive(facts, fid):
                kinds.remove("P3")  # the same literal every time traces once: no retracing to avoid
                if not kinds:
                    continue
            if "P3" in kinds and all(only_cast_reads(ctx, fn, p) for p in _varying_params(facts, fid)):
                # Deliberately unlike Hybridize P3: each varying Python value is only read through
                # tf.cast, so HYB006's gated fix (pass tf.constant) keeps the graph and its speedup.
                kinds.remove("P3")
                if not kinds:
                    continue
            if site.kind == "call" and _passed_on(ctx, site):
                continue  # `type(tf.function(f))`, `wrap(tf.function(f))`: the receiver wants the tf.function object
            if site.kind == "decorator" and _used_as_value(ctx, fn, facts, fid):
                continue  # handed on uncalled (`metrics_fns=(empty_state, ...)`): the receiver may need a tf.function
            reasons = "; ".join(_WHY[k] for k in kinds if k in _WHY)
            message = f"`{fn.qualname}` gains nothing from tf.function: {reasons}"
            if "P3" in kinds:
                message += " (passing tensors instead of Python values, HYB006's fix, keeps the graph)"
            if ff.public.value is False and site.kind == "decorator":
                fix = fix_for(self.code, FixSafety.GATED,
                              reason=f"Hybridize {'/'.join(kinds)} holds determinately: {reasons}; "
                                     f"side effects: {ff.side_effects.reason}; not public API ({ff.public.reason})")
            else:
                why = f"public API ({ff.public.reason})" if ff.public.value is not False else "a tf.function(...) wrapper"
                fix = fix_for(self.code, FixSafety.SUGGESTION, reason=why)
            yield ctx.report(self, decorator_node(fn), message, fn=fn, fix=fix)


def _wrapped_further(fn: FunctionInfo, site: HybridSite) -> bool:
    """Another decorator sits above `@tf.function` and receives the tf.function object."""
    decorators = getattr(fn.node, "decorator_list", [])
    return any(d is site.node for d in decorators[1:])


def _used_as_value(ctx: ModuleContext, fn: FunctionInfo, facts, fid: int) -> bool:  # noqa: ANN001
    """The decorated function's object is handed on without being called: named as a value in its module
    (`metrics_fns=(empty_metrics_state, noop_update, ...)`, `register(f)`), or passed to a call anywhere in
    the project. The receiver may rely on it being a tf.function (TFF checks `get_concrete_function`;
    issue 10 P30-precfix), so removing the decorator is not safe to suggest."""
    if any(edge.via.startswith("callback:") for edge in facts.pf.callers[fid]):
        return True
    if fn.cls is not None:
        return False
    body = ctx.body(fn.parent) if fn.parent is not None else None
    nodes = body.of_type(ast.Name) if body is not None else (
        n for n in ast.walk(ctx.source.tree) if isinstance(n, ast.Name))
    called = {id(n.func) for n in ast.walk(fn.parent.node if fn.parent is not None else ctx.source.tree)
              if isinstance(n, ast.Call)}
    called |= ctx.shared("called-aliases", lambda: _called_aliases(ctx))
    return any(n.id == fn.name and isinstance(n.ctx, ast.Load) and id(n) not in called for n in nodes)


def _called_aliases(ctx: ModuleContext) -> set[int]:
    """Names stored under another name that the module calls (`self._fn = _coords_1` with `self._fn(x)` in
    `call`): the function is still only called, through the alias, not handed to a receiver (issue 11
    P66-recall3, yolov4's YoloTpuLayer). Two walks of the module: shared by every function asked about."""
    tree = ctx.source.tree
    called = {n.func.id if isinstance(n.func, ast.Name) else n.func.attr for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))}
    found: set[int] = set()
    for st in ast.walk(tree):
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Name) and st.targets and all(
                (t.id if isinstance(t, ast.Name) else t.attr if isinstance(t, ast.Attribute) else None) in called
                for t in st.targets):
            found.add(id(st.value))
    return found


def _passed_on(ctx: ModuleContext, site: HybridSite) -> bool:
    """The `tf.function(...)` call is itself an argument of another call: its result goes straight to a
    receiver that wants a tf.function object, like a decorator stacked above `@tf.function`."""
    for node in ast.walk(ctx.source.tree):
        if isinstance(node, ast.Call) and any(
                a is site.node for a in [*node.args, *(k.value for k in node.keywords)]):
            return True
    return False
