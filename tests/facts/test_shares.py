"""Resolving the calls in shares (one per worker process) gives the facts of resolving them all at once."""
from __future__ import annotations

import marshal

from hybridize_bot.analysis.config import Config
from hybridize_bot.analysis.pipeline.load import load_project
from hybridize_bot.analysis.facts.project_facts import ProjectFacts

from .helpers import files

SPEC = {
    "pkg/__init__.py": "from pkg.layers import Dense\n",
    "pkg/layers.py": """
        import tensorflow as tf

        class Dense(tf.keras.layers.Layer):
            def build(self, shape):
                self.w = self.add_weight(shape=shape)

            def call(self, x):
                return helper(x) * self.w

        def helper(x):
            print("tracing", x)
            return tf.nn.relu(x)
    """,
    "pkg/model.py": """
        import tensorflow as tf
        from pkg import Dense
        from pkg.layers import helper

        class Model(tf.keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = Dense()

            def call(self, x):
                return self.dense(helper(x))

        @tf.function
        def step(model, data):
            for x in data:
                model(x)
            v = tf.Variable(1.0)
            v.assign(2.0)
            return unknown_thing(x)

        ds = tf.data.Dataset.range(3).map(helper)
    """,
    "pkg/train.py": """
        import tensorflow as tf
        from pkg.model import Model, step

        def run(data):
            model = Model()
            strategy = tf.distribute.MirroredStrategy()
            strategy.run(step, args=(model, data))
            return step(model, data)
    """,
}


def _state(pf: ProjectFacts) -> tuple:
    def edge(e):  # noqa: ANN001, ANN202
        return (e.caller, e.callee, e.via, e.line, e.col, e.in_loop, e.args, e.kwargs, e.star, e.offset, e.recv, e.root)

    return ([[edge(e) for e in out] for out in pf.edges], [[edge(e) for e in into] for into in pf.callers],
            pf.graph_required, pf.unknown, pf.eager_local, pf.keras_calls, pf.root_kind, pf.graph_parent)


def test_shares_installed_in_any_order_equal_one_pass() -> None:
    # The facts of each module as they come out of the extractor (calls included).
    loaded = load_project(files(SPEC), Config())
    records = [loaded.project.module_facts(p) for p in loaded.paths]
    whole = ProjectFacts(records)
    assert sum(len(e) for e in whole.edges) >= 6 and any(whole.graph_required)

    # Two "workers" resolve alternate functions; a third instance, which resolved nothing itself,
    # installs both shares (as they come out of the pipe, in the wrong order).
    fids = list(range(len(whole.fns)))
    shares = [ProjectFacts(records, defer_edges=True).resolve_share(fids[i::2]) for i in (0, 1)]
    shares = [marshal.loads(marshal.dumps(share)) for share in shares]
    split = ProjectFacts(records, defer_edges=True)
    split.install_shares(reversed(shares))
    split.finish()
    assert _state(split) == _state(whole)
