"""HYB008: tensors of evidently varying shape passed to a tf.function that would trace once per shape.

Heuristic, tuned for few false positives. A call of a hybrid function inside a loop is reported when
an argument is, visibly in the calling scope:

* an element of a `tf.data` pipeline whose batches change shape: `padded_batch(...)` (pads to the
  longest element *of each batch*; not when `padded_shapes` is a literal without `None`/-1),
  `bucket_by_sequence_length`, or `Dataset.from_generator` whose signature has a `None` dimension;
* a tensor built with a loop-varying size: `tf.ones([n, 3])`, `tf.random.normal((n,))`, `tf.range(n)`,
  or a slice `tokens[:n]`, with `n` a loop index, a counter or a value computed from them.

Deliberately not reported (measured on TF 2.21, see tests/runtime/test_retracing_claims.py):
`dataset.batch(n)` without `drop_remainder=True` gives one extra trace for the last partial batch
(2 traces in all, however many epochs), and `ragged_batch` keeps a ragged dimension, so it traces
once per batch size only (2 in all). One extra trace is not worth a warning on every training loop.

Call sites come from the whole-repository facts (loop call edges into tf.function roots), refined on the
calling scope's AST in `_hybrid_call_sites.py`; the evidence itself is `_retracing_evidence.py`, which the
facts' `reconfigure` outcome reads too.
"""
from __future__ import annotations

import ast
from typing import Iterable

from ..model import Edit, Finding, Fix, FixSafety, Severity
from ..tfversion import REDUCE_RETRACING_SINCE
from ._hybrid_call_sites import LoopCall, tf_alias_of
from ._input_signature import known_signature, signature_text
from ._retracing_evidence import shape_varying_arguments
from ._static_shapes import static_shape_use
from .base import Invalid, ModuleContext, Rule, Valid

class ShapeVaryingInputs(Rule):
    code = "HYB008"
    name = "shape-varying-inputs"
    severity = Severity.INFO
    fix_safety = FixSafety.GATED
    summary = "Tensors whose shape changes from call to call make this tf.function trace once per shape."
    what = """
        Finds calls of a `tf.function` without `input_signature` and without `reduce_retracing=True`
        (or the deprecated `experimental_relax_shapes=True`), made in a loop with a tensor whose shape
        visibly changes per iteration: batches of `dataset.padded_batch(...)` (without a fixed
        `padded_shapes`), of `bucket_by_sequence_length`, or of `Dataset.from_generator` with a `None`
        dimension in its signature; tensors built with a loop-varying size (`tf.ones([n, 3])`,
        `tf.range(n)`); slices with a loop-varying bound (`tokens[:n]`). It is a heuristic over what
        the calling function shows; shapes that vary in ways the code does not spell out are missed.
        `dataset.batch(n)` without `drop_remainder=True` is not reported: its last partial batch costs
        one extra trace only.
    """
    why = """
        A `tf.function` traces a new graph for every new input shape (and keeps it): a loop over
        padded batches of text traced once per batch on TensorFlow 2.21 (10 batches, 10 traces).
        TensorFlow's retracing warning names "passing tensors with different shapes" as a cause and
        recommends `reduce_retracing=True`. With it TensorFlow traced twice and then generalized to a
        `None` dimension; with an `input_signature` of `None` dimensions it traced once.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def encode(tokens):
            return tf.reduce_mean(tf.cast(tokens, tf.float32), axis=-1)

        dataset = tf.data.Dataset.from_tensor_slices(sequences).padded_batch(32)
        for batch in dataset:
            encode(batch)
    """
    use_instead = """
        import tensorflow as tf

        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
        def encode(tokens):
            return tf.reduce_mean(tf.cast(tokens, tf.float32), axis=-1)

        # or: @tf.function(reduce_retracing=True)
    """
    fix_doc = """
        Add `reduce_retracing=True` (TensorFlow 2.9 or later) or an `input_signature` with `None` for the
        varying dimensions. With dynamic shapes `x.shape[i]` is `None` inside the function, which breaks
        code that uses it as a Python int, and an `input_signature` requires every argument to be a
        tensor and forbids `**kwargs`. Gated (applied under `autofix = "gated"` / `--unsafe-fixes`) when
        the tf.function is a bare `@tf.function` decorator in the same file, the project declares a
        minimum TensorFlow version of 2.9 or later, and the function reads no static shape (no `.shape`,
        `.get_shape()`, `.ndim`, `len()`; `tf.shape(x)` is dynamic and fine) and calls nothing but
        TensorFlow and pure builtins; the codemod rewrites only the decorator.

        Where `reduce_retracing` cannot be used (no minimum TensorFlow declared, or one before 2.9), an
        `input_signature` is gated instead, but only where the signature is known from facts: the same
        static-shape condition, a module-level function without defaults, `*args`, `**kwargs` or
        keyword-only parameters, every call site in the same file passing every parameter positionally,
        and each argument's rank and dtype shown by its construction (`tf.ones([n, 3])`: rank 2,
        float32; `tf.range(n)` of ints: rank 1, int32; `tf.cast(x, tf.float32)`; slices `x[:n]`; a local
        name bound once to one of these), the same at every site. Every dimension is `None`, so the
        function traces once. Otherwise a suggestion (with the reason that blocked it).

        Hybridize's RECONFIGURE refactoring (ASE 2025, arXiv 2504.05424) also infers an
        `input_signature`; it may rely on speculative parameter kinds (Keras `call`/`train_step`
        names). We deliberately do not: a signature whose dtype or rank is a guess makes every call
        that does not fit raise, so it is written only from call sites that show it.
    """
    references = (
        "https://www.tensorflow.org/guide/function#controlling_retracing",
        "https://www.tensorflow.org/api_docs/python/tf/function",
        "https://www.tensorflow.org/api_docs/python/tf/data/Dataset#padded_batch",
        "https://github.com/tensorflow/tensorflow/issues/44033",
        "https://github.com/tensorflow/tensorflow/issues/38561",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int32)])
            def encode(tokens):
                return tf.reduce_sum(tokens, axis=-1)

            def run(sequences):
                for batch in tf.data.Dataset.from_tensor_slices(sequences).padded_batch(32):
                    encode(batch)
        """, note="an input_signature with None dimensions: one trace"),
        Valid("""
            import tensorflow as tf

            @tf.function(reduce_retracing=True)
            def total(x):
                return tf.reduce_sum(x)

            for n in range(1, 100):
                total(tf.ones([n, 3]))
        """, note="reduce_retracing generalizes the shape after the second trace"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def train_step(x):
                return tf.reduce_sum(x)

            dataset = tf.data.Dataset.range(1000).batch(32)
            for epoch in range(10):
                for batch in dataset:
                    train_step(batch)
        """, note="batch() without drop_remainder: one extra trace for the last batch, not reported"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def train_step(x):
                return tf.reduce_sum(x)

            dataset = tf.data.Dataset.range(1000).map(lambda n: tf.range(n % 7))
            dataset = dataset.padded_batch(32, padded_shapes=[8])
            for batch in dataset:
                train_step(batch)
        """, note="padded to a fixed shape"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def total(x):
                return tf.reduce_sum(x)

            for step in range(100):
                total(tf.ones([16, 3]) * step)
        """, note="the values change, the shape does not"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def decode(query, token):
                return tf.reduce_sum(query) + tf.reduce_sum(token)

            def run(queries, tokens, max_length):
                for i in range(max_length):
                    decode(queries[:, i : i + 1], tokens[i])
        """, note="a window that moves with the loop keeps its width, and an index drops a dimension: "
                  "fixed shapes (issue 10 P28-corpusb, python-doctr)"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def predict(images):
                return tf.reduce_mean(images, axis=[1, 2])

            def multi_scale(image):
                return [predict(tf.image.resize(image, [s, s])) for s in (256, 320, 384)]
        """, note="a literal list of scales: one trace per scale, a few in all"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def train_step(inputs, labels):
                return tf.reduce_sum(inputs) + tf.reduce_sum(labels)

            def fit(train_ds, num_noise_vec):
                for x_batch, y_batch in train_ds:
                    m = len(x_batch) // num_noise_vec
                    for i in range(num_noise_vec):
                        labels = y_batch[i * m : (i + 1) * m]
                        train_step(x_batch[i * m : (i + 1) * m], labels)
        """, note="issue 10 P40-corpusc/P50-fixb (adversarial-robustness-toolbox): a window of `m` items per step, "
                  "`m` fixed before the loop: both bounds move, the width does not"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def encode(tokens):
                return tf.reduce_mean(tf.cast(tokens, tf.float32), axis=-1)

            def run(sequences):
                dataset = tf.data.Dataset.from_tensor_slices(sequences)
                dataset = dataset.padded_batch(32)
                for batch in dataset:
                    encode(batch)
        """, lines=(11,)),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def total(x):
                return tf.reduce_sum(x)

            for n in range(1, 100):
                total(tf.ones([n, 3]))
        """, lines=(8,), note="differently sized constants in a loop"),
        Invalid("""
            import tensorflow as tf

            def lines():
                yield from ([1] * n for n in range(1, 50))

            DATA = tf.data.Dataset.from_generator(
                lines, output_signature=tf.TensorSpec(shape=(None,), dtype=tf.int32))

            class Model:
                @tf.function
                def step(self, tokens, labels):
                    return tf.reduce_sum(tokens) + labels

                def fit(self):
                    for i, tokens in enumerate(DATA):
                        self.step(tokens, labels=1)
        """, lines=(16,), note="a generator with a None dimension, enumerate, a method through self."),
        Invalid({
            "pipe/__init__.py": "",
            "pipe/model.py": """
                import tensorflow as tf

                @tf.function
                def train_step(features, labels):
                    return tf.reduce_sum(features) - tf.reduce_sum(labels)
            """,
            "pipe/train.py": """
                import tensorflow as tf
                from pipe.model import train_step

                def fit(ds):
                    ds = ds.padded_batch(16, padded_shapes=([None], []))
                    for features, labels in ds:
                        train_step(features, labels)
            """,
        }, path="pipe/train.py", lines=(7,), note="across modules; padded_shapes with a None dimension"),
        Invalid("""
            import tensorflow as tf

            @tf.function(experimental_relax_shapes=False)
            def score(prefix):
                return tf.reduce_sum(prefix)

            def run(tokens):
                for n in range(1, len(tokens)):
                    prefix = tokens[:n]
                    score(prefix)
        """, lines=(10,), note="a slice with a loop-varying bound; relaxation explicitly off"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def decode(target, mask):
                return tf.reduce_sum(target) + tf.reduce_sum(mask)

            def run(ys, mask, max_length):
                for i in range(max_length):
                    decode(ys[:, : i + 1],
                           mask[i : i + 1, : i + 1])
        """, lines=(9, 10), note="growing prefixes: the second only in its last dimension"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def score(chunk):
                return tf.reduce_sum(chunk)

            def run(tokens):
                for m in range(1, 8):
                    score(tokens[2 * m : 3 * m])
        """, lines=(9,), note="a window whose width `m` is the loop index itself"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def train_step(images):
                return tf.reduce_mean(images, axis=[1, 2])

            def fit(batches):
                for step, images in enumerate(batches):
                    size = 320 + 32 * (step % 10)
                    train_step(tf.image.resize(images, [size, size]))
        """, lines=(10,), note="multi-scale training: the input size changes with the step (issue 11)"),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def encode(tokens):
                return tf.reduce_sum(tokens, axis=-1)

            def run(batches, max_len):
                for i, batch in enumerate(batches):
                    padded = tf.pad(batch, [[0, 0], [0, max_len - i]])
                    encode(padded)
        """, lines=(10,), note="padding that depends on the loop (issue 11)"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for va in shape_varying_arguments(ctx):
            yield self._finding(ctx, va.call, va.param, va.arg, va.why)

    def _finding(self, ctx: ModuleContext, lc: LoopCall, param: str, arg: ast.expr, why: str) -> Finding:
        callee = lc.callee
        message = (f"`{ctx.source.segment(arg)}` changes shape between iterations ({why}): tf.function "
                   f"`{callee.qualname}` ({callee.module.path}:{callee.line}) traces once per distinct shape of "
                   f"`{param}`; add `reduce_retracing=True` or an `input_signature` with `None` dimensions")
        return ctx.report(self, arg, message, fn=lc.scope, fix=_fix(ctx, lc))


def _fix(ctx: ModuleContext, lc: LoopCall) -> Fix:
    """A one-line edit when the tf.function is a bare `@tf.function` in this same file, else advice."""
    description = "add `reduce_retracing=True` to the tf.function (or an `input_signature` with None dimensions)"
    reason = "with dynamic shapes `x.shape[i]` is None inside the function; check uses of static shapes"
    site = lc.site
    node = site.node
    bare = site.kind == "decorator" and lc.callee.module is ctx.summary and isinstance(node, (ast.Name, ast.Attribute))
    relaxable = ctx.min_tf_version is not None and tuple(ctx.min_tf_version) >= REDUCE_RETRACING_SINCE
    if bare and not relaxable:
        # Without `reduce_retracing` (older or undeclared TensorFlow), an input_signature of None
        # dimensions, where the call sites prove every parameter's rank and dtype.
        signature = _signature_fix(ctx, lc, node)
        if signature is not None:
            return signature
    if ctx.min_tf_version is not None and tuple(ctx.min_tf_version) < REDUCE_RETRACING_SINCE:
        return Fix("add an `input_signature` with None dimensions (`reduce_retracing` needs TensorFlow 2.9)",
                   FixSafety.SUGGESTION, reason=reason)
    if bare:
        text = ctx.source.segment(node)
        # The edit also anchors the codemod (analysis/fixes/retracing.py) on the decorator to rewrite.
        edit = Edit(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0,
                    f"{text}(reduce_retracing=True)")
        static = static_shape_use(ctx, lc.callee)
        if static is None and ctx.min_tf_version is not None:
            return Fix(description, FixSafety.GATED, (edit,), reason=(
                f"`{lc.callee.qualname}` reads no static shape (no .shape, len(), get_shape) and calls only "
                "TensorFlow: it computes the same with None dimensions"))
        why = (f"{reason} (`{lc.callee.qualname}` {static})" if static is not None
               else f"{reason} (no minimum TensorFlow version declared: reduce_retracing needs 2.9)")
        return Fix(description, FixSafety.SUGGESTION, (edit,), reason=why)
    return Fix(description, FixSafety.SUGGESTION, reason=reason)


SIGNATURE_DESCRIPTION = "add an `input_signature` with None dimensions to the tf.function"


def _signature_fix(ctx: ModuleContext, lc: LoopCall, node: ast.expr) -> Fix | None:
    """The gated `input_signature` edit when every fact it needs is known, else None (the caller falls
    back to the other advice). The facts: no static shape read, every call site's ranks and dtypes."""
    if static_shape_use(ctx, lc.callee) is not None:
        return None
    specs = known_signature(ctx, lc.callee)
    tf = tf_alias_of(ctx)
    if isinstance(specs, str) or tf is None:
        return None
    text = ctx.source.segment(node)
    signature = signature_text(specs, tf)
    edit = Edit(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0,
                f"{text}(input_signature={signature})")
    params = ", ".join(f"`{p}`" for p in lc.callee.params)
    return Fix(SIGNATURE_DESCRIPTION, FixSafety.GATED, (edit,), reason=(
        f"every call of `{lc.callee.qualname}` is in this file and passes {params} as tensors whose rank and "
        f"dtype its construction shows ({signature}); it reads no static shape and calls only TensorFlow"))
