"""RNN: an LSTM cell unrolled over a sequence by hand (gates, cell state, projection)."""
import tensorflow as tf

from _harness import main

UNITS = 32
KERNEL = tf.random.stateless_normal((16, 4 * UNITS), seed=(1, 2)) * 0.1
RECURRENT = tf.random.stateless_normal((UNITS, 4 * UNITS), seed=(3, 4)) * 0.1
BIAS = tf.zeros((4 * UNITS,))
SEQUENCES = [tf.random.stateless_normal((8, 12, 16), seed=(i, 5)) for i in range(10)]


def lstm_sequence(inputs):
    h = tf.zeros((8, UNITS))
    c = tf.zeros((8, UNITS))
    for x in tf.unstack(inputs, axis=1):
        z = tf.matmul(x, KERNEL) + tf.matmul(h, RECURRENT) + BIAS
        i, f, g, o = tf.split(z, 4, axis=1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        h = tf.sigmoid(o) * tf.tanh(c)
    return h


def run():
    outs = []
    for seq in SEQUENCES:
        outs.append(lstm_sequence(seq))
    return tf.stack(outs)


if __name__ == "__main__":
    main(run)
