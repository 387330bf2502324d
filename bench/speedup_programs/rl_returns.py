"""RL: discounted returns and generalized advantage estimates of a trajectory, step by step."""
import tensorflow as tf

from _harness import main

T = 32
REWARDS = tf.random.stateless_uniform((8, T), seed=(1, 2))
VALUES = tf.random.stateless_uniform((8, T + 1), seed=(3, 4))
DONES = tf.cast(tf.random.stateless_uniform((8, T), seed=(5, 6)) < 0.05, tf.float32)


def returns_and_advantages(rewards, values, dones):
    gamma, lam = 0.99, 0.95
    rs = tf.unstack(rewards, axis=1)
    vs = tf.unstack(values, axis=1)
    ds = tf.unstack(dones, axis=1)
    ret = vs[-1]
    gae = tf.zeros_like(ret)
    returns, advantages = [], []
    for t in reversed(range(len(rs))):
        mask = 1.0 - ds[t]
        ret = rs[t] + gamma * ret * mask
        delta = rs[t] + gamma * vs[t + 1] * mask - vs[t]
        gae = delta + gamma * lam * mask * gae
        returns.append(ret)
        advantages.append(gae)
    adv = tf.stack(advantages[::-1], axis=1)
    adv = (adv - tf.reduce_mean(adv)) / (tf.math.reduce_std(adv) + 1e-8)
    return tf.stack(returns[::-1], axis=1), adv


def run():
    out = None
    for _ in range(20):
        out = returns_and_advantages(REWARDS, VALUES, DONES)
    return out


if __name__ == "__main__":
    main(run)
