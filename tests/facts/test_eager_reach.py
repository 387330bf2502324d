"""Issue 10 P22: a loop makes a hot path only in code known to run eagerly (compute.py `_eager_reach`)."""
from __future__ import annotations

from .helpers import fn, repo

STEP = """
import tensorflow as tf

def step(x):
    h = tf.matmul(x, x)
    return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h))
"""


def _loop(spec: dict[str, str], path: str = "m.py"):
    return fn(repo(spec), path, "step").called_in_loop


def test_a_loop_at_module_level_runs_eagerly() -> None:
    fact = _loop({"m.py": STEP + "\nfor _ in range(3):\n    step(tf.ones((4, 4)))\n"})
    assert fact.value is True
    assert fact.reason == "called from a loop in <module> (m.py:1) at line 8, which runs eagerly (module level of m.py)"


def test_a_loop_reached_from_main_guard_or_a_cli_main_runs_eagerly() -> None:
    guarded = STEP + "\ndef train():\n    for _ in range(3):\n        step(tf.ones((4, 4)))\n" \
                     "\nif __name__ == '__main__':\n    train()\n"
    fact = _loop({"m.py": guarded})
    assert fact.value is True and fact.reason.endswith("which runs eagerly (reached from module level of m.py)")
    cli = STEP + "\ndef train():\n    for _ in range(3):\n        step(tf.ones((4, 4)))\n\ndef main():\n    train()\n"
    fact = _loop({"m.py": cli})
    assert fact.value is True and fact.reason.endswith("which runs eagerly (reached from main of m.py)")


def test_a_function_handed_to_a_project_runner_from_eager_code_runs_eagerly() -> None:
    fact = _loop({
        "harness.py": "def main(run):\n    return run()\n",
        "m.py": STEP + "\nfrom harness import main\n\ndef run():\n    for _ in range(3):\n"
                       "        step(tf.ones((4, 4)))\n\nif __name__ == '__main__':\n    main(run)\n",
    })
    assert fact.value is True


def test_a_loop_nothing_is_seen_calling_eagerly_is_of_unknown_mode() -> None:
    fact = _loop({"m.py": STEP + """
class Loss:
    def per_level(self, outputs):
        total = 0.0
        for o in outputs:
            total += step(o)
        return total
"""})
    assert fact.value is None
    assert fact.reason.startswith("called from a loop in Loss.per_level (m.py:8) at line 11, but nothing shows")


def test_code_keras_or_tf_data_traces_is_not_eager_even_when_main_reaches_it() -> None:
    spec = {"m.py": STEP + """
class Block(tf.keras.layers.Layer):
    def call(self, x):
        for _ in range(3):
            x = step(x)
        return x

def parse(x):
    for _ in range(3):
        x = step(x)
    return x

def main():
    Block()(tf.ones((4, 4)))
    tf.data.Dataset.range(3).map(parse)
"""}
    assert _loop(spec).value is None


def test_library_code_only_tests_run_eagerly_is_not_a_hot_path() -> None:
    fact = _loop({
        "lib.py": STEP + "\ndef build(n):\n    out = []\n    for _ in range(n):\n        out.append(step(tf.ones((4, 4))))\n"
                         "    return out\n",
        "lib_test.py": "from lib import build\n\ndef test_build():\n    assert build(2)\n",
    }, "lib.py")
    assert fact.value is False
    assert fact.reason == ("called from a loop in build (lib.py:7) at line 10, which runs eagerly only under tests "
                           "(reached from test_build of lib_test.py): not a hot path")
