"""Refactoring outcomes and the preconditions that block them, per function (issue 11).

Each case is a small project, the function looked at, the outcome and the blocking preconditions,
written out by hand. Both directions: what must block (and did not before) and what must not. The
runtime claims behind the new preconditions are checked on TF 2.21 in
tests/runtime/test_precondition_claims.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from hybridize_bot.analysis.facts.preconditions import (
    CONVERT_TO_EAGER, CONVERT_TO_HYBRID, HAS_INVALID_NAME_ARGUMENTS, HAS_NO_PRIMITIVE_PARAMETERS,
    HAS_NUMPY_CALLS_ON_PARAMETERS, HAS_TENSOR_PARAMETER_ITERATION, HAS_UNRESOLVED_STATICALLY_READ_AXES,
    IS_TEST_CODE, RECONFIGURE, REQUIRES_GRAPH_EXECUTION,
)

from hybridize_bot.cli.main import main

from .helpers import fn, repo

# An eager function `f(x, w)` of two tensors, called with tensors; BODY is its body.
_EAGER = """
import numpy as np
import tensorflow as tf


def f(x, w):
{body}


f(tf.ones([4, 3]), tf.ones([3, 2]))
"""

HYBRID_CASES = {
    # id: (body of f, blocked_by)
    "plain-for-over-tensor": ("""
    s = tf.zeros([1, 2])
    for v in x:
        s += tf.matmul(v[None], w)
    return s""", []),
    "list-comprehension": ("""
    return tf.add_n([tf.matmul(v[None], w) for v in x])""", [HAS_TENSOR_PARAMETER_ITERATION]),
    "generator-in-sum": ("""
    return sum(tf.reduce_sum(v * w) for v in x)""", [HAS_TENSOR_PARAMETER_ITERATION]),
    "for-appending-to-a-list": ("""
    out = []
    for v in x:
        out.append(tf.matmul(v[None], w))
    return tf.concat(out, 0)""", [HAS_TENSOR_PARAMETER_ITERATION]),
    "for-over-enumerate": ("""
    s = tf.zeros([1, 2])
    for i, v in enumerate(x):
        s += tf.matmul(v[None], w)
    return s""", [HAS_TENSOR_PARAMETER_ITERATION]),
    "for-over-zip": ("""
    s = tf.zeros([])
    for a, b in zip(x, w):
        s += tf.reduce_sum(a) * tf.reduce_sum(b)
    return s""", [HAS_TENSOR_PARAMETER_ITERATION]),
    "for-over-tf-range-appending": ("""
    out = []
    for i in tf.range(3):
        out.append(tf.matmul(x, w))
    return tf.reduce_sum(x)""", []),
    "comprehension-over-a-rebound-parameter": ("""
    x = list(filter(lambda v: v is not None, x))
    return tf.add_n([tf.reduce_sum(tf.matmul(v[None], w)) for v in x])""", []),
    "comprehension-over-a-local-tuple": ("""
    return tf.add_n([tf.reduce_sum(tf.matmul(x, w)) * k for k in (1.0, 2.0)])""", []),
    "dtype-as-name": ("""
    return tf.sqrt(tf.matmul(x, w), tf.float32)""", [HAS_INVALID_NAME_ARGUMENTS]),
    "number-as-name": ("""
    return tf.add(tf.matmul(x, w), tf.matmul(x, w), 3)""", [HAS_INVALID_NAME_ARGUMENTS]),
    "number-as-name-keyword": ("""
    return tf.sqrt(tf.matmul(x, w), name=3)""", [HAS_INVALID_NAME_ARGUMENTS]),
    "string-name": ("""
    return tf.sqrt(tf.matmul(x, w), "root")""", []),
    "dtype-where-cast-takes-it": ("""
    return tf.cast(tf.matmul(x, w), tf.float16)""", []),
    "numpy-on-a-parameter": ("""
    return tf.matmul(x, w) + np.mean(x)""", [HAS_NUMPY_CALLS_ON_PARAMETERS]),
    "iteration-and-name": ("""
    return tf.add_n([tf.sqrt(tf.matmul(v[None], w), tf.float32) for v in x])""",
                           [HAS_INVALID_NAME_ARGUMENTS, HAS_TENSOR_PARAMETER_ITERATION]),
}


@pytest.mark.parametrize("case", sorted(HYBRID_CASES))
def test_convert_to_hybrid(case: str) -> None:
    body, blocked = HYBRID_CASES[case]
    ff = fn(repo({"m.py": _EAGER.format(body=body.strip("\n"))}), "m.py", "f")
    assert (ff.refactoring, list(ff.blocked_by)) == (CONVERT_TO_HYBRID, blocked)


def test_the_evidence_names_the_line() -> None:
    ff = fn(repo({"m.py": _EAGER.format(body="    return tf.sqrt(tf.matmul(x, w), tf.float32)")}), "m.py", "f")
    assert [(e.location(), e.detail) for e in ff.invalid_name_arguments] == [
        ("m.py:6", "`tf.float32` as the `name` of `tensorflow.sqrt`")]


def test_iteration_over_a_parameter_that_is_no_tensor_does_not_block() -> None:
    source = """
        import tensorflow as tf


        def f(x, sizes):
            return tf.add_n([tf.reduce_sum(x) * s for s in sizes])


        f(tf.ones([4, 3]), get_sizes())
    """
    ff = fn(repo({"m.py": source}), "m.py", "f")
    assert HAS_TENSOR_PARAMETER_ITERATION not in ff.blocked_by


# A tf.function `f` and a loop calling it. HEAD is its decorator, BODY its body, CALL the loop's call.
_HYBRID = """
import tensorflow as tf


{head}
def f(x):
{body}


def run(n_max):
    for n in range(1, n_max):
        {call}
"""
_SUM = "    return tf.reduce_sum(x * 2.0) + tf.reduce_mean(x)"

OPTIMIZE_CASES = {
    # id: (decorator, body, loop call, outcome, blocked_by)
    "varying-size": ("@tf.function", _SUM, "f(tf.ones([n, 3]))", RECONFIGURE, []),
    "varying-slice": ("@tf.function", _SUM, "f(tf.ones([64, 3])[:n])", RECONFIGURE, []),
    "static-shape-read": ("@tf.function", "    return tf.reduce_sum(x) * x.shape[0]", "f(tf.ones([n, 3]))",
                          RECONFIGURE, [HAS_UNRESOLVED_STATICALLY_READ_AXES]),
    "len-read": ("@tf.function", "    return tf.reduce_sum(x) / len(x)", "f(tf.ones([n, 3]))",
                 RECONFIGURE, [HAS_UNRESOLVED_STATICALLY_READ_AXES]),
    "fixed-shape": ("@tf.function", _SUM, "f(tf.ones([8, 3]) * n)", CONVERT_TO_EAGER, [HAS_NO_PRIMITIVE_PARAMETERS]),
    "already-reduce-retracing": ("@tf.function(reduce_retracing=True)", _SUM, "f(tf.ones([n, 3]))",
                                 CONVERT_TO_EAGER, [HAS_NO_PRIMITIVE_PARAMETERS]),
    "already-input-signature": ("@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])", _SUM,
                                "f(tf.ones([n, 3]))", CONVERT_TO_EAGER,
                                [HAS_NO_PRIMITIVE_PARAMETERS, REQUIRES_GRAPH_EXECUTION]),
    # Python side effects block convert-to-eager, not reconfigure; but `print` is a call the static-shape
    # scan cannot see into (it might read shapes), so relaxing shapes is not shown safe.
    "python-side-effect": ("@tf.function", "    print(x)\n" + _SUM, "f(tf.ones([n, 3]))", RECONFIGURE,
                           [HAS_UNRESOLVED_STATICALLY_READ_AXES]),
}


@pytest.mark.parametrize("case", sorted(OPTIMIZE_CASES))
def test_optimize_hybrid(case: str) -> None:
    head, body, call, outcome, blocked = OPTIMIZE_CASES[case]
    ff = fn(repo({"m.py": _HYBRID.format(head=head, body=body, call=call)}), "m.py", "f")
    assert (ff.refactoring, list(ff.blocked_by)) == (outcome, blocked)


def test_removing_a_decorator_that_applies_wins_over_reconfiguring() -> None:
    # P3 (a tensor and a Python literal): convert-to-eager applies, so the graph is not reconfigured.
    source = """
        import tensorflow as tf


        @tf.function
        def f(x, k):
            return tf.reduce_sum(x) * k


        for n in range(1, 9):
            f(tf.ones([n, 3]), 3)
    """
    ff = fn(repo({"m.py": source}), "m.py", "f")
    assert (ff.refactoring, list(ff.blocked_by)) == (CONVERT_TO_EAGER, [])


def test_reconfigure_in_test_code_is_blocked() -> None:
    source = _HYBRID.format(head="@tf.function", body=_SUM, call="f(tf.ones([n, 3]))")
    ff = fn(repo({"tests/test_m.py": source}), "tests/test_m.py", "f")
    assert (ff.refactoring, list(ff.blocked_by)) == (RECONFIGURE, [IS_TEST_CODE])


def test_reconfigure_from_a_padded_batch_in_another_module() -> None:
    project = {
        "pipe/__init__.py": "",
        "pipe/model.py": """
            import tensorflow as tf

            @tf.function
            def encode(tokens):
                return tf.reduce_mean(tf.cast(tokens, tf.float32), axis=-1)
        """,
        "pipe/train.py": """
            import tensorflow as tf
            from pipe.model import encode

            def fit(sequences):
                for batch in tf.data.Dataset.from_tensor_slices(sequences).padded_batch(32):
                    encode(batch)
        """,
    }
    ff = fn(repo(project), "pipe/model.py", "encode")
    assert (ff.refactoring, list(ff.blocked_by)) == (RECONFIGURE, [])
    assert [e.location() for e in ff.shape_varying_calls] == ["pipe/train.py:6"]


_CLI_PROJECT = _HYBRID.format(head="@tf.function", body=_SUM, call="f(tf.ones([n, 3]))") + """

def g(x, w):
    return tf.add_n([tf.matmul(v[None], w) for v in x])


g(tf.ones([4, 3]), tf.ones([3, 2]))
"""


@pytest.mark.parametrize("cached", [False, True])
def test_hybridize_facts_prints_the_outcome_and_preconditions(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             cached: bool) -> None:
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "m.py").write_text(_CLI_PROJECT)
    cache = ["--cache-dir", str(tmp_path / "cache")] if cached else ["--no-cache"]
    runs = 2 if cached else 1  # the second run reuses the snapshot of the first
    for _ in range(runs):
        assert main(["facts", str(tmp_path / "proj"), *cache]) == 0
        text = capsys.readouterr().out
        assert ("    reconfigure: applies\n"
                "      shape-varying call: `tf.ones([n, 3])` as `x`: its size depends on `n`, a `range` loop index "
                "(m.py:12)\n") in text
        assert ("    convert-to-hybrid: blocked\n"
                "      HAS_TENSOR_PARAMETER_ITERATION: a comprehension over x (`x` is a tensor) (m.py:16): AutoGraph "
                "does not convert it, tracing raises\n") in text
