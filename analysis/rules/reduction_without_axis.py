"""HYB027: `tf.reduce_*` without `axis` on a tensor of rank > 1 in training code (info)."""
from __future__ import annotations

import ast
import re
from typing import Iterable

from ..facts.api_ranks import REDUCTIONS, LocalRanks, above_one
from ..facts.tables import python_effect_of_call
from ..model import Finding, Fix, FixSafety, Severity
from .base import Invalid, ModuleContext, Rule, Valid

_TAPES = frozenset({"tensorflow.GradientTape"})
# Names that mark a function as computing a training loss or step.
_TRAINING_NAME = re.compile(r"(^|_)(train|training)(_|$)|loss", re.I)


def is_training_code(ctx: ModuleContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function that records gradients (`with tf.GradientTape()`) or whose name says it computes a
    loss or a training step (`train_step`, `compute_loss`, `loss_fn`)."""
    return bool(_TRAINING_NAME.search(node.name)) or bool(_tape_blocks(ctx, node))


def _tape_blocks(ctx: ModuleContext, node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.With | ast.AsyncWith]:
    """The `with tf.GradientTape() as tape:` blocks of a function."""
    if "GradientTape" not in ctx.source.text:
        return []  # no name can qualify to the tape: skips walking every function of the module
    return [sub for sub in ast.walk(node) if isinstance(sub, (ast.With, ast.AsyncWith))
            and any(isinstance(item.context_expr, ast.Call) and ctx.qualify(item.context_expr.func) in _TAPES
                    for item in sub.items)]


def _inside(node: ast.AST, blocks: list[ast.With | ast.AsyncWith]) -> bool:
    return any(block.lineno <= node.lineno <= (block.end_lineno or block.lineno) for block in blocks)


# Graph-side outputs: a value passed straight to them is shown, never trained on.
_GRAPH_OUTPUTS = frozenset({"tensorflow.print"})
_GRAPH_OUTPUT_PREFIXES = ("tensorflow.summary.",)


def _printed_arguments(ctx: ModuleContext, calls: Iterable[ast.Call]) -> set[int]:
    """ids of the expressions passed directly to a print, logging or summary call: a full reduction there
    is a checksum for the reader, not a loss (issue 10 P61-growb / P52-growa)."""
    shown: set[int] = set()
    for call in calls:
        q = ctx.qualify(call.func)
        if python_effect_of_call(q) != "print" and q not in _GRAPH_OUTPUTS \
                and not (q or "").startswith(_GRAPH_OUTPUT_PREFIXES):
            continue
        shown.update(id(arg.value if isinstance(arg, ast.Starred) else arg) for arg in call.args)
        shown.update(id(kw.value) for kw in call.keywords)
    return shown


def _has_axis(call: ast.Call) -> bool:
    return len(call.args) > 1 or any(kw.arg in ("axis", "reduction_indices", None) for kw in call.keywords)


class ReductionWithoutAxis(Rule):
    code = "HYB027"
    name = "reduction-without-axis"
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    requires_text = ("reduce_",)
    summary = "A reduction without `axis` collapses every axis, the batch axis included."
    what = """
        Finds `tf.reduce_sum`/`mean`/`max`/`min`/`prod`/`any`/`all`/`logsumexp`/`std`/`variance`/
        `euclidean_norm` (and their `tf.math.` names) called without an `axis` in training code (a function
        that opens a `tf.GradientTape`, or whose name says it computes a loss or a training step) on a
        tensor whose rank is known to be above one in that function: built with a literal shape
        (`tf.zeros([b, n])`, `tf.reshape(x, [b, n])`, `tf.keras.Input(shape=(n,))`), a nested literal, a
        `tf.matmul`, or element-wise math on those. In a function with a tape only the reductions inside
        the tape's `with` block count: one after it cannot reach the gradient (a logged metric, returned
        for monitoring). Tensors of unknown rank are not reported, nor is an
        explicit `axis=None`, which states the intent. An axis written as a literal 1 (`[-1, 1]`) does not
        count: reducing a column whole is the per-example reduction too. A reduction passed
        straight to `print`, logging, `tf.print` or `tf.summary` is a checksum for the reader and is not
        reported.
    """
    why = """
        Without `axis` the reduction runs over every axis and returns a scalar. On a `[batch, features]`
        tensor that mixes the per-example and the batch reduction: `tf.reduce_mean` of a per-class loss
        divides by `batch * classes` instead of `batch`, so the loss (and the gradient) shrinks with the
        number of classes, and a per-example value meant for weighting or masking is lost. Writing the
        axis makes the intent visible; `axis=None` keeps the full reduction on purpose. Checked on
        TensorFlow 2.21: `tf.reduce_mean(tf.square(err))` of a `[4, 10]` error is the sum divided by 40.
    """
    example = """
        import tensorflow as tf

        def train_step(model, optimizer, x, y):
            with tf.GradientTape() as tape:
                logits = tf.reshape(model(x), [-1, 10])
                loss = tf.reduce_mean(tf.square(logits - y))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
    """
    use_instead = """
        import tensorflow as tf

        def train_step(model, optimizer, x, y):
            with tf.GradientTape() as tape:
                logits = tf.reshape(model(x), [-1, 10])
                loss = tf.reduce_mean(tf.reduce_sum(tf.square(logits - y), axis=-1))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss
    """
    fix_doc = """
        Suggestion only: name the axis (`axis=-1` for a per-example reduction, then reduce the batch), or
        `axis=None` where the full reduction is meant; which one depends on the loss.
    """
    references = (
        "https://www.tensorflow.org/api_docs/python/tf/math/reduce_mean",
        "https://www.tensorflow.org/api_docs/python/tf/math/reduce_sum",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            def compute_loss(x, y):
                err = tf.reshape(x - y, [-1, 10])
                return tf.reduce_mean(err, axis=-1)
        """),
        Valid("""
            import tensorflow as tf

            def compute_loss(per_example):
                return tf.reduce_mean(per_example)
        """, note="rank unknown: a parameter"),
        Valid("""
            import tensorflow as tf

            def summarize(x):
                grid = tf.zeros([4, 4]) + x
                return tf.reduce_sum(grid)
        """, note="not training code"),
        Valid("""
            import tensorflow as tf

            def loss_fn(x, y):
                err = tf.reshape(x - y, [-1, 10])
                return tf.reduce_mean(err, axis=None)
        """, note="axis=None: the full reduction is stated"),
        Valid("""
            import tensorflow as tf

            def loss_fn(x):
                err = tf.reshape(x, [-1])
                return tf.reduce_sum(tf.square(err))
        """, note="rank 1"),
        Valid("""
            import tensorflow as tf

            def compute_loss(losses, weights):
                weights = tf.reshape(weights, [-1, 1])
                return tf.reduce_sum(losses * weights) / (tf.reduce_sum(weights) + 1.0)
        """, note="a [-1, 1] column holds one axis of data (TF Models maskconver, issue 11 precision study)"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def update_encoder(encoder, optimizer, w, anchors, negatives):
                with tf.GradientTape() as tape:
                    z = encoder(anchors)
                    logits = tf.matmul(z, tf.matmul(w, tf.transpose(negatives)))
                    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                        tf.range(tf.shape(logits)[0]), logits))
                grads = tape.gradient(loss, encoder.trainable_variables)
                optimizer.apply_gradients(zip(grads, encoder.trainable_variables))
                return loss, tf.reduce_mean(logits)
        """, note="issue 10 P53-fixa: a reduction after the tape's block is a monitoring value; it cannot "
                  "reach the gradient"),
        Valid("""
            import tensorflow as tf

            def compute_loss(query, key):
                scores = tf.matmul(query, key, transpose_b=True)
                print("Attention Score", scores.shape, tf.reduce_sum(scores))
                tf.print("checksum", tf.reduce_mean(scores))
                return tf.reduce_mean(scores, axis=-1)
        """, note="issue 10 P61-growb (tf-transformers): a full reduction passed straight to print/tf.print is a "
                  "debug checksum; the stray print is HYB001's finding"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            def train_step(model, optimizer, x, y):
                with tf.GradientTape() as tape:
                    logits = tf.reshape(model(x), [-1, 10])
                    loss = tf.reduce_mean(tf.square(logits - y))
                grads = tape.gradient(loss, model.trainable_variables)
                optimizer.apply_gradients(zip(grads, model.trainable_variables))
                return loss
        """, lines=(6,)),
        Invalid("""
            import tensorflow as tf

            def loss_fn(features, weights):
                scores = tf.matmul(features, weights)
                return tf.math.reduce_sum(scores)
        """, lines=(5,), note="tf.matmul: rank >= 2; tf.math. spelling"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def fit(x):
                noise = tf.random.normal([32, 8])
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    y = tf.reduce_max(x * noise)
                return tape.gradient(y, x)
        """, lines=(8,), note="rank from a literal shape, broadcast through `*`"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for fn in ctx.summary.functions:
            node = fn.node
            if isinstance(node, ast.Lambda) or not is_training_code(ctx, node):
                continue
            body = ctx.body(fn)
            # With a tape, only what it records can reach the gradient: a reduction after the block is a
            # monitoring value (issue 10 P53-fixa).
            tapes = _tape_blocks(ctx, node)
            ranks: LocalRanks | None = None
            printed: set[int] | None = None
            for call in body.calls:
                q = ctx.qualify(call.func)
                if q not in REDUCTIONS or not call.args or _has_axis(call):
                    continue
                if tapes and not _inside(call, tapes):
                    continue
                printed = _printed_arguments(ctx, body.calls) if printed is None else printed
                if id(call) in printed:
                    continue
                ranks = ranks or LocalRanks(ctx.qualify, body.nodes)
                rank = ranks.rank(call.args[0])
                if not above_one(rank):
                    continue
                shown = "2 or more" if rank is not None and rank < 0 else str(rank)
                message = (f"`{ctx.source.segment(call.func)}` without `axis` on a tensor of rank {shown} reduces "
                           f"every axis, the batch included; name the axis (or pass `axis=None` on purpose)")
                yield ctx.report(self, call, message, fn=fn, fix=Fix(
                    "pass `axis=` (e.g. -1 per example), or `axis=None` for the full reduction", FixSafety.SUGGESTION))
