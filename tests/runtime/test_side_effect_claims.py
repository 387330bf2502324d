"""The claims behind HYB001-HYB004, checked by running the rules' own examples under real TensorFlow.

Each test takes an example out of the rule class (so the documentation cannot drift from what was
checked), runs it as a module, calls its graph function several times with tensors, and observes the
hazard (invalid examples) or its absence (valid examples). Examples are written to a temporary folder
before they run: AutoGraph reads a function's source file, and without one it silently skips conversion.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import linecache
import logging
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from hybridize_bot.analysis.rules.base import Example
from hybridize_bot.analysis.rules.outer_mutation import OuterMutation
from hybridize_bot.analysis.rules.print_in_graph import PrintInGraph
from hybridize_bot.analysis.rules.python_nondeterminism import PythonNondeterminism
from hybridize_bot.analysis.rules.variable_in_graph import VariableInGraph

from .tfrun import capture_fd, run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")

Loader = Callable[..., dict[str, Any]]


def example(examples: tuple[Example, ...], marker: str) -> Example:
    """The one example whose source contains `marker` (robust to reordering the rule's examples)."""
    found = [e for e in examples if marker in e.display()]
    assert len(found) == 1, f"expected one example containing {marker!r}, found {len(found)}"
    return found[0]


@pytest.fixture
def load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Loader]:
    """Run an example: single-file ones through `run_program`, multi-file ones as an imported package."""
    before = set(sys.modules)
    monkeypatch.chdir(tmp_path)  # run_program compiles as "example.py": AutoGraph finds it in the cwd
    monkeypatch.syspath_prepend(str(tmp_path))

    def _load(ex: Example, module: str | None = None) -> dict[str, Any]:
        files = ex.files()
        for path, data in files.items():
            target = tmp_path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        linecache.clearcache()  # another test's example.py may be cached under the same name
        if module is None:
            assert len(files) == 1, "multi-file examples need the module to import"
            return run_program(files[ex.path].decode()).namespace
        importlib.invalidate_caches()
        return vars(importlib.import_module(module))

    yield _load
    for name in set(sys.modules) - before:
        del sys.modules[name]


def stdout_of(fn: Callable[[], object]) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn()
    return buf.getvalue()


def calls(fn: Callable[..., Any], *args_list: tuple) -> list[Any]:
    return [fn(*args) for args in args_list]


def floats(n: int) -> list[tuple]:
    return [(tf.constant(float(i)),) for i in range(1, n + 1)]


# ---- HYB001: print/logging --------------------------------------------------------------------------

def test_hyb001_print_runs_once_per_trace_not_per_call(load: Loader) -> None:
    ns = load(example(PrintInGraph.invalid, 'print("x is", x)'))
    out = stdout_of(lambda: calls(ns["f"], *floats(3)))
    assert out.count("x is") == 1, out
    # A new input signature retraces, and only then does the print run again.
    out = stdout_of(lambda: ns["f"](tf.constant(7)))
    assert out.count("x is") == 1, out


def test_hyb001_logging_runs_once_per_trace(load: Loader) -> None:
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    root = logging.getLogger()
    handler, old_level = Collect(level=logging.DEBUG), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        ns = load(example(PrintInGraph.invalid, "logger.info"))
        calls(ns["step"], *floats(3))  # jit_compile=True: runs under XLA on the CPU too
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    messages = [r.getMessage() for r in records]
    assert sum(m.startswith("loss ") for m in messages) == 1, messages
    assert messages.count("step") == 1, messages


def test_hyb001_print_in_helper_of_another_module_runs_once(load: Loader) -> None:
    ns = load(example(PrintInGraph.invalid, "pkg/util.py"), module="pkg.train")
    out = stdout_of(lambda: calls(ns["train_step"], *floats(3)))
    assert out.count("value") == 1, out


def test_hyb001_tf_function_call_form_prints_once_but_plain_function_every_call(load: Loader) -> None:
    ns = load(example(PrintInGraph.invalid, "g_fast = tff(g)"))
    assert stdout_of(lambda: calls(ns["g_fast"], *floats(3))).count("tracing!") == 1
    assert stdout_of(lambda: calls(ns["g"], *floats(3))).count("tracing!") == 3


def test_hyb001_valid_tf_print_runs_on_every_call(load: Loader) -> None:
    ns = load(example(PrintInGraph.valid, 'tf.print("value", x)'))
    ns["f"](tf.constant(0.0))  # trace first, so that only the calls below are captured
    with capture_fd(2) as err:  # tf.print writes to the process's stderr from C++, not via sys.stderr
        calls(ns["f"], *floats(3))
    assert err["text"].count("value") == 3, err["text"]


# ---- HYB002: outer mutation -------------------------------------------------------------------------

def test_hyb002_outer_list_grows_only_while_tracing_and_holds_graph_tensors(load: Loader) -> None:
    ns = load(example(OuterMutation.invalid, "history.append(loss)"))
    calls(ns["train_step"], *[(tf.ones([2]) * i,) for i in range(4)])
    history = ns["history"]
    assert len(history) == 1, history  # four calls, one trace
    assert tf.is_symbolic_tensor(history[0])
    with pytest.raises(Exception):  # a graph tensor cannot be used after the trace (type varies)
        history[0].numpy()
    ns["train_step"](tf.ones([3]))  # new shape: retrace
    assert len(history) == 2


def test_hyb002_global_counter_counts_traces_not_calls(load: Loader) -> None:
    ns = load(example(OuterMutation.invalid, "global calls"))
    results = calls(ns["f"], *floats(5))
    assert [float(r) for r in results] == [2.0, 3.0, 4.0, 5.0, 6.0]  # the function itself works
    assert ns["calls"] == 1


def test_hyb002_self_attributes_change_only_while_tracing(load: Loader) -> None:
    ns = load(example(OuterMutation.invalid, "self.steps += 1"))
    model = ns["Model"]()
    calls(model, *floats(4))
    assert model.steps == 1
    assert model.seen == {1}
    assert tf.is_symbolic_tensor(model.last)  # the tensor leaked out of the graph


def test_hyb002_helper_in_another_module_leaks_graph_tensor_into_global_dict(load: Loader) -> None:
    ns = load(example(OuterMutation.invalid, "pkg/metrics.py"), module="pkg.train")
    losses = sys.modules["pkg.metrics"].LOSSES
    calls(ns["train_step"], *[(tf.ones([2]) * i,) for i in range(3)])
    assert list(losses) == ["loss"]
    assert tf.is_symbolic_tensor(losses["loss"])


def test_hyb002_closure_list_extended_once(load: Loader) -> None:
    ns = load(example(OuterMutation.invalid, "log.extend"))
    step, log = ns["make_step"]()
    calls(step, *floats(3))
    assert len(log) == 2  # one trace of `log.extend([x, x])`, not three


def test_hyb002_mutating_a_list_argument_is_rejected(load: Loader) -> None:
    ns = load(example(OuterMutation.invalid, "out.append(x)"))
    with pytest.raises(ValueError, match="should not modify its Python input arguments"):
        ns["f"](tf.constant(1.0), [])


def test_hyb002_valid_local_containers_are_rebuilt_on_every_trace(load: Loader) -> None:
    ns = load(example(OuterMutation.valid, "parts = []"))
    assert [float(r) for r in calls(ns["f"], *floats(3))] == [3.0, 6.0, 9.0]  # x*0 + x*1 + x*2


def test_hyb002_valid_lazy_variable_is_created_once(load: Loader) -> None:
    ns = load(example(OuterMutation.valid, "class Scaler"))
    scaler = ns["Scaler"]()
    scaler(tf.constant([1.0, 2.0]))
    first = scaler.v
    scaler.v.assign([3.0, 4.0])
    out = calls(scaler, (tf.constant([1.0, 1.0]),), (tf.constant([2.0, 2.0]),))
    assert scaler.v is first
    assert [o.numpy().tolist() for o in out] == [[3.0, 4.0], [6.0, 8.0]]


def test_hyb002_valid_assign_add_updates_on_every_call(load: Loader) -> None:
    ns = load(example(OuterMutation.valid, "self.total.assign_add"))
    counter = ns["Counter"]()
    calls(counter, *[(tf.ones([2]),)] * 3)
    assert float(counter.total.numpy()) == 6.0
    assert int(ns["step"].numpy()) == 3


def test_hyb002_valid_keras_build_and_tensor_array(load: Loader) -> None:
    ns = load(example(OuterMutation.valid, "class Block"))
    block = ns["Block"]()
    out = calls(block.forward, *[(tf.ones([2, 3]),)] * 3)
    assert block.names == ["w"] and out[0].shape == (2, 4)
    ns = load(example(OuterMutation.valid, "tf.TensorArray"))
    assert ns["squares"](tf.constant(4)).numpy().tolist() == [0.0, 1.0, 4.0, 9.0]
    assert ns["squares"](tf.constant(2)).numpy().tolist() == [0.0, 1.0]


# ---- HYB003: Python randomness, clock, I/O ----------------------------------------------------------

def test_hyb003_python_random_is_frozen_and_tensorflow_does_not_warn(load: Loader) -> None:
    ns = load(example(PythonNondeterminism.invalid, "random.randint(1, 1000)"))
    with warnings.catch_warnings(record=True) as caught, capture_fd(2) as err:
        warnings.simplefilter("always")
        values = [int(v) for v in calls(ns["jitter"], *[(tf.constant(0),)] * 6)]
    assert len(set(values)) == 1, values  # six draws from 1..1000 would almost surely differ
    assert not [w for w in caught if "random" in str(w.message).lower()]
    assert "random" not in err["text"].lower(), err["text"]


def test_hyb003_numpy_random_mask_is_frozen(load: Loader) -> None:
    ns = load(example(PythonNondeterminism.invalid, "np.random.rand(3)"))
    outs = {tuple(o.numpy().tolist()) for o in calls(ns["dropout_mask"], *[(tf.ones([3]),)] * 8)}
    assert len(outs) == 1, outs  # 8 fresh 3-bit masks being all equal: probability 8**-7


def test_hyb003_file_write_and_clock_happen_once_per_trace(load: Loader, tmp_path: Path) -> None:
    ns = load(example(PythonNondeterminism.invalid, "json.dump"))
    calls(ns["train_step"], *[(tf.ones([2]) * i,) for i in range(4)])
    text = (tmp_path / "log.json").read_text()
    assert text.count('"t"') == 1, text  # four calls, one record


def test_hyb003_numpy_random_in_helper_of_another_module_is_frozen(load: Loader) -> None:
    ns = load(example(PythonNondeterminism.invalid, "pkg/aug.py"), module="pkg.data")
    outs = {float(o.numpy()[0]) for o in calls(ns["augment"], *[(tf.ones([2]),)] * 6)}
    assert len(outs) == 1, outs


def test_hyb003_valid_tf_random_and_seeded_generator_draw_on_every_call(load: Loader) -> None:
    ns = load(example(PythonNondeterminism.valid, "tf.random.normal(tf.shape(x))"))
    a, b = calls(ns["noisy"], (tf.zeros([4]),), (tf.zeros([4]),))
    assert a.numpy().tolist() != b.numpy().tolist()
    ns = load(example(PythonNondeterminism.valid, "Generator.from_seed(42)"))
    a, b = calls(ns["noisy"], (tf.zeros([4]),), (tf.zeros([4]),))
    assert a.numpy().tolist() != b.numpy().tolist()


# ---- HYB004: variables created in graph code --------------------------------------------------------

_SINGLETON = "only supports singleton tf.Variables created on the first call"

_HYB004_INVALID_CALLS: list[tuple[str, str | None, Callable[[dict[str, Any]], Any]]] = [
    # (marker in the example, module to import for multi-file examples, how to call it)
    ("v = tf.Variable(tf.zeros_like(x))", None, lambda ns: ns["step"](tf.ones([2]))),
    ("tf.keras.optimizers.Adam(0.01)", None, lambda ns: ns["train_step"](tf.ones([4, 3]), tf.ones([4, 1]))),
    ("if self.v is None or", None, lambda ns: ns["Scale"]()(tf.ones([3]))),
    ("pkg/state.py", "pkg.loop", lambda ns: ns["count"](tf.ones([2]))),
    ("return Block()(x)", None, lambda ns: ns["forward"](tf.ones([2, 3]))),
    ("Generator.from_seed(1)", None, lambda ns: ns["noise"](tf.ones([2]))),
    ("layers.Dropout(0.5)", None, lambda ns: ns["regularize"](tf.ones([2, 3]))),
    ("tf.fill([2], 0.5)", None, lambda ns: ns["shift"](tf.ones([2]))),
]


@pytest.mark.parametrize("marker,module,call", _HYB004_INVALID_CALLS, ids=[m for m, _, _ in _HYB004_INVALID_CALLS])
def test_hyb004_creating_variables_on_every_trace_fails_at_the_first_call(
    load: Loader, marker: str, module: str | None, call: Callable[[dict[str, Any]], Any]
) -> None:
    ns = load(example(VariableInGraph.invalid, marker), module=module)
    with pytest.raises(ValueError, match=_SINGLETON):
        call(ns)


def test_hyb004_every_invalid_example_is_checked_at_runtime() -> None:
    markers = [m for m, _, _ in _HYB004_INVALID_CALLS]
    unchecked = [e.display() for e in VariableInGraph.invalid if not any(m in e.display() for m in markers)]
    assert not unchecked, unchecked


_HYB004_VALID_CALLS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("if self.v is None:", lambda ns: _same_object_thrice(ns["Scale"](), "v", tf.ones([3]))),
    ('hasattr(self, "v")', lambda ns: _same_object_thrice(ns["Scale"](), "v", tf.ones([3]))),
    ("def build(self, input_shape)", lambda ns: _same_object_thrice(ns["Dense"](), "w", tf.ones([2, 3]), "forward")),
    ("opt = tf.keras.optimizers.Adam(1e-3)", lambda ns: calls(ns["step"], *[(tf.ones([2, 3]),)] * 3)),
    ("layers.Flatten()", lambda ns: calls(ns["f"], *[(tf.ones([2, 3]),)] * 3)),
    ("self._make(key, x.shape)", lambda ns: _same_object_thrice(ns["Cache"](), "slots", tf.ones([3]), "get")),
]


def _same_object_thrice(obj: Any, attr: str, x: Any, method: str | None = None) -> None:
    fn = getattr(obj, method) if method else obj
    fn(x)
    first = getattr(obj, attr)
    snapshot = dict(first) if isinstance(first, dict) else None
    calls(fn, (x,), (x,))
    assert getattr(obj, attr) is first
    if snapshot is not None:
        assert all(first[k] is snapshot[k] for k in snapshot)


@pytest.mark.parametrize("marker,call", _HYB004_VALID_CALLS, ids=[m for m, _ in _HYB004_VALID_CALLS])
def test_hyb004_valid_examples_run_across_calls(load: Loader, marker: str, call: Callable[[dict[str, Any]], Any]) -> None:
    ns = load(example(VariableInGraph.valid, marker))
    call(ns)


def test_hyb004_cache_helper_accumulates_across_calls(load: Loader) -> None:
    ns = load(example(VariableInGraph.valid, "self._make(key, x.shape)"))
    cache = ns["Cache"]()
    out = calls(cache.get, *[(tf.ones([2]),)] * 3)
    assert out[-1].numpy().tolist() == [3.0, 3.0]
