"""Custom training step: a two-layer regression model trained with GradientTape and hand-written SGD."""
import tensorflow as tf

from _harness import main

tf.random.set_seed(0)
W1 = tf.Variable(tf.random.normal((16, 32), stddev=0.1, seed=1))
B1 = tf.Variable(tf.zeros((32,)))
W2 = tf.Variable(tf.random.normal((32, 1), stddev=0.1, seed=2))
B2 = tf.Variable(tf.zeros((1,)))
PARAMS = [W1, B1, W2, B2]
X = tf.random.normal((64, 16), seed=3)
Y = tf.reduce_sum(X[:, :4], axis=1, keepdims=True)


def train_step(x, y, lr):
    with tf.GradientTape() as tape:
        h = tf.nn.relu(tf.matmul(x, W1) + B1)
        pred = tf.matmul(h, W2) + B2
        loss = tf.reduce_mean(tf.square(pred - y)) + 1e-4 * tf.add_n([tf.nn.l2_loss(p) for p in PARAMS])
    grads = tape.gradient(loss, PARAMS)
    for p, g in zip(PARAMS, grads):
        p.assign_sub(lr * g)
    return loss


def run():
    for p, init in zip(PARAMS, INITIAL):
        p.assign(init)
    lr = tf.constant(0.05)
    losses = []
    for _ in range(100):
        losses.append(train_step(X, Y, lr))
    return tf.stack(losses)


INITIAL = [tf.identity(p) for p in PARAMS]

if __name__ == "__main__":
    main(run)
