"""Shared by the benchmark programs: time `run` and print one JSON line with its result and timings.

Not analyzed for refactorings itself (no TensorFlow here). The first call is a warm-up (it traces the
graph of a hybrid function once), then `repeats` timed calls; the result is that of the last call.
"""
import json
import sys
import time


def _plain(value):
    """Nested lists of floats from tensors, NumPy arrays, tuples and Python numbers."""
    if hasattr(value, "numpy"):
        value = value.numpy()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def main(run, repeats=5):
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else repeats
    result = run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    print(json.dumps({"result": _plain(result), "times": times}))
