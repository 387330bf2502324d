"""Trap: a tiny function called once (tracing would cost more than it saves)."""
import tensorflow as tf

from _harness import main


def center(x):
    return x - tf.reduce_mean(x)


def run():
    data = tf.range(10, dtype=tf.float32)
    return center(data)


if __name__ == "__main__":
    main(run)
