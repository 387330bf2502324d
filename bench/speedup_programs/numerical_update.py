"""Numerical update step: Adam on the Rosenbrock function with an analytic gradient, written out by hand."""
import tensorflow as tf

from _harness import main


def adam_step(x, m, v, t):
    a, b = 1.0, 100.0
    x0, x1 = x[..., 0], x[..., 1]
    g0 = -2.0 * (a - x0) - 4.0 * b * x0 * (x1 - x0 * x0)
    g1 = 2.0 * b * (x1 - x0 * x0)
    g = tf.stack([g0, g1], axis=-1)
    m = 0.9 * m + 0.1 * g
    v = 0.999 * v + 0.001 * tf.square(g)
    m_hat = m / (1.0 - tf.pow(0.9, t))
    v_hat = v / (1.0 - tf.pow(0.999, t))
    x = x - 0.01 * m_hat / (tf.sqrt(v_hat) + 1e-8)
    return x, m, v


def run():
    x = tf.stack([tf.linspace(-1.5, 1.5, 16), tf.linspace(2.0, -1.0, 16)], axis=-1)
    m = tf.zeros_like(x)
    v = tf.zeros_like(x)
    t = tf.constant(0.0)
    for _ in range(200):
        t = t + 1.0
        x, m, v = adam_step(x, m, v, t)
    return x


if __name__ == "__main__":
    main(run)
