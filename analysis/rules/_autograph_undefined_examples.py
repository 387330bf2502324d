"""HYB018's examples: the code it must leave alone (`VALID`) and the code it must report (`INVALID`).

Tests and documentation of `AutographUndefined` (autograph_undefined.py), like every rule's `valid` / `invalid`;
kept apart because they are most of the rule (every false alarm the precision studies found is one of
them, bench/precision/patterns.md), and the rule's own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

VALID = (
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x):
            y = tf.zeros_like(x)
            if x > 0:
                y = x * 2
            return y
    """, note="initialised before the if"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x):
            if x > 0:
                return x
            return -x
    """, note="the rest of the function returns too"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x, training=False):
            if training:
                y = x * 2
            return y
    """, note="a Python condition is evaluated while tracing; no tf.cond"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x):
            if x > 0:
                t = x * 2
                tf.print(t)
            return x
    """, note="assigned in one branch but not used after it"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(n):
            s = 0.0
            for i in tf.range(n):
                s = s + 0.5
            return s
    """, note="the loop variable starts as a float"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def summarize(values, weights, axis):
            if weights is not None:
                weighted = values * weights
            if tf.get_static_value(axis) is not None:
                static_axis = int(tf.get_static_value(axis))
            if tf.nest.is_nested(values):
                flat = tf.nest.flatten(values)
            if values.shape.rank == 2 and values.shape[0] is None:
                dynamic = tf.shape(values)[0]
            if isinstance(values, tf.RaggedTensor) or len(tf.nest.flatten(weights)) > 1:
                ragged = True
            if tf.executing_eagerly():
                eager = True
            return weighted, static_axis, flat, dynamic, ragged, eager
    """, note="Python-valued conditions (`is None`, tf.get_static_value, tf.nest, static shapes, isinstance, "
              "len, tf.executing_eagerly) are decided at trace time: no tf.cond"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def select(x, mode="neg"):
            if tf.reduce_sum(x) > 0:
                return x
            elif mode == "neg":
                return -x
            else:
                return tf.zeros_like(x)
    """, note="an if/elif/else chain in which every branch returns"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def preprocess(image, training: bool = False):
            if tf.random.uniform([]) > 0.5:
                scales = tf.constant([400.0, 500.0])
                image = image * scales[0]
            if training:
                scales = tf.constant([1.0, 2.0])
            else:
                scales = tf.constant([3.0])
            return image * scales[0]
    """, note="`scales` is re-assigned on every path before its next read: not live after the tensor `if`"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def bucket(x, edges):
            if tf.reduce_any(x < edges[0]):
                return tf.constant(-1)
            else:
                bin_index = tf.searchsorted(edges, x)
            return bin_index
    """, note="the other branch returns: every path that reaches the read assigned the name"),
    Valid("""
        import tensorflow as tf

        def resize(image, jitter):
            if jitter > 0.5 or jitter < 0:
                raise ValueError("jitter must be between 0 and 0.5")
            jitter = tf.cast(jitter, tf.float32)
            image = image * (1.0 + jitter)

        @tf.function
        def augment(image):
            resize(image, 0.3)
            return image
    """, note="a branch that only raises is a check, not a return path"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def sync(step, online, target, period):
            if tf.math.mod(step, period) == 0:
                for src, dest in zip(online, target):
                    dest.assign(src)
            if tf.math.mod(step, 2 * period) == 0:
                for src, dest in zip(online, target):
                    dest.assign(src * 2.0)
            return step
    """, note="a later loop binds its own target before reading it (issue 10 P24-corpusa, Acme's MPO learners)"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x, mask=None):
            if mask is None:
                mask = tf.ones_like(x)
            return x * mask
    """, note="the optional argument itself given a default value"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x, mask=None):
            scale = 1.0
            if mask is not None:
                scale = tf.reduce_mean(mask)
            return x * scale
    """, note="initialised before the `is None` test"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(parts, prior=None):
            if prior is None:
                prior = tf.add_n([part.prior for part in parts])
            return [prior * part.scale for part in parts]
    """, note="a comprehension's variable is local to it (TFP sts/components/sum.py)"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def running_total(values):
            total = tf.constant(0.0)
            for i in tf.range(tf.size(values)):
                if values[i] > 0:
                    total = total + values[i]
                tf.print(total)
            return total
    """, note="initialised before the enclosing loop: the branch that does not assign it passes it "
              "through (seqio's sequence packing, issue 10 P47-growa)"),
)


INVALID = (
    Invalid("""
        import tensorflow as tf

        @tf.function
        def clip_grad(g):
            if tf.norm(g) > 1.0:
                scaled = g / tf.norm(g)
            return scaled
    """, lines=(5,)),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def pick(x):
            if x > 0:
                y = x
            else:
                y = None
            return y
    """, lines=(5,)),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def f(x):
            if x > 0:
                return x
            x = x + 1
    """, lines=(5,)),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def average(n):
            total = 0
            for i in tf.range(n):
                total = total + 0.5
            return total
    """, lines=(5,)),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def f(x, mask=None):
            if mask is None:
                weights = tf.ones_like(x)
            return x * weights
    """, lines=(5,), note="assigned only when the optional argument is None (issue 11)"),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def attend(query, bias=None):
            if bias is not None:
                logits = query + bias
            else:
                scale = 2.0
            return logits * scale
    """, lines=(5,), note="each branch leaves one name unbound"),
)
