"""HYB007's examples: the code it must leave alone (`VALID`) and the code it must report (`INVALID`).

Tests and documentation of `FunctionRecreated` (function_recreated.py), like every rule's `valid` / `invalid`;
kept apart because they are most of the rule (every false alarm the precision studies found is one of
them, bench/precision/patterns.md), and the rule's own logic reads better without them.
"""
from __future__ import annotations

from .base import Invalid, Valid

VALID = (
    Valid("""
        import tensorflow as tf

        def slow(x):
            return x * 2

        fast = tf.function(slow)

        def run(xs):
            return [fast(x) for x in xs]
    """, note="created once at module level"),
    Valid("""
        import tensorflow as tf

        def build(model):
            @tf.function
            def serve(x):
                return model(x)
            return serve

        serving_fn = build(None)
    """, note="a factory called once"),
    Valid("""
        import tensorflow as tf

        def evaluate(model, batches):
            step = tf.function(lambda b: model(b))
            for batch in batches:
                step(batch)
    """, note="hoisted out of the loop"),
    Valid("""
        import tensorflow as tf

        class Trainer:
            @tf.function
            def step(self, x):
                return x + 1

        def train(trainer, xs):
            for x in xs:
                trainer.step(x)
    """, note="a decorated method is created once per class"),
    Valid("""
        import tensorflow as tf

        def test_activations():
            for name in ["relu", "tanh", "sigmoid"]:
                fn = tf.function(lambda x: getattr(tf.nn, name)(x))
                fn(tf.ones([2]))
    """, note="one tf.function per test case on purpose: it closes over the loop value"),
    Valid("""
        import tensorflow as tf

        def make_step(model, scale):
            @tf.function
            def step(x):
                return model(x) * scale
            return step

        steps = [make_step(m, s) for m, s in [(tf.identity, 1.0), (tf.identity, 2.0)]]
    """, note="a factory called per configuration: the caller keeps each tf.function"),
    Valid("""
        import tensorflow as tf

        class Evaluator:
            def __init__(self, tasks):
                self._eval_fns = {}
                for task in tasks:
                    self._eval_fns[task.name] = tf.function(task.eval_step)
    """, note="one tf.function per task, stored and reused"),
    Valid("""
        import tensorflow as tf

        @tf.function
        def train_function(iterator):
            def step_function(data):
                run_step = tf.function(lambda d: d * 2, jit_compile=True)
                return run_step(data)
            for _ in range(3):
                out = step_function(next(iterator))
            return out
    """, note="created while the outer function traces: once per trace, traced inline"),
    Valid("""
        import tensorflow as tf

        class Evaluator:
            def __init__(self, tasks, model):
                def get_function(task):
                    def step_fn(inputs):
                        return task.validation_step(inputs, model=model)

                    @tf.function
                    def eval_step_fn(iterator):
                        return step_fn(next(iterator))
                    self.fns[task.name] = eval_step_fn

                self.fns = {}
                for task in tasks:
                    get_function(task)
    """, note="called once per task with the task it closes over: one function per case"),
    Valid("""
        import tensorflow as tf

        def create_stage_model(inputs, outputs):
            model = tf.keras.Model(inputs=inputs, outputs=outputs)

            @tf.function
            def serving(args):
                return model(args)

            setattr(model, "_serving", serving)
            return model

        def create_models(stages):
            return [create_stage_model(s.inputs, s.outputs) for s in stages]
    """, note="issue 10 P27-precfix: a factory storing its tf.function on the object it returns: one "
              "function per model, kept by the caller"),
    Valid("""
        class Trainer:
            def _steps(self, dataset):
                step = tf.function(self._train_step)
                for batch in dataset:
                    yield step(batch)

            def __call__(self, dataset):
                for loss in self._steps(dataset):
                    print(loss)
    """, note="the generator is the loop's iterable, called once per run (issue 10 P25-corpusb, OpenNMT-tf)"),
    Valid("""
        import tensorflow as tf

        class GNN(tf.keras.layers.Layer):
            def build(self, shape):
                for layer in self.layers_:
                    layer.build(shape)
                self._inner = tf.function(self._inner, input_signature=[tf.TensorSpec([None, 4])])
                super().build(shape)
    """, note="build's own loop calls the child layers' build, not itself (issue 10 P25-corpusb, tf2-gnn)"),
    Valid("""
        import tensorflow as tf

        class Trainer:
            def __init__(self, model):
                self.model = model
                self._compiled = False

            def _train_step(self, batch):
                if self._compiled is False:
                    self.one_step = tf.function(self._one_step)
                    self._compiled = True
                return self.one_step(batch)

            def _one_step(self, batch):
                return self.model(batch)

            def fit(self, batches):
                for batch in batches:
                    self._train_step(batch)
    """, note="created under a once-guard the block sets (issue 10 P27-corpusa, TensorFlowTTS's trainers)"),
    Valid("""
        import tensorflow as tf

        def inner(x, w):
            return tf.reduce_sum(tf.matmul(x, w))

        class Subgrid:
            def __init__(self, grid, compile_functions=True):
                self.grid = grid
                self.fn = inner
                if compile_functions:
                    self.fn = tf.function(self.fn, reduce_retracing=True)

            def __call__(self, x):
                return self.fn(x, self.grid)

        def build(grids):
            return [Subgrid(g) for g in grids]
    """, note="issue 10 P50-fixa: made in __init__ and kept on the object, one tf.function per object "
              "(called for the object's lifetime), not one per call"),
    Valid("""
        import tensorflow as tf

        def check_modes(func, args, expected):
            for mode in ("compiled", "eager", "graph"):
                try:
                    assert func(*args) == expected
                except AssertionError:
                    compiled = tf.function(func, jit_compile=True)
                    print(compiled.experimental_get_compiler_ir(*args)(stage="hlo"))
                    raise
    """, note="issue 10 P60-growb (jax2tf): made in a block that always re-raises, so at most once"),
    Valid("""
        import tensorflow as tf

        def rq(x, non_negative):
            return x

        def test_rq(matrix):
            for non_negative in [True, False]:
                fn = tf.function(rq)
                fn(matrix, non_negative)
    """, note="issue 10 P51-growb (tensornetwork): each literal case is a Python argument, traced once per "
              "value anyway"),
    Valid("""
        import tensorflow as tf
        from models import create_model

        def time_model(name, batch_size):
            model = create_model(name)
            @tf.function(jit_compile=True)
            def _fun(x):
                return model(x, training=False)
            return _fun(tf.ones([batch_size, 224, 224, 3]))

        def find_max_batch_size(name):
            for batch_size in (1, 2, 4, 8):
                time_model(name, batch_size)
    """, note="issue 10 P51-growa (tfimm): it closes over a model built on every call, so it cannot be "
              "hoisted"),
)


INVALID = (
    Invalid("""
        import tensorflow as tf

        def run(xs):
            for x in xs:
                double = tf.function(lambda v: v * 2)
                double(x)
    """, lines=(5,)),
    Invalid("""
        import tensorflow as tf

        def evaluate(model, batches):
            for batch in batches:
                @tf.function
                def step(b):
                    return model(b)
                step(batch)
    """, lines=(5,)),
    Invalid("""
        import tensorflow as tf

        def predict(model, x):
            @tf.function
            def run(v):
                return model(v)
            return run(x)

        def serve(model, xs):
            return [predict(model, x) for x in xs]
    """, lines=(4,), note="the enclosing function is called from a loop"),
    Invalid({
        "app/__init__.py": "",
        "app/trainer.py": """
            import tensorflow as tf

            class Trainer:
                def __init__(self, model):
                    self.model = model

                def step(self, x):
                    @tf.function
                    def forward(v):
                        return self.model(v)
                    return forward(x)
        """,
        "app/main.py": """
            from app.trainer import Trainer

            def fit(model, batches):
                trainer = Trainer(model)
                for batch in batches:
                    trainer.step(batch)
        """,
    }, path="app/trainer.py", lines=(8,), note="a method called from a loop in another module (issue 11)"),
    Invalid("""
        import tensorflow as tf

        def normalize(x):
            return x / tf.norm(x)

        while True:
            fn = tf.function(normalize)
            fn(tf.ones([3]))
            break
    """, lines=(7,)),
    Invalid("""
        import tensorflow as tf

        class Trainer:
            def train(self, batch):
                step = tf.function(self.step)
                return step(batch)

            def fit(self, batches):
                for batch in batches:
                    self.train(batch)
    """, lines=(5,), note="a method called once per iteration of another method's loop"),
    Invalid("""
        import tensorflow as tf

        def train_epoch(model, dataset, run_graph):
            strategy = tf.distribute.get_strategy()

            def distributed_step(sample):
                per_replica = strategy.run(model.train_sample, args=(sample,))
                return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

            if run_graph:
                distributed_step = tf.function(distributed_step)
            for sample in dataset:
                distributed_step(sample)

        def train(model, dataset, epochs):
            for _ in range(epochs):
                train_epoch(model, dataset, True)
    """, lines=(11,), note="issue 11 P65-recall3 (TF Graphics): `tf.distribute.get_strategy()` returns the strategy "
                           "in scope, the same object every epoch, so the step could be made once; a new "
                           "tf.function per epoch retraces per epoch"),
)
