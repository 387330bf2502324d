"""HYB002's examples: the code it must leave alone (`VALID`) and the code it must report (`INVALID`).

Tests and documentation of `OuterMutation` (outer_mutation.py), like every rule's `valid` / `invalid`;
kept apart because they are most of the rule (every false alarm the precision studies found is one of
them, bench/precision/patterns.md), and the rule's own logic reads better without 800 lines of them.
"""
from __future__ import annotations

from .base import Invalid, Valid

VALID = (
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x):
            parts = []
            for i in range(3):
                parts.append(x * i)
            cache = {}
            cache["sum"] = tf.add_n(parts)
            return cache["sum"]
    """, note="containers allocated in the same function"),
    Valid("""
        import tensorflow as tf

        class Scaler(tf.Module):
            def __init__(self):
                self.v = None

            @tf.function
            def __call__(self, x):
                if self.v is None:
                    self.v = tf.Variable(tf.ones_like(x))
                return self.v * x
    """, note="the lazy variable-creation idiom of the TF guide"),
    Valid("""
        import tensorflow as tf

        class Block(tf.keras.layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], 4))
                self.names = []
                self.names.append("w")
                self.built = True

            @tf.function
            def forward(self, x):
                if not self.built:
                    self.build(x.shape)
                return x @ self.w
    """, note="Keras attribute tracking in build"),
    Valid("""
        import tensorflow as tf

        step = tf.Variable(0)

        class Counter(tf.Module):
            def __init__(self):
                self.total = tf.Variable(0.0)

            @tf.function
            def __call__(self, x):
                step.assign_add(1)
                self.total.assign_add(tf.reduce_sum(x))
                return self.total
    """, note="tf.Variable.assign* are TF ops that run on every call"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def squares(n):
            ta = tf.TensorArray(tf.float32, size=n)
            for i in tf.range(n):
                ta = ta.write(i, tf.cast(i * i, tf.float32))
            return ta.stack()
    """, note="tf.TensorArray accumulation"),
    Valid("""
        import tensorflow as tf

        seen = set()

        @tf.function
        def f(x):
            return tf.add(x, 1)

        def eager(x):
            seen.add(x)
            return f(x)
    """, note="tf.add is not set.add; the mutation is in eager code"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def outer(x):
            acc = []

            def collect(v):
                acc.append(v)

            collect(x)
            collect(x + 1)
            return tf.add_n(acc)
    """, note="a nested helper filling a list allocated by the same trace"),
    Valid("""
        import tensorflow as tf

        def convert_all(values):
            i = -1

            def c2t(x):
                nonlocal i
                i += 1
                return tf.convert_to_tensor(x, name=f"x{i}")

            return tf.nest.map_structure(c2t, values)

        @tf.function
        def f(x, y):
            a, b = convert_all((x, y))
            return a + b
    """, note="a naming counter of a helper's frame: each trace starts it afresh"),
    Valid("""
        import tensorflow as tf

        class Joint:
            def __init__(self, model):
                self._build(model)

            def _build(self, model):
                self._fns = model
                self._count = len(model)

            def sample(self, x):
                return sum(f(x) for f in self._fns)

        @tf.function
        def f(x):
            joint = Joint([tf.exp, tf.sin])
            return joint.sample(x)
    """, note="a helper called only by `__init__` sets up the object being created in the trace"),
    Valid("""
        import hashlib
        import tensorflow as tf

        class SeedStream:
            def __init__(self, seed, salt):
                self._seed, self._salt = seed, salt
                self._counter = 0

            def __call__(self):
                self._counter += 1
                composite = str((self._seed, self._counter, self._salt)).encode("utf-8")
                return int(hashlib.sha512(composite).hexdigest(), 16) % (2 ** 31)

        @tf.function
        def sample(shape, seed):
            stream = SeedStream(seed, salt="sample")
            a = tf.random.normal(shape, seed=stream())
            return a + tf.random.normal(shape, seed=stream())
    """, note="issue 10 P24-precfix: the object is made by its caller in the same trace (a TFP seed "
              "stream): a counter of the trace's own object"),
    Valid("""
        import hashlib
        import tensorflow as tf

        class SeedStream:
            def __init__(self, seed, salt):
                self._seed, self._salt = seed, salt
                self._counter = 0

            def __call__(self):
                self._counter += 1
                composite = str((self._seed, self._counter, self._salt)).encode("utf-8")
                return int(hashlib.sha512(composite).hexdigest(), 16) % (2 ** 31)

        class Sampler(tf.Module):
            def __init__(self, seed):
                self._seed_stream = SeedStream(seed, salt="sampler")

            @tf.function
            def one_step(self, x):
                return x + tf.random.normal(tf.shape(x), seed=self._seed_stream())
    """, note="issue 10 #3, P25-precfix: a counter read only to make seeds or names unique (TFP's SeedStream): "
              "trace-time bookkeeping by design"),
    Valid("""
        import tensorflow as tf

        class OptimizerTest(tf.test.TestCase):
            def test_variable_order_is_constant(self):
                logged_variables = []
                w = tf.Variable(1.0)

                @tf.function(autograph=False)
                def f():
                    with tf.GradientTape() as tape:
                        w.assign_add(1.0)
                    logged_variables.append([v.name for v in tape.watched_variables()])

                f()
                self.assertLen(logged_variables, 1)
    """, path="tests/optimizer_test.py", note="issue 10 P26-precfix: a test recording what each trace saw; "
                                              "the trace is the test's subject"),
    Valid("""
        import tensorflow as tf

        class Joint:
            def __init__(self):
                self._per_graph = {}

            def parts(self):
                graph_id = id(tf.constant(True).graph)
                ds = self._per_graph.get(graph_id, None)
                if ds is None or any([d is None for d in ds]):
                    ds = [tf.exp, tf.sin]
                    self._per_graph[graph_id] = ds
                return ds

        joint = Joint()

        @tf.function
        def f(x):
            return joint.parts()[0](x)
    """, note="a cache filled only while some of its entries are missing"),
    Valid("""
        import tensorflow as tf

        def result_shapes(fn, *args):
            container = [None]

            @tf.function
            def shape_reporting_wrapper(*args):
                result = fn(*args)
                container[0] = tf.nest.map_structure(lambda x: x.shape.as_list(), result)
                return result

            shape_reporting_wrapper.get_concrete_function(*args)
            return container[0]
    """, note="a Python side output of a trace the enclosing function forces with get_concrete_function"),
    Valid("""
        import tensorflow as tf

        class WeightNorm(tf.keras.layers.Wrapper):
            def _compute_weights(self):
                self.layer.kernel = self.v * self.g

            @tf.function
            def call(self, inputs):
                self._compute_weights()
                return self.layer(inputs)
    """, note="a helper that sets a per-trace temporary its caller uses right after the call"),
    Valid("""
        import tensorflow as tf

        history = []

        @tf.function
        def f(x):
            return x * 2

        history.append(f(tf.constant(1.0)).numpy())
    """, note="mutation outside graph code"),
    Valid("""
        import tensorflow as tf

        def implementation_selecting(default_fn):
            def wrap_fn(fn):
                def stub_fn(**kwargs):
                    return fn(**kwargs)
                stub_fn.__name__ = fn.__name__
                return stub_fn
            return tf.function(wrap_fn(default_fn))

        @tf.function
        def step(x):
            return implementation_selecting(tf.identity)(input=x)
    """, note="a function defined locally is a new object per call, not a module global"),
    Valid("""
        import tensorflow as tf
        from sonnet.src import once

        class Linear(tf.Module):
            @once.once
            def _initialize(self, inputs):
                self.input_size = inputs.shape[-1]
                self.w = tf.Variable(tf.zeros([self.input_size, 3]))

            @tf.function
            def __call__(self, inputs):
                self._initialize(inputs)
                return inputs @ self.w
    """, note="a run-once (or memoizing) method is build code meant for the first trace"),
    Valid("""
        import tensorflow as tf

        structure = {}

        @tf.function
        def initial_state_fn():
            state = {"a": tf.zeros([2])}
            if not structure:
                structure["state"] = tf.nest.map_structure(lambda _: None, state)
            return tuple(tf.nest.flatten(state))

        initial_state_fn.get_concrete_function()
    """, note="a structure filled once, at trace time, under an `if not container:` guard"),
    Valid("""
        import tensorflow as tf

        class Trainer(tf.Module):
            def __init__(self, optimizer):
                self.optimizer = optimizer
                self._built = False

            @tf.function
            def step(self, x):
                if not self._built:
                    self.slots = [tf.Variable(tf.zeros_like(x))]
                    self._built = True
                self.iterations = self.optimizer.iterations
                return x
    """, note="an `if not self._built:` guard, and re-aliasing the same tf.Variable on every trace"),
    Valid("""
        import tensorflow as tf

        class Model:
            @property
            def reduction(self):
                return self._reduction

            @reduction.setter
            def reduction(self, value):
                self._reduction = value

            @tf.function
            def step(self, x):
                return x * 2 if self.reduction == "sum" else x
    """, note="reading a property calls its getter, not its setter"),
    Valid("""
        import tensorflow as tf

        class WeightNorm(tf.keras.layers.Wrapper):
            @tf.function
            def call(self, inputs):
                activation = self.layer.activation
                self.layer.activation = None
                x = self.layer(inputs)
                self.layer.activation = activation
                self.layer.kernel = self.v * self.g
                return self.layer(inputs) + x
    """, note="attributes swapped and restored, or set and then used, within one trace"),
    Valid("""
        import tensorflow as tf

        def make(module_fn):
            mod = [None]

            @tf.function
            def apply(x):
                if not mod[0]:
                    mod[0] = module_fn()
                return mod[0](x)
            return apply
    """, note="a build-once guard on a list cell"),
    Valid("""
        import tensorflow as tf

        def make_eval(closure):
            first_call = True

            @tf.function
            def evaluate(x):
                nonlocal first_call
                if first_call:
                    tf.debugging.check_numerics(closure(x), "first evaluation")
                    first_call = False
                return closure(x)
            return evaluate
    """, note="a memo flag cleared under its own test: the check is meant for the first trace"),
    Valid("""
        import contextlib
        import tensorflow as tf

        _IN_SCOPE = False

        @contextlib.contextmanager
        def instance_scope():
            global _IN_SCOPE
            was_in_scope = _IN_SCOPE
            _IN_SCOPE = True
            try:
                yield
            finally:
                _IN_SCOPE = was_in_scope

        def build(metrics_fn):
            finalizers = {}
            indices = None

            @tf.function
            def initialize(x):
                nonlocal indices
                with instance_scope():
                    for metric in metrics_fn():
                        if metric.name in finalizers:
                            raise ValueError(f"duplicate metric {metric.name}")
                        finalizers[metric.name] = metric.result
                indices = [m.name for m in metrics_fn()]
                return x

            initialize.get_concrete_function(tf.TensorSpec([]))
            return finalizers, indices
    """, note="a global set and restored around the trace, and trace-time side outputs read after "
              "get_concrete_function"),
    Valid("""
        import tensorflow as tf

        class GradientAccumulator:
            def __init__(self):
                self._gradients = []

            @tf.function
            def __call__(self, gradients):
                if not self._gradients:
                    self._gradients.extend([tf.Variable(tf.zeros_like(g), trainable=False) for g in gradients])
                for accum, g in zip(self._gradients, gradients):
                    accum.assign_add(g)
    """, note="variables created on the first trace into a container under its own `if not` guard "
              "(issue 10 P23-corpusb, OpenNMT-tf)"),
    Valid("""
        import tensorflow as tf

        class Solver:
            @tf.function
            def train_op(self):
                self.variables = self.model.trainable_variables
                if self.extra is not None:
                    self.variables.extend([self.extra])
                with tf.GradientTape() as tape:
                    loss = self.loss()
                return tape.gradient(loss, self.variables)
    """, note="the list the same trace just bound to the attribute is extended: per-trace scratch "
              "(issue 10 P24-corpusb, tensordiffeq)"),
    Valid("""
        import tensorflow as tf

        def export(path):
            root = tf.Module()

            @tf.function(input_signature=[tf.TensorSpec(shape=[], dtype=tf.string)])
            def lookup_fn(x):
                keys = ["cat", "dog"]
                root.initializer = tf.lookup.KeyValueTensorInitializer(keys, tf.range(2, dtype=tf.int64))
                root.table = tf.lookup.StaticHashTable(root.initializer, default_value=-1)
                return root.table.lookup(x)

            root.lookup_fn = lookup_fn
            tf.saved_model.save(root, path)
    """, note="a lookup table (a resource object, like a tf.Variable) created on the trace and kept on "
              "the module that is saved (issue 10 P31-corpusb, tensorflow-transform)"),
    Valid("""
        import tensorflow as tf

        class NodeModule(tf.Module):
            @tf.function
            def __call__(self, **inputs):
                inputs.update(self.extra)
                return run(self.node, inputs)
    """, note="`**inputs` is a fresh dict per call, not the caller's object (issue 10 P26-corpusb, onnx-tf)"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def f(x, items):
            items = list(items)
            items[0] = x
            return items
    """, note="a copy of the argument (\"Modifying a copy is allowed\")"),
    Valid("""
        import tensorflow as tf

        class Explainer:
            def _init_between(self, ops, inputs):
                self.between = {}
                for op in ops:
                    for t in op.outputs:
                        self.between[t.name] = True
                for t in inputs:
                    self.between[t.name] = True

            @tf.function
            def grad(self, ops, inputs):
                self._init_between(ops, inputs)
                return inputs
    """, note="shap deep_tf.py: a dict rebound to {} earlier in the function, filled by subscript "
              "stores in a loop: per-trace scratch (P43-corpusc)"),
    Valid("""
        import tensorflow as tf

        class Decoder:
            def __init__(self, cell):
                self.cell = cell

            def setup_init_state(self, state):
                self.initial_state = state

            def initialize(self):
                return self.initial_state

        def dynamic_decode(decoder):
            return decoder.initialize()

        class Model(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.decoder = Decoder(None)

            @tf.function
            def call(self, x):
                self.decoder.setup_init_state(tf.zeros_like(x))
                return dynamic_decode(self.decoder)
    """, note="TensorFlowTTS tacotron2.py: a setter whose caller hands the object on to the call that "
              "reads it, in the same trace (P46-fixa)"),
    Valid("""
        import tensorflow as tf

        class Trajectory:
            def __init__(self, seed):
                self._seed = seed
                self._initialized = tf.Variable(False)
                self._indices = tf.Variable([0])

            @tf.function
            def __call__(self, x):
                if not self._initialized:
                    self.resample()
                    self._initialized.assign(True)
                return tf.gather(x, self._indices)

            def resample(self):
                if self._seed:
                    self._seed += 1
                self._indices.assign(tf.random.uniform([1], maxval=3, dtype=tf.int32, seed=self._seed))

        def update(trajectory):
            trajectory.resample()
    """, note="trieste sampler.py: a method called from graph code only under a create-once guard "
              "(eager callers run it normally) (P45-fixa)"),
    Valid("""
        import tensorflow as tf

        class Trainer(tf.Module):
            @tf.function
            def _step(self, x):
                self._forward(x)
                self._backward()
                return self.losses

            def _forward(self, x):
                self.losses = {}
                with tf.GradientTape() as tape:
                    self.losses["critic"] = tf.reduce_sum(x * x)
                self.tape = tape

            def _backward(self):
                return self.tape.gradient(self.losses["critic"], [])
    """, note="Mava's forward/backward hand-off: stored by one helper, read by its sibling in the same "
              "trace (P55-growa)"),
    Valid("""
        import tensorflow as tf

        class Diffusion(tf.keras.Model):
            def train_step(self, data):
                self.seq_len, self.feat_dim = data.shape[1], data.shape[2]
                return {"loss": tf.reduce_mean(data)}

            def generate(self, n):
                return tf.zeros([n, self.seq_len, self.feat_dim])
    """, note="tsgm's ddpm.py: static shapes, which only change with a retrace that stores them again "
              "(P53-growa)"),
    Valid("""
        import tensorflow as tf

        class Model(tf.keras.Model):
            @tf.function
            def collect(self, features, training):
                inputs = {name: tf.cast(x, tf.float32) for name, x in features.items()}
                if training:
                    self.input_keys = sorted(list(inputs.keys()))
                return inputs
    """, note="tfdf core.py: the sorted keys of a dict the trace builds from its inputs; another input "
              "structure retraces and stores them again (P48-growb)"),
    Valid("""
        import threading
        import tensorflow as tf

        _state = threading.local()

        @tf.function
        def convert(x):
            prev_cache = _state.constant_cache
            try:
                _state.constant_cache = {}
                return x * 2
            finally:
                _state.constant_cache = prev_cache
    """, note="jax2tf.py: module state swapped for a fresh one and restored in `finally` within one trace "
              "(P61-fixc)"),
    Valid("""
        import threading
        import tensorflow as tf

        _state = threading.local()
        _state.constant_cache = None

        def with_fresh_cache(fn, x):
            prev_cache = _state.constant_cache
            try:
                _state.constant_cache = {}
                return fn(x)
            finally:
                _state.constant_cache = prev_cache

        def to_tensor(val):
            key = id(val)
            tensor = tf.convert_to_tensor(val)
            if _state.constant_cache is not None:
                _state.constant_cache[key] = (val, tensor)
            return tensor

        @tf.function
        def convert(x):
            return with_fresh_cache(lambda v: v * to_tensor([1.0, 2.0]), x)
    """, note="jax2tf.py's `_tfval_to_tensor_jax_dtype`: a memo whose every binder saves it and restores it "
              "in `finally`, so what a trace stores there leaves with that trace (P3-tffalse)"),
    Valid("""
        import tensorflow as tf

        def call_tf(fn, x):
            res_structure = None

            def flat(*args):
                nonlocal res_structure
                res = fn(*args)
                structure = tf.nest.map_structure(lambda _: None, res)
                assert res_structure is None or res_structure == structure
                res_structure = structure
                return tf.nest.flatten(res)

            compiled = tf.function(flat, autograph=False)
            out = compiled(x)
            return tf.nest.pack_sequence_as(res_structure, out)
    """, note="jax2tf call_tf.py: a tf.function made afresh on every call of its enclosing function hands "
              "a Python structure out of its trace (P62-fixc)"),
    Valid("""
        import tensorflow as tf

        def call_tf(fn, x):
            res_flat = None  # only initialised here, never read

            def flat(*args):
                nonlocal res_flat
                res_flat = tf.nest.flatten(fn(*args))
                checked = [tf.identity(r) for r in res_flat]
                assert len(checked) == len(res_flat)
                return checked

            return tf.function(flat, autograph=False)(x)
    """, note="jax2tf call_tf.py: a nonlocal only this function reads, after storing it: each trace sets "
              "and consumes it like a local (P1-tffalse)"),
    Valid("""
        import tensorflow as tf

        class Trainer:
            def __init__(self, model, optimizer):
                self._model = model
                self._optimizer = optimizer

            def _forward(self, x):
                with tf.GradientTape() as tape:
                    policy_loss = tf.reduce_mean(self._model(x))
                    critic_loss = tf.reduce_mean(tf.square(self._model(x)))
                self.policy_loss = policy_loss
                self.total_loss = policy_loss + critic_loss
                self.tape = tape

            def _backward(self):
                variables = self._model.trainable_variables
                grads = self.tape.gradient(self.policy_loss, variables)
                self._optimizer.apply_gradients(zip(grads, variables))

            @tf.function
            def step(self, x):
                self._forward(x)
                self._backward()
    """, note="Mava's MAPPO `_forward_pass`: every trace stores `self.total_loss`, which no code of the "
              "project reads, by its name or by a computed one: a dead store nobody sees (P1-tfmava)"),
)

INVALID = (
    Invalid("""
        import tensorflow as tf

        class SeedStream:
            def __init__(self, seed):
                self._seed = seed
                self._counter = 0

            def __call__(self):
                self._counter += 1
                return self._seed * 1000 + self._counter

        STREAM = SeedStream(42)

        @tf.function
        def sample(shape):
            return tf.random.normal(shape, seed=STREAM())
    """, lines=(9,), note="the same counter on a module-level object: it advances only while tracing"),
    Invalid("""
        import tensorflow as tf

        history = []

        @tf.function
        def train_step(x):
            loss = tf.reduce_sum(x)
            history.append(loss)
            return loss
    """, lines=(8,), note="the outer list grows only while tracing, and holds graph tensors"),
    Invalid("""
        import tensorflow as tf

        calls = 0

        @tf.function
        def f(x):
            global calls
            calls += 1
            return x + 1
    """, lines=(8,), note="a global counter counts traces, not calls"),
    Invalid("""
        import threading
        import tensorflow as tf

        _state = threading.local()
        _state.constant_cache = {}

        def reset():
            _state.constant_cache = {}

        @tf.function
        def to_tensor(val):
            tensor = tf.convert_to_tensor(val)
            _state.constant_cache[id(val)] = tensor
            return tensor
    """, lines=(13,), note="a module memo that is reset but never restored: the graph tensors outlive their "
                           "trace (P3-tffalse's memo is scoped by try/finally)"),
    Invalid("""
        import tensorflow as tf

        def make_step():
            prev = None

            @tf.function
            def step(x):
                nonlocal prev
                out = x if prev is None else x + prev
                prev = out
                return out

            return step
    """, lines=(10,), note="read before it is stored: the value kept from the last trace, a graph tensor "
                           "(P1-tffalse's per-trace nonlocal is read only after the store)"),
    Invalid("""
        import tensorflow as tf

        class Model(tf.Module):
            def __init__(self):
                self.steps = 0
                self.last = None
                self.seen = set()

            @tf.function
            def __call__(self, x):
                self.steps += 1
                self.last = x * 2
                self.seen.add(1)
                return x
    """, lines=(11, 12, 13)),
    Invalid({
        "pkg/__init__.py": "",
        "pkg/metrics.py": """
            LOSSES = {}

            def record(name, value):
                LOSSES[name] = value
        """,
        "pkg/train.py": """
            import tensorflow as tf
            from pkg.metrics import record

            @tf.function
            def train_step(x):
                loss = tf.reduce_mean(x)
                record("loss", loss)
                return loss
        """,
    }, path="pkg/metrics.py", lines=(4,), note="interprocedural, across modules"),
    Invalid("""
        import tensorflow as tf

        def make_step():
            log = []

            @tf.function
            def step(x):
                log.extend([x, x])
                return x

            return step, log
    """, lines=(8,), note="a closure variable of an eager enclosing function"),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def f(x, out):
            out.append(x)
            return x
    """, lines=(5,), note="TensorFlow rejects mutating a tf.function's list argument"),
    Invalid("""
        import tensorflow as tf

        class Model(tf.Module):
            def __init__(self):
                self.seen = []

            @tf.function
            def __call__(self, x):
                if not self.seen:
                    self.seen.append(x * 2)
                self.log = []
                self.log.append(1)
                self.seen.append(1)
                return x
    """, lines=(10, 13), note="a graph tensor kept under a guard, and a container bound by "
                              "another method: still outer state (the just-bound self.log is not)"),
    Invalid("""
        import tensorflow as tf

        @tf.function
        def f(x, items, table):
            items[4] = x
            del table["stale"]
            return x
    """, lines=(5, 6), note="item assignment and del on list/dict arguments (issue 11)"),
    Invalid("""
        import tensorflow as tf

        class Trainer(tf.Module):
            @tf.function
            def _step(self, x):
                self._forward(x)
                return x

            def _forward(self, x):
                self.last_loss = tf.reduce_sum(x)

            def report(self):
                return self.last_loss
    """, lines=(10,), note="a helper's store that nothing in the trace reads after it: it goes stale"),
    Invalid("""
        import tensorflow as tf

        def make(fn):
            calls = None

            def flat(x):
                nonlocal calls
                assert calls is None or calls >= 0
                calls = 1
                return fn(x)

            compiled = tf.function(flat)
            compiled(tf.constant(1.0))
            return compiled, calls
    """, lines=(9,), note="a tf.function returned to be called again: its closure is set by one trace only"),
    Invalid("""
        import tensorflow as tf

        def train(dataset):
            loss = None

            def step(x):
                nonlocal loss
                loss = tf.reduce_sum(x)
                return x

            compiled = tf.function(step)
            for batch in dataset:
                compiled(batch)
            return loss
    """, lines=(8,), note="a fresh tf.function, but called in a loop: only the first call traces"),
    Invalid({
        "trainer.py": """
            import tensorflow as tf

            class Trainer:
                def __init__(self, model):
                    self._model = model

                @tf.function
                def step(self, x):
                    loss = tf.reduce_mean(self._model(x))
                    self.last_loss = loss
                    return loss
        """,
        "report.py": """
            def log_progress(trainer, logger):
                logger.write({"loss": trainer.last_loss})
        """,
    }, path="trainer.py", lines=(10,), note="P1-tfmava's contrast: another module reads the attribute (on "
                                            "any object of any name): the stored value goes stale there"),
    Invalid("""
        import tensorflow as tf

        class Trainer:
            def __init__(self, model):
                self._model = model

            @tf.function
            def step(self, x):
                loss = tf.reduce_mean(self._model(x))
                self.last_loss = loss
                return loss

            def state(self):
                return {k: v for k, v in vars(self).items() if not k.startswith("_")}
    """, lines=(10,), note="P1-tfmava's contrast: the class reads its attributes by computed names (`vars`, "
                          "`__dict__`, `getattr(self, name)`), so the stale value is seen without its name"),
)
