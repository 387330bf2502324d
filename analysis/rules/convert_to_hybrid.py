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
from ._convert_to_hybrid_examples import INVALID, VALID
from .base import ModuleContext, Rule


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
    valid = VALID
    invalid = INVALID

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
