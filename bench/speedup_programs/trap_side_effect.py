"""Trap: the step logs each loss into a Python list that the program then reports (a relied-on side effect)."""
import tensorflow as tf

from _harness import main

HISTORY = []
X = tf.random.stateless_normal((32, 32), seed=(1, 2))


def step(x, w):
    h = tf.matmul(x, w)
    loss = tf.reduce_mean(tf.nn.relu(h) * tf.exp(-tf.abs(h)))
    HISTORY.append(loss)
    return tf.tanh(h) * 0.5 + w * 0.5


def run():
    HISTORY.clear()
    w = tf.eye(32)
    for _ in range(50):
        w = step(X, w)
    return tf.stack(HISTORY)


if __name__ == "__main__":
    main(run)
