"""Linear regression with jax.jit: a small JAX project with real misuse, for `hybridize check examples/`."""
from functools import partial

import jax
import jax.numpy as jnp

history = []


@jax.jit
def loss_fn(w, x, y):
    err = x @ w - y
    print("error", err)
    return jnp.mean(err ** 2)


@partial(jax.jit, static_argnums=2)
def update(w, batch, step):
    x, y = batch
    grads = jax.grad(loss_fn)(w, x, y)
    history.append(step)
    return w - 0.01 / (1 + step) * grads


def clip(w, limit):
    if jnp.abs(w).max() > limit:
        return w / limit
    return w


fast_clip = jax.jit(clip)


def fit(w, x, y, steps):
    for step in range(steps):
        w = update(w, (x, y), step)
        w = jax.jit(lambda v: v * 0.99)(w)
    return fast_clip(w, 10.0)
