"""Eager evaluation loop: an MLP held as a global list of weight tensors, loss and accuracy per batch."""
import tensorflow as tf

from _harness import main

WEIGHTS = [tf.random.stateless_normal((20, 64), seed=(1, 1)) * 0.1, tf.zeros((64,)),
           tf.random.stateless_normal((64, 64), seed=(2, 2)) * 0.1, tf.zeros((64,)),
           tf.random.stateless_normal((64, 10), seed=(3, 3)) * 0.1, tf.zeros((10,))]
BATCHES = [(tf.random.stateless_normal((32, 20), seed=(i, 4)),
            tf.random.stateless_uniform((32,), seed=(i, 5), maxval=10, dtype=tf.int32)) for i in range(50)]


def evaluate_batch(x, labels):
    w1, b1, w2, b2, w3, b3 = WEIGHTS
    h = tf.nn.gelu(tf.matmul(x, w1) + b1)
    h = tf.nn.gelu(tf.matmul(h, w2) + b2)
    logits = tf.matmul(h, w3) + b3
    loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
    correct = tf.cast(tf.equal(tf.argmax(logits, axis=1, output_type=tf.int32), labels), tf.float32)
    top3 = tf.reduce_mean(tf.cast(tf.math.in_top_k(labels, logits, 3), tf.float32))
    return loss, tf.reduce_mean(correct), top3


def run():
    totals = tf.zeros((3,))
    for x, labels in BATCHES:
        totals += tf.stack(evaluate_batch(x, labels))
    return totals / len(BATCHES)


if __name__ == "__main__":
    main(run)
