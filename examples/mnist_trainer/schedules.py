"""Learning-rate schedules and small graph utilities."""
import tensorflow as tf


@tf.function
def warmup_lr(step, base_lr):
    return base_lr * tf.minimum(1.0, tf.cast(step, tf.float32) / 1000.0)


@tf.function
def tree_depth(n):
    # Recursive tf.function: TensorFlow does not support it.
    if n <= 1:
        return tf.constant(1)
    return 1 + tree_depth(n - 1)


@tf.function(autograph=False)
def clip(x, limit):
    if x > limit:  # a tensor used as a Python bool with AutoGraph off
        return limit
    return x


def schedule(steps):
    rates = []
    for step in range(steps):
        rates.append(warmup_lr(step, 0.1))
    return rates
