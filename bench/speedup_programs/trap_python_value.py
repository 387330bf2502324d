"""Trap: a Python int that changes on every call (a graph would retrace every time)."""
import tensorflow as tf

from _harness import main

X = tf.random.stateless_normal((16, 16), seed=(3, 4))


def decay_step(x, step):
    rate = 0.5 ** (step / 10)
    h = tf.matmul(x, x, transpose_b=True) * rate
    return tf.reduce_sum(tf.nn.softplus(h) - tf.tanh(h)) + tf.reduce_max(h)


def run():
    out = []
    for step in range(30):
        out.append(decay_step(X, step))
    return tf.stack(out)


if __name__ == "__main__":
    main(run)
