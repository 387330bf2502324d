"""Keras model in an inference loop: a small classifier scoring batches, with softmax and top-k post-processing."""
import tensorflow as tf

from _harness import main

tf.keras.utils.set_random_seed(0)
MODEL = tf.keras.Sequential([
    tf.keras.Input((24,)),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.LayerNormalization(),
    tf.keras.layers.Dense(64, activation="relu"),
    tf.keras.layers.Dense(10),
])
BATCHES = [tf.random.stateless_normal((16, 24), seed=(i, 7)) for i in range(40)]


def score(batch):
    logits = MODEL(batch, training=False)
    probs = tf.nn.softmax(logits)
    top = tf.math.top_k(probs, k=3)
    entropy = -tf.reduce_sum(probs * tf.math.log(probs + 1e-9), axis=1)
    return top.values, tf.cast(top.indices, tf.float32), entropy


def run():
    out = []
    for batch in BATCHES:
        values, indices, entropy = score(batch)
        out.append(tf.concat([values, indices, entropy[:, None]], axis=1))
    return tf.concat(out, axis=0)


if __name__ == "__main__":
    main(run)
