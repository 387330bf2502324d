"""Per-batch feature transform over a global tf.data pipeline: scaling, log, clipping, one-hot, crosses."""
import tensorflow as tf

from _harness import main

FEATURES = tf.random.stateless_uniform((2048, 8), seed=(7, 8), maxval=10.0)
CATEGORIES = tf.random.stateless_uniform((2048,), seed=(9, 10), maxval=5, dtype=tf.int32)
DATASET = tf.data.Dataset.from_tensor_slices((FEATURES, CATEGORIES)).batch(32)
MEAN = tf.reduce_mean(FEATURES, axis=0)
STD = tf.math.reduce_std(FEATURES, axis=0)


def transform(features, categories):
    scaled = (features - MEAN) / (STD + 1e-6)
    logs = tf.math.log1p(tf.abs(features))
    clipped = tf.clip_by_value(scaled, -3.0, 3.0)
    onehot = tf.one_hot(categories, 5)
    cross = tf.expand_dims(clipped[:, 0], 1) * onehot
    squares = tf.square(clipped[:, :4])
    ratio = tf.math.divide_no_nan(features[:, :4], features[:, 4:])
    buckets = tf.cast(tf.clip_by_value(tf.floor(features[:, :2]), 0.0, 9.0), tf.float32) / 9.0
    out = tf.concat([clipped, logs, onehot, cross, squares, ratio, buckets], axis=1)
    return tf.math.l2_normalize(out, axis=1)


def run():
    total = tf.zeros((36,))
    for features, categories in DATASET:
        total += tf.reduce_sum(transform(features, categories), axis=0)
    return total


if __name__ == "__main__":
    main(run)
