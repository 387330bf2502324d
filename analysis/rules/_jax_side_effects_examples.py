"""The examples of jax_side_effects.py's rules (HYB101's, HYB102's and HYB103's): the code each must leave
alone (`*_VALID`) and the code each must report (`*_INVALID`).

Tests and documentation of the rules, like every rule's `valid` / `invalid`; kept apart because they are
most of the module (every false alarm the precision studies found is one of them,
bench/precision/patterns.md), and the rules' own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

# HYB101 (PrintInJit)
PRINT_IN_JIT_VALID = (
    Valid("""
        import jax

        @jax.jit
        def step(x):
            jax.debug.print("x = {}", x)
            return x * 2
    """, note="jax.debug.print runs on every call"),
    Valid("""
        import jax

        def eager(x):
            print("not traced", x)
            return x

        step = jax.jit(lambda x: x * 2)
    """, note="eager code may print"),
    Valid("""
        import jax

        def log(x):
            print("host value", x)

        @jax.jit
        def step(x):
            jax.debug.callback(log, x)
            return x * 2
    """, note="a jax.debug.callback runs on the host on every call"),
    Valid("""
        import jax

        @jax.grad
        def loss(x):
            print("grad traces on every call", x)
            return (x ** 2).sum()
    """, note="jax.grad alone re-traces on every call, so the print runs every time"),
    Valid("""
        import warnings

        import equinox as eqx

        @eqx.filter_jit
        def solve(y0, old_option=None):
            if old_option is not None:
                warnings.warn("old_option is deprecated", DeprecationWarning)
            return y0
    """, note="a deprecation warning is meant to be emitted once"),
    Valid("""
        import jax

        @jax.jit
        def fold(x):
            if x.shape[0] < 8:
                print("grid may be too small:", x.shape)
            return x * 2
    """, note="a diagnostic under a static condition (jax_md's pattern)"),
    Valid("""
        from flax import nnx

        @nnx.jit
        def train_step(model, optimizer, batch):
            print("JITTING NNX")
            return batch
    """, note="a constant trace marker, printed once per compilation on purpose (flax's benchmarks)"),
    Valid("""
        from functools import partial

        import jax

        class Env:
            @partial(jax.jit, static_argnums=(0,))
            def reset_to_level(self, level):
                print(" ** WARNING ** reset_to_level is deprecated, use set_state instead")
                return level
    """, note="a deprecation warning spelled as a print, meant once like warnings.warn (JaxMARL)"),
    Valid("""
        import jax

        @jax.jit
        def step(x):
            print("x has shape", x.shape, "and", len(x), "rows")
            return x * 2
    """, note="shapes and len() are static: printed right, once per trace"),
    Valid("""
        from functools import partial

        import jax

        class Map:
            @partial(jax.jit, static_argnums=[0])
            def sample(self, key):
                print("-- sampling scenarios --")
                map_data = self.maps[jax.random.randint(key, (), 0, 4)]
                print("map data", map_data.shape)
                return map_data

            @partial(jax.jit, static_argnums=(0,))
            def reset_from_state(self, state, key):
                print("reset_from_state")
                return state
    """, note="stray prints of constants and a shape show no traced value (JaxMARL, P4-hyb101t)"),
    Valid("""
        import logging

        import jax
        import jax.numpy as jnp
        from jax.experimental import pjit

        def init_state(task, key, shapes, hparams=None):
            if not hparams:
                hparams = task.abstract_init(shapes)
            logging.info("var_weight_hparams: %s", hparams)
            variables = task.init(key, shapes)
            logging.info("initial_vars: %s", jax.tree.map(jnp.shape, variables))
            return variables

        def partitioned_init(task, key, shapes):
            hparams = task.abstract_init(shapes)

            def init_from_seed(key):
                return init_state(task, key, shapes, hparams=hparams)

            return pjit.pjit(init_from_seed)(key)
    """, note="configuration passed as Python values at every call site, and shapes of traced values "
              "(paxml, P5-hyb101t)"),
    Valid("""
        from functools import partial

        import jax

        def describe(config, x):
            print("config", config, "for", x.shape)
            return x * config["scale"]

        @partial(jax.jit, static_argnums=1)
        def step(x, config):
            return describe(config, x)
    """, note="a helper's parameter given only a static argument"),
    Valid("""
        from functools import partial

        import jax

        @partial(jax.custom_vjp, nondiff_argnums=(0,))
        def clip_gradient(limit, x):
            print("clipping gradients at", limit)
            return x

        @jax.jit
        def step(xs):
            return jax.vmap(partial(clip_gradient, 1.0))(xs)
    """, note="a custom derivative's nondiff_argnums are Python values"),
)


# HYB101 (PrintInJit)
PRINT_IN_JIT_INVALID = (
    Invalid("""
        import jax

        @jax.jit
        def step(x):
            print("x =", x)
            return x * 2
    """, lines=(5,)),
    Invalid("""
        import logging
        from functools import partial

        import jax

        logger = logging.getLogger(__name__)

        def report(x):
            logger.info("loss %s", x)

        @partial(jax.jit, static_argnums=1)
        def step(x, n):
            report(x)
            return x * n
    """, lines=(9,), note="a helper called from the jitted function"),
    Invalid("""
        import jax
        import jax.numpy as jnp

        def update(params, grads):
            print("updating with", grads)
            return params - 0.1 * grads

        fast_update = jax.jit(update)
    """, lines=(5,), note="jax.jit(f) in the same module"),
    Invalid("""
        import functools

        import jax

        def loss(params, batch):
            print("batch", batch)
            return (params * batch).sum()

        grad_step = jax.jit(jax.grad(functools.partial(loss, batch=1.0)))
        replicated = jax.pmap(loss, axis_name="devices")
    """, lines=(6,), note="jax.jit of a transformed function (grad, vmap, partial) and jax.pmap"),
    Invalid("""
        import jax

        class Agent:
            def __init__(self):
                self._act = jax.jit(self.act)

            def act(self, obs):
                print("obs", obs)
                return obs * 2
    """, lines=(8,), note="jax.jit(self.method) (brax's, acme's and evojax's agents)"),
    Invalid("""
        from flax import nnx

        @nnx.jit
        def train_step(model, optimizer, batch):
            print("loss", model(batch))
            return batch
    """, lines=(5,), note="Flax's nnx.jit"),
    Invalid("""
        import jax
        import jax.numpy as jnp

        def show(label, value):
            print(label, value)

        def scale(x, factor):
            show("scaled", x * factor)
            return x * factor

        @jax.jit
        def step(x):
            return scale(x, 2.0)
    """, lines=(5,), note="a traced value reached through two calls"),
    Invalid("""
        from functools import partial

        import jax
        import jax.numpy as jnp

        class Map:
            @partial(jax.jit, static_argnums=[0])
            def sample(self, key):
                idx = jax.random.randint(key, (1,), minval=0, maxval=self.count)[0]
                case = jax.tree.map(lambda x: x[idx], self.cases)
                print("case", case)
                theta = jnp.array([case[2], 0])
                print("theta", theta)
                return theta
    """, lines=(11, 13), note="values gathered with a traced index, and jnp results (JaxMARL's sampler)"),
    Invalid("""
        import logging

        import jax
        from jax.experimental import pjit

        def init_state(task, key, shapes, hparams=None):
            key, k1 = jax.random.split(key)
            logging.info("init keys: %s", {"params": k1})
            return task.init(k1, shapes)

        def partitioned_init(task, key, shapes):
            hparams = task.abstract_init(shapes)

            def init_from_seed(key):
                return init_state(task, key, shapes, hparams=hparams)

            return pjit.pjit(init_from_seed)(key)
    """, lines=(8,), note="PRNG keys split from a traced key, reached from pjit through a closure (paxml)"),
)


# HYB102 (OuterStateInJit)
OUTER_STATE_IN_JIT_VALID = (
    Valid("""
        import jax

        @jax.jit
        def step(x):
            parts = []
            parts.append(x * 2)
            return parts[0]
    """, note="a list created inside the trace is local"),
    Valid("""
        import jax

        history = []

        def step(x):
            history.append(x)
            return x * 2
    """, note="not jitted"),
    Valid("""
        import jax

        @jax.jit
        def step(x, state):
            state = dict(state)
            state["x"] = x
            return state
    """, note="a copy made inside the function"),
    Valid("""
        import jax
        import optax

        opt = optax.adam(1e-3)

        @jax.jit
        def step(grads, state):
            return opt.update(grads, state)
    """, note="`update` of an object that is not a container (Optax's functional API)"),
    Valid("""
        import jax

        @jax.jit
        def f(params):
            metrics = {}

            def log(name, value):
                metrics[name] = value

            log("norm", (params ** 2).sum())
            return metrics
    """, note="the dict is created inside the trace"),
    Valid("""
        import jax

        class Copier:
            def __init__(self, buf):
                self.buf = buf
                self.pending = []

        @jax.jit
        def step(x):
            c = Copier(x)
            return c.buf * 2
    """, note="an object constructed while tracing"),
    Valid("""
        import jax

        class Ball:
            def __init__(self, x):
                self.x = x

            def move(self, v):
                self.x = self.x + v

        class Game:
            def __init__(self, state):
                self.ball = Ball(state)

            def step(self, v):
                self.ball.move(v)
                return self.ball.x

        def update(state, v):
            game = Game(state)
            return game.step(v)

        step = jax.jit(jax.vmap(update))
    """, note="methods of objects the jitted step constructs itself (evojax's SlimeVolley, P64-jaxp)"),
    Valid({"tests/test_cache.py": """
        import jax

        def test_traces_once():
            n = 0

            @jax.jit
            def f(x):
                nonlocal n
                n += 1
                return x

            f(1.0)
            f(2.0)
            assert n == 1
    """}, path="tests/test_cache.py", note="tests count traces on purpose"),
)


# HYB102 (OuterStateInJit)
OUTER_STATE_IN_JIT_INVALID = (
    Invalid("""
        import jax

        calls = 0

        @jax.jit
        def step(x):
            global calls
            calls += 1
            return x * 2
    """, lines=(8,)),
    Invalid("""
        import jax

        seen = []

        def record(name):
            seen.append(name)

        @jax.jit
        def step(x):
            record("step")
            return x * 2
    """, lines=(6,), note="in a helper called from the jitted function"),
    Invalid("""
        from functools import partial

        import jax

        class Trainer:
            @partial(jax.jit, static_argnums=0)
            def step(self, x):
                self.steps = 1
                return x * 2
    """, lines=(8,)),
    Invalid("""
        import jax

        class Trainer:
            def __init__(self):
                self.calls = 0
                self._step = jax.jit(self.step)

            def step(self, x):
                self.calls += 1
                return x * 2
    """, lines=(9,), note="jax.jit(self.step): the trainer outlives the trace"),
    Invalid("""
        import jax

        class Ball:
            def __init__(self, x):
                self.x = x

            def move(self, v):
                self.x = self.x + v
                return self.x

        BALL = Ball(0.0)

        def update(state, v):
            fresh = Ball(state)
            fresh.move(v)
            return BALL.move(v)

        step = jax.jit(update)
    """, lines=(8,), note="one caller moves a module-level ball: not every receiver is fresh"),
)


# HYB103 (TracerLeak)
TRACER_LEAK_VALID = (
    Valid("""
        import jax

        last = []

        @jax.jit
        def step(x):
            y = x * 2
            return y

        last.append(step(1.0))
    """, note="the result is stored outside, after the call"),
    Valid("""
        import jax

        shapes = []

        @jax.jit
        def step(x):
            shapes.append(x.shape)
            return x * 2
    """, note="shapes are static Python values (HYB102 reports the trace-time append)"),
    Valid("""
        import jax

        @jax.jit
        def step(x):
            acc = []
            acc.append(x * 2)
            return acc[0]
    """, note="a local list"),
)


# HYB103 (TracerLeak)
TRACER_LEAK_INVALID = (
    Invalid("""
        import jax

        last = []

        @jax.jit
        def step(x):
            y = x * 2
            last.append(y)
            return y
    """, lines=(8,)),
    Invalid("""
        import jax

        cache = None

        @jax.jit
        def step(x):
            global cache
            cache = x + 1
            return x
    """, lines=(8,)),
    Invalid("""
        from functools import partial

        import jax
        import jax.numpy as jnp

        class Model:
            @partial(jax.jit, static_argnums=0)
            def __call__(self, x):
                self.activations = jnp.tanh(x)
                return self.activations
    """, lines=(9,)),
)
