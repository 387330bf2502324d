"""HYB021: an eager function that would likely benefit from `@tf.function` (Hybridize P1)."""
from __future__ import annotations

import ast
from typing import Iterable

from ..facts.explain import reason
from ..facts.model import FunctionFacts
from ..facts.preconditions import CONVERT_TO_HYBRID, SPECULATIVE_TENSOR_PARAMETER
from ..facts.rulesupport import MIN_TENSOR_WORK, def_snippet, is_keras_managed
from ..fixes.catalog import fix_for
from ..model import Finding, FixSafety, Severity
from .base import Invalid, ModuleContext, Rule, Valid


class ConvertToHybrid(Rule):
    code = "HYB021"
    name = "convert-to-hybrid-opportunity"
    severity = Severity.INFO
    fix_safety = FixSafety.GATED
    summary = "This eager function does enough tensor work in a loop that a tf.function would likely speed it up."
    what = """
        Finds a function that is not hybrid and not already in graph context and that meets the
        Hybridize refactoring's P1 preconditions, computed across the whole repository: at least one
        parameter is likely a tensor at every known call site (tensor results of TensorFlow calls, tensor
        annotations, tf.data elements, Keras layer calls, propagated through assignments, returns and
        call arguments), no parameter receives Python literals, it has no Python side effects (itself or
        in the project functions it calls; unresolved calls count as unknown), it is not recursive, it
        calls no eager-only API (`.numpy()`, `model.fit`...), applies no NumPy to its parameters, and no
        call site passes a KerasTensor. It must also do a minimum amount of tensor work and be called from
        a loop (directly or through its callers) in code known to run eagerly: code reached, outside graph
        code, from a module's top level (`if __name__ == "__main__":` included) or a module's `main`.
        A function with a decorator other than `staticmethod`, `classmethod`, `abc.abstractmethod` or
        `typing.overload`/`override`/`final` is not suggested (recall note, issue 10): callers call what
        the decorator returns, which may already be a tf.function.
    """
    why = """
        Graph execution removes Python overhead per operation; the Hybridize study measured a 2.16x
        average speedup on the functions its preconditions accepted. But a graph also has a per-call
        cost: on TensorFlow 2.21 a function of about six small ops ran at 0.45x as a graph. So only
        functions with real tensor work on a hot path are suggested.
    """
    example = """
        import tensorflow as tf

        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

        def train():
            w = tf.ones((4, 4))
            for _ in range(100):
                step(tf.random.normal((4, 4)), w)
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def step(x, w):
            h = tf.matmul(x, w)
            return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))
    """
    fix_doc = """
        Gated: adds a bare `@tf.function` (what the Hybridize refactoring adds), importing TensorFlow if
        needed, only when every fact is determinate and the function is not part of a package's public
        API (callers we cannot see might pass Python values). Otherwise a suggestion: a parameter of unknown
        kind next to parameters known to be tensors no longer hides the function (issue 15), it makes the
        fix a suggestion. So does a tensor parameter assumed only from the function's name: like
        Hybridize's speculative keyword analysis (ASE 2025), when nothing decides a parameter's kind, a
        function named like `.*(train|test).*_step`, `run_model` or `.*inference` (or `call`/`__call__`
        of a Keras class or of a class inheriting from one named `Model`) is assumed to take a tensor;
        `hybridize facts` marks that parameter "(speculative)" and the finding says so. Where we differ
        there: the assumption covers the first parameter after `self` only (Hybridize's holds for the
        function as a whole), it never makes a gated fix (Hybridize applies speculative refactorings),
        and any Keras Layer subclass counts as a model class. Where we deliberately differ from
        Hybridize otherwise: undeterminable side effects (an
        unresolved call) still block with no report, because unresolved calls are everywhere in real code
        and reporting them made HYB021 wrong 3 times in 4 (issue 10); and we add two benefit conditions
        (called from a loop, enough tensor work), shown by `hybridize facts` as NOT_CALLED_IN_LOOP and
        TOO_LITTLE_TENSOR_WORK. The loop must be in code known to run eagerly (issue 10 P22, a precision
        trade-off): a loop in a function nothing in the repository is seen calling eagerly (a loss's
        `__call__`, a tf.data parser handed on through configuration, an optimizer's `apply` users call in
        their own tf.function) is often graph code already, reached through callbacks the call graph cannot
        follow, where a nested tf.function is inlined and gains nothing; such a function is not reported
        (`hybridize facts` shows its loop fact as undetermined). Nor is a loop in library code that only
        tests run eagerly. So a public function called in a loop only by users outside the repository is
        missed. Static analysis of Python is unsound: run the tests after applying it.
    """
    references = (
        "https://www.tensorflow.org/guide/function",
        "https://arxiv.org/abs/2504.05424",
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            def step(x):
                return x + 1

            for i in range(10):
                step(tf.ones(3))
        """, note="too little tensor work: a graph would be slower"),
        Valid("""
            import tensorflow as tf

            history = []

            def step(x, w):
                h = tf.matmul(x, w)
                history.append(h)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            w = tf.ones((4, 4))
            for _ in range(100):
                step(tf.ones((4, 4)), w)
        """, note="Python side effect (appends to a global list)"),
        Valid("""
            import tensorflow as tf

            def step(x, scale):
                h = tf.matmul(x, x)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)) * scale

            for i in range(100):
                step(tf.ones((4, 4)), i)
        """, note="a loop-varying Python int argument would retrace on every call"),
        Valid("""
            import tensorflow as tf

            def step(x, w):
                h = tf.matmul(x, w)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            step(tf.ones((4, 4)), tf.ones((4, 4)))
        """, note="called once, not from a loop"),
        Valid("""
            import tensorflow as tf

            def step(x, w):
                h = tf.matmul(x, w)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)).numpy()

            for _ in range(100):
                step(tf.ones((4, 4)), tf.ones((4, 4)))
        """, note="eager-only .numpy() call"),
        Valid("""
            import tensorflow as tf
            from helpers import unknown

            def step(x, w):
                h = tf.matmul(x, w)
                unknown(h)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            for _ in range(100):
                step(tf.ones((4, 4)), tf.ones((4, 4)))
        """, note="an unresolved call makes side effects undeterminable: no report"),
        Valid("""
            import tensorflow as tf

            def step(x, w):
                h = tf.matmul(x, w)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            def test_step():
                w = tf.ones((4, 4))
                for _ in range(100):
                    step(tf.random.normal((4, 4)), w)
        """, path="tests/test_step.py", note="a test helper is not worth compiling"),
        Valid({
            "pkg/__init__.py": "",
            "pkg/backend/__init__.py": """
                import os

                if os.environ.get("KERAS_2"):
                    import pkg.backend.keras2 as keras
                else:
                    import keras
            """,
            "pkg/backend/keras2.py": "from tf_keras import *\n",
            "pkg/layers.py": """
                import tensorflow as tf
                from pkg.backend import keras

                class Block(keras.layers.Layer):
                    def call(self, x):
                        w = tf.ones((4, 4))
                        for _ in range(3):
                            h = tf.matmul(x, w)
                            x = tf.nn.relu(h) * tf.exp(-h)
                        return x

                def main():
                    block = Block()
                    for _ in range(10):
                        block.call(tf.ones((4, 4)))
            """,
        }, path="pkg/layers.py", note="a Keras layer's call() (Keras re-exported by the project): Keras already "
                                      "runs it in its own tf.function"),
        Valid("""
            import tensorflow as tf

            def transform(x, w):
                print("transform")

                def step(v, m):
                    h = tf.matmul(v, m)
                    return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

                return step(x, w)

            for _ in range(10):
                transform(tf.ones((4, 4)), tf.ones((4, 4)))
        """, note="a nested helper: as a tf.function it would be re-created and retraced on every call of "
                  "its enclosing function"),
        Valid("""
            import tensorflow as tf

            def mix(h: tf.Tensor, w: tf.Tensor) -> tf.Tensor:
                h = tf.matmul(h, w)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h), axis=0, keepdims=True) * h

            def body(i, h):
                for _ in range(3):
                    h = mix(h, tf.ones((4, 4)))
                return i + 1, h

            @tf.function
            def run(h):
                return tf.while_loop(lambda i, h: i < 10, body, (0, h))

            if __name__ == "__main__":
                run(tf.ones((4, 4)))
        """, note="issue 10 P20: the loop is in a tf.while_loop body of a tf.function: already graph code"),
        Valid("""
            import tensorflow as tf

            def level_loss(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
                h = tf.matmul(logits, labels)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            class DetectionLoss:
                def __call__(self, outputs, labels):
                    total = tf.zeros(())
                    for level in range(3):
                        total += level_loss(outputs[level], labels[level])
                    return total
        """, note="issue 10 P22: the looping caller (a loss's __call__) is reached from no eager entry point; "
                  "the train step that calls it is graph code the call graph cannot follow"),
        Valid({
            "pkg/__init__.py": "",
            "pkg/random_data.py": """
                import tensorflow as tf

                def random_features(sizes: tf.Tensor, weights: tf.Tensor) -> tf.Tensor:
                    h = tf.matmul(tf.random.uniform(sizes), weights)
                    return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h), axis=-1)

                def random_graph(spec):
                    out = {}
                    for name in spec:
                        out[name] = random_features(tf.constant([2, 4]), tf.ones((4, 4)))
                    return out
            """,
            "pkg/random_data_test.py": """
                from pkg.random_data import random_graph

                def test_random_graph():
                    assert random_graph(["a", "b"])
            """,
        }, path="pkg/random_data.py", note="issue 10 P22: library code only a test runs eagerly is not a hot path"),
        Valid("""
            import tensorflow as tf

            class DateTensor:
                def __init__(self, ordinals, days):
                    self.ordinals, self.days = ordinals, days

            def from_ordinals(ordinals, w):
                h = tf.matmul(tf.cast(ordinals, tf.float32), w)
                return DateTensor(ordinals, tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)))

            w = tf.ones((4, 4))
            for _ in range(100):
                from_ordinals(tf.ones((4, 4), tf.int32), w)
        """, note="returns a plain Python object, which a tf.function cannot return (issue 10 P28-corpusa, "
                  "TF Quant Finance's DateTensor)"),
        Valid("""
            from functools import partial
            import tensorflow as tf
            from .backends import get_backend

            compiled_jit = partial(get_backend("tensorflow").jit, jit_compile=True)

            @compiled_jit
            def step(x, w):
                h = tf.matmul(x, w)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            def train():
                w = tf.ones((4, 4))
                for _ in range(100):
                    step(tf.random.normal((4, 4)), w)

            if __name__ == "__main__":
                train()
        """, note="issue 10 P48-fixa: a decorator the analysis cannot follow (here a backend's jit, which "
                  "returns a tf.function) decides what callers call; a tf.function on top is redundant"),
        Valid("""
            import tensorflow.compat.v1 as tf

            def step(x, w):
                h = tf.matmul(x, w)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            def main(_):
                for _ in range(3):
                    tf.reset_default_graph()
                    w = tf.ones((4, 4))
                    step(tf.random.normal((4, 4)), w)

            if __name__ == "__main__":
                tf.disable_v2_behavior()
                tf.app.run(main)
        """, note="issue 10 P49-fixa: a TF1 program (eager execution turned off at its entry point) builds a "
                  "graph; its loops run nothing eagerly"),
        Valid("""
            import tensorflow as tf
            from data import load_batches

            def transform(batch):
                h = tf.matmul(batch, tf.transpose(batch))
                return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))

            def main():
                for batch in load_batches():
                    transform(batch)
        """, note="the argument's kind is unknown and the name hints nothing: no tensor parameter is known"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            def step(x, w):
                h = tf.matmul(x, w)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))

            w = tf.ones((4, 4))
            for _ in range(100):
                step(tf.random.normal((4, 4)), w)
        """, lines=(3,)),
        Invalid({
            "train.py": """
                import tensorflow as tf
                from ops import block

                def run(batches):
                    w = tf.Variable(tf.ones((8, 8)))
                    for b in batches:
                        block(tf.convert_to_tensor(b), w)

                if __name__ == "__main__":
                    run([[[1.0] * 8] * 8] * 10)
            """,
            "ops.py": """
                import tensorflow as tf

                def _mix(h):
                    return tf.nn.relu(h) * tf.exp(-h)

                def block(x, w):
                    h = tf.matmul(x, w)
                    return tf.reduce_sum(_mix(h))
            """,
        }, path="ops.py", lines=(6,), note="tensor arguments and the loop are in another module"),
        Invalid("""
            import tensorflow as tf

            def layer_norm(x: tf.Tensor, gamma: tf.Tensor) -> tf.Tensor:
                mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
                y = (x - mean) * tf.math.rsqrt(var + 1e-6)
                return tf.matmul(y, gamma)

            def loop(data, gamma):
                while True:
                    layer_norm(data, gamma)

            def main():
                loop(tf.ones((2, 4)), tf.ones((4, 4)))
        """, lines=(3,), note="tensor type hints seed the parameters; a module's main() runs eagerly"),
        Invalid("""
            import tensorflow as tf
            from settings import load_scale

            def step(x, scale):
                h = tf.matmul(x, x)
                return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h)) * scale

            scale = load_scale()
            for _ in range(100):
                step(tf.ones((4, 4)), scale)
        """, lines=(4,), note="one parameter of unknown kind next to a known tensor: reported, as a suggestion only"),
        Invalid("""
            import tensorflow as tf

            FEATURES = tf.random.normal((64, 8))
            DATASET = tf.data.Dataset.from_tensor_slices(FEATURES).batch(8)

            def transform(batch):
                h = tf.matmul(batch, tf.transpose(batch))
                return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))

            def run():
                for batch in DATASET:
                    transform(batch)

            if __name__ == "__main__":
                run()
        """, lines=(6,), note="a module-level tf.data dataset: its elements are tensors"),
        Invalid("""
            import tensorflow as tf
            from data import load_batches

            def train_step(batch):
                h = tf.matmul(batch, tf.transpose(batch))
                return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h))

            def main():
                for batch in load_batches():
                    train_step(batch)
        """, lines=(4,), note="the argument's kind is unknown, but the name is a training step's: speculatively a "
                              "tensor (Hybridize's keyword analysis), so a suggestion only"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        facts = ctx.project.facts
        pf, fx = facts.pf, facts.fx
        for fn in ctx.summary.functions:
            if fn.hybrid is not None or isinstance(fn.node, (ast.Lambda, ast.AsyncFunctionDef)):
                continue
            fid = facts.fid(fn)
            # Cheap raw tests first: most functions fail one of them and never get a full record.
            if fid is None or pf.in_graph(fid) or pf.root_kind[fid] is not None or fx.in_loop[fid] is None:
                continue
            if fx.effects[fid] or fx.unknown[fid] is not None or fx.tensor_comp[fid] is None:
                continue
            if not any(v[0] is True for v in fx.tensor[fid].values()):
                continue
            key = pf.class_of(fid)
            if is_keras_managed(fn, key is not None and pf.is_keras(key)) or fx.keras_traced()[fid]:
                continue  # Keras already runs it inside its own tf.function during fit/predict
            ff = facts.of(fid)
            if ff is None or ff.refactoring != CONVERT_TO_HYBRID or ff.blocked_by:
                continue
            if ff.tensor_work < MIN_TENSOR_WORK:
                continue
            tensors = ", ".join(f"`{n}`" for n in ff.names_where(ff.tensor_parameters, True))
            speculative = SPECULATIVE_TENSOR_PARAMETER in ff.undetermined
            takes = (f"it is speculatively assumed to take tensors ({tensors}, from its name)" if speculative
                     else f"it takes tensors ({tensors})")
            message = (
                f"`{fn.qualname}` could run as a tf.function: {takes}, has no Python "
                f"side effects, no literal arguments, and {ff.called_in_loop.reason}"
            )
            if ff.undetermined:
                # A parameter of unknown kind next to known tensors, or tensors assumed from a name (issue
                # 15): worth saying, never applying.
                fix = fix_for(self.code, FixSafety.SUGGESTION, reason="; ".join(
                    f"{'speculative' if c == SPECULATIVE_TENSOR_PARAMETER else 'undeterminable'}: {reason(ff, c)}"
                    for c in ff.undetermined))
            elif ff.public.value is False:
                fix = fix_for(self.code, FixSafety.GATED, reason=_justification(ff))
            else:
                fix = fix_for(self.code, FixSafety.SUGGESTION,
                              reason=f"public API ({ff.public.reason}): callers outside the repository may pass "
                                     "Python values")
            yield ctx.report(self, fn.node, message, fn=fn, fix=fix, snippet=def_snippet(fn))


def _justification(ff: FunctionFacts) -> str:
    """The facts a gated conversion rests on, each with its evidence: the follow-up PR quotes them so a
    reviewer can check them (issue 15), rather than a bare "the preconditions hold"."""
    tensors = ", ".join(f"`{n}` {f.reason}" for n, f in ff.tensor_parameters.items() if f.value is True)
    return (f"tensor parameters: {tensors}; no parameter receives Python literals; "
            f"{ff.side_effects.reason}; not recursive; {ff.called_in_loop.reason}; "
            f"tensor work {ff.tensor_work}; not public API ({ff.public.reason})")
