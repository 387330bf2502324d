"""The TensorFlow claims behind HYB010-HYB020, checked with each rule's own embedded examples.

Each test runs an invalid example of the rule under real TensorFlow and shows the hazard, and a valid
example showing it does not occur. Examples are taken from the rule classes, so a rule whose examples
stop demonstrating its claim fails here.
"""
from __future__ import annotations

import logging

import pytest

from hybridize_bot.analysis.rules.base import Example
from hybridize_bot.analysis.rules.deprecated_experimental_compile import DeprecatedExperimentalCompile
from hybridize_bot.analysis.rules.deprecated_relax_shapes import DeprecatedRelaxShapes
from hybridize_bot.analysis.rules.eager_only_api import EagerOnlyApi
from hybridize_bot.analysis.rules.executing_eagerly_branch import ExecutingEagerlyBranch
from hybridize_bot.analysis.rules.recursive_function import RecursiveFunction
from hybridize_bot.analysis.rules.run_functions_eagerly import RunFunctionsEagerly
from hybridize_bot.analysis.rules.tensor_as_bool import TensorAsBool
from hybridize_bot.analysis.rules.try_except_in_graph import TryExceptInGraph
from tests.runtime.tfrun import Run, run_program

pytestmark = pytest.mark.runtime
tf = pytest.importorskip("tensorflow")


def source_of(example: Example) -> str:
    return example.files()[example.path].decode()



def run_source(source: str, **globals_: object) -> Run:
    """Run a program from a real module file (see tfrun.run_program: AutoGraph needs the source)."""
    return run_program(source, **globals_)


def by_note(examples: tuple[Example, ...], note: str) -> Example:
    (found,) = [e for e in examples if note in e.note]
    return found


def run(example: Example) -> dict:
    return run_source(source_of(example)).namespace


@pytest.fixture
def eager_flag_restored():
    """Every test that may turn run_functions_eagerly on leaves it off, whatever happens."""
    try:
        yield
    finally:
        tf.config.run_functions_eagerly(False)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def tf_log():
    """TensorFlow's deprecation messages (logged once per process, so the once-only memory is cleared)."""
    from tensorflow.python.util import deprecation  # internal, but where warn-once state lives

    saved = dict(deprecation._PRINTED_WARNING)
    deprecation._PRINTED_WARNING.clear()
    handler = _Records()
    logger = logging.getLogger("tensorflow")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        deprecation._PRINTED_WARNING.clear()
        deprecation._PRINTED_WARNING.update(saved)


# ---- HYB010 ------------------------------------------------------------------------------------
def logged_while_defining(example: Example, tf_log: list[str]) -> list[str]:
    """Deprecation messages TensorFlow logs for an example's definitions.

    TF's `deprecated_args` logs only when `IS_IN_GRAPH_MODE()` is true: before the eager context exists
    (module import time in a typical program) or in graph mode (tensorflow/python/util/deprecation.py,
    tensorflow/python/eager/context.py `_tmp_in_graph_mode`). Once an eager op has run, the same code
    logs nothing, so the definitions are replayed in graph mode to observe the message reliably.
    """
    tf_log.clear()
    with tf.Graph().as_default():
        run(example)
    return [m for m in tf_log if "deprecated" in m]


def test_hyb010_relax_shapes_is_deprecated_and_reduce_retracing_behaves_the_same(tf_log) -> None:
    assert any("experimental_relax_shapes is deprecated, use reduce_retracing" in m
               for m in logged_while_defining(DeprecatedRelaxShapes.invalid[0], tf_log))
    assert logged_while_defining(by_note(DeprecatedRelaxShapes.valid, "the new keyword"), tf_log) == []
    old = run(DeprecatedRelaxShapes.invalid[0])["scale"]
    new = run(by_note(DeprecatedRelaxShapes.valid, "the new keyword"))["scale"]
    plain = tf.function(lambda x: x * 2)
    for fn in (old, new, plain):
        for n in range(1, 6):
            fn(tf.ones([n]))
    # Both keywords relax shapes after the second shape; a plain tf.function traces once per shape.
    assert old.experimental_get_tracing_count() == new.experimental_get_tracing_count() == 2
    assert plain.experimental_get_tracing_count() == 5


# ---- HYB011 ------------------------------------------------------------------------------------
def test_hyb011_experimental_compile_is_deprecated_and_jit_compile_is_the_same_flag(tf_log) -> None:
    assert any("experimental_compile is deprecated, use jit_compile" in m
               for m in logged_while_defining(DeprecatedExperimentalCompile.invalid[0], tf_log))
    assert logged_while_defining(by_note(DeprecatedExperimentalCompile.valid, "the new keyword"), tf_log) == []
    old = run(DeprecatedExperimentalCompile.invalid[0])["dense"]
    new = run(by_note(DeprecatedExperimentalCompile.valid, "the new keyword"))["dense"]
    # The wrapper stores the resolved flag; both spellings end up as jit_compile=True.
    assert old._jit_compile is True and new._jit_compile is True
    x, w = tf.ones([2, 3]), tf.ones([3, 1])
    assert old(x, w).numpy().tolist() == new(x, w).numpy().tolist() == [[3.0], [3.0]]


def test_hyb011_both_keywords_are_rejected_which_is_why_the_fix_is_only_a_suggestion() -> None:
    make = run(DeprecatedExperimentalCompile.invalid[2])["make"]
    with pytest.raises(ValueError, match="jit_compile"):
        make(lambda x: x, True)


# ---- HYB012 ------------------------------------------------------------------------------------
def test_hyb012_run_functions_eagerly_true_is_global_and_runs_python_every_call(eager_flag_restored) -> None:
    program = run_source(source_of(RunFunctionsEagerly.invalid[0]) + "\nfor i in range(3):\n    step(i)\n")
    assert program.stdout.count("traced or eager?") == 3  # the Python body ran on every call
    assert tf.config.functions_run_eagerly() is True  # and the switch stays on for everyone after it
    tf.config.run_functions_eagerly(False)
    program = run_source(source_of(RunFunctionsEagerly.invalid[0]).replace(
        "tf.config.run_functions_eagerly(True)", "") + "\nfor i in range(3):\n    step(tf.constant(i))\n")
    assert program.stdout.count("traced or eager?") == 1  # as a graph: once per trace


def test_hyb012_try_finally_turns_it_back_off(eager_flag_restored) -> None:
    debug_step = run(by_note(RunFunctionsEagerly.valid, "every exit path"))["debug_step"]
    seen = []
    step = tf.function(lambda x: (seen.append(tf.executing_eagerly()), x + 1)[1])
    assert int(debug_step(step, tf.constant(1))) == 2
    assert seen == [True]  # eager inside the debugging window
    assert tf.config.functions_run_eagerly() is False  # and off afterwards


def test_hyb012_experimental_alias_is_deprecated_and_sets_the_same_switch(tf_log, eager_flag_restored) -> None:
    with tf.Graph().as_default():  # deprecation messages are logged in graph mode only (see above)
        tf.config.experimental_run_functions_eagerly(True)
    assert tf.config.functions_run_eagerly() is True  # a process-wide switch, not a per-graph one
    assert any("Use `tf.config.run_functions_eagerly` instead" in m for m in tf_log), tf_log
    run(RunFunctionsEagerly.invalid[3])  # `config.experimental_run_functions_eagerly(False)`
    assert tf.config.functions_run_eagerly() is False


# ---- HYB013 ------------------------------------------------------------------------------------
@pytest.mark.parametrize("index,name,args", [
    (0, "to_list", lambda: (tf.constant([1, 2]),)),
    (1, "normalize", lambda: (tf.constant([1.0, 2.0]),)),
    (3, "step", lambda: (tf.constant(1.0),)),
])
def test_hyb013_eager_only_calls_fail_in_a_tf_function(index, name, args) -> None:
    fn = run(EagerOnlyApi.invalid[index])[name]
    with pytest.raises(Exception):  # noqa: B017 - the type varies by version (tf-2.21-facts §3)
        fn(*args())


def test_hyb013_same_code_works_eagerly() -> None:
    fn = run(EagerOnlyApi.invalid[0])["to_list"]
    assert fn.python_function(tf.constant([1, 2])) == [1, 2]


@pytest.fixture(scope="module")
def keras_model():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_hyb013_keras_fit_and_predict_fail_in_a_tf_function(keras_model) -> None:
    ns = run(EagerOnlyApi.invalid[2])
    batch, labels = tf.ones([4, 2]), tf.ones([4, 1])
    with pytest.raises(Exception):  # noqa: B017 - Keras 3 raises AttributeError here, older Keras RuntimeError
        tf.function(ns["evaluate"])(keras_model, batch)  # predict_on_batch
    with pytest.raises(Exception):  # noqa: B017 - OperatorNotAllowedInGraphError under Keras 3.15
        ns["step"](keras_model, batch, labels)  # fit
    assert ns["evaluate"](keras_model, batch).shape == (4, 1)  # eagerly it is fine


def test_hyb013_train_on_batch_works_and_trains_on_every_call_in_a_tf_function(keras_model) -> None:
    """Hybridize's HAS_EAGER_ONLY_CALLS lists train_on_batch; on Keras 3 it works in a graph."""
    step = run(by_note(EagerOnlyApi.valid, "train_on_batch"))["step"]
    batch, labels = tf.ones([4, 2]), tf.ones([4, 1])
    losses = [float(step(keras_model, batch, labels)) for _ in range(4)]
    assert losses == sorted(losses, reverse=True) and losses[0] > losses[-1]  # it learns each call
    assert step.experimental_get_tracing_count() == 1


@pytest.mark.parametrize("note,args,expected", [
    ("eager-only branch", lambda: (tf.constant(2.0),), 4.0),
    ("py_function callbacks", lambda: (tf.constant([1.0, 3.0]),), 2.0),
    ("named py_function callback", lambda: (tf.constant([1.0, 3.0]),), 1.0),
    ("init_scope and eager_mode", lambda: (tf.constant(1.0),), 7.0),
    ("int()/float()", lambda: (tf.constant(2.0),), 8.0),
    # x + np.arange(4) + x.shape[0] with x = [1, 1, 1, 1]: [5, 6, 7, 8]
    ("numpy on a Python-valued parameter", lambda: (tf.ones([4], tf.int64),), 26.0),
])
def test_hyb013_valid_examples_run(note, args, expected) -> None:
    out = run(by_note(EagerOnlyApi.valid, note))["step"](*args())
    assert float(tf.reduce_sum(out)) == pytest.approx(expected)


# ---- HYB014 ------------------------------------------------------------------------------------
def test_hyb014_executing_eagerly_is_false_in_a_tf_function(eager_flag_restored) -> None:
    trainer = run(ExecutingEagerlyBranch.invalid[0])["Trainer"]()
    trainer.history = []
    assert float(trainer.step(tf.constant(1.0))) == 2.0
    assert trainer.history == []  # the eager-only bookkeeping is skipped in the graph
    type(trainer).step.python_function(trainer, tf.constant(1.0))  # the same code eagerly
    assert trainer.history == [1.0]
    tf.config.run_functions_eagerly(True)
    trainer.step(tf.constant(2.0))
    assert trainer.history == [1.0, 2.0]  # the documented exception


def test_hyb014_dual_mode_code_takes_the_graph_path_on_purpose() -> None:
    ns = run(by_note(ExecutingEagerlyBranch.valid, "deliberate dual-mode"))
    assert float(ns["step"](tf.constant(1.0))) == 2.0  # graph paths: the `else` and the fall-through
    assert float(ns["step"].python_function(tf.constant(1.0))) == 3.0  # eager: the early return


def test_hyb014_init_scope_sees_eager_mode() -> None:
    ns = run_source(source_of(by_note(ExecutingEagerlyBranch.valid, "init_scope")).replace("pass", "seen.append(True)"),
                     seen=[]).namespace
    ns["step"](tf.constant(1.0))
    assert ns["seen"] == [True]


# ---- HYB016 ------------------------------------------------------------------------------------
def test_hyb016_tensor_if_fails_without_autograph_and_works_with_it() -> None:
    relu_off = run(TensorAsBool.invalid[0])["relu"]
    with pytest.raises(tf.errors.OperatorNotAllowedInGraphError):
        relu_off(tf.constant(1.0))
    relu_on = run(by_note(TensorAsBool.valid, "AutoGraph converts"))["relu"]
    assert float(relu_on(tf.constant(-1.0))) == 0.0 and float(relu_on(tf.constant(2.0))) == 2.0


def test_hyb016_static_shapes_are_python_values_without_autograph() -> None:
    first = run(by_note(TensorAsBool.valid, "static shapes"))["first"]
    assert float(first(tf.constant([5.0, 6.0]))) == 5.0


def test_hyb016_do_not_convert_int_and_not_fail() -> None:
    step = run(TensorAsBool.invalid[2])["step"]
    with pytest.raises((TypeError, tf.errors.OperatorNotAllowedInGraphError)):
        step(tf.constant([1.0, 2.0]))


def test_hyb016_tensor_break_in_python_range_loop_fails_but_continue_and_tf_range_work() -> None:
    count = run(TensorAsBool.invalid[1])["count"]
    with pytest.raises(NotImplementedError, match="break and return statements which depend on a TF condition"):
        count(tf.constant(0))
    # break in a tf.range loop
    assert int(run(by_note(TensorAsBool.valid, "tf.range loop"))["count"](tf.constant(0))) == 6
    assert int(run(by_note(TensorAsBool.valid, "continue"))["count"](tf.constant(0))) == 3  # continue in a range loop


# ---- HYB019 ------------------------------------------------------------------------------------
def test_hyb019_runtime_errors_escape_the_python_except_in_a_tf_function() -> None:
    safe_gather = run(TryExceptInGraph.invalid[0])["safe_gather"]
    params = tf.constant([1.0, 2.0])
    assert float(safe_gather(params, tf.constant(1))) == 2.0
    # The handler would return 0.0; instead the error surfaces at the call site.
    with pytest.raises(tf.errors.InvalidArgumentError):
        safe_gather(params, tf.constant(5))
    # The same function run eagerly does catch it: the hazard is graph execution.
    assert float(safe_gather.python_function(params, tf.constant(5))) == 0.0
    checked = run(TryExceptInGraph.invalid[1])["checked"]
    with pytest.raises(tf.errors.InvalidArgumentError):
        checked(tf.constant(-1.0))


def test_hyb019_try_around_the_call_does_catch() -> None:
    call = run(by_note(TryExceptInGraph.valid, "around the call"))["call"]
    assert call(tf.constant([1.0, 2.0]), tf.constant(5)) is None


def test_hyb019_trace_time_keyerror_handler_works() -> None:
    scale = run(by_note(TryExceptInGraph.valid, "KeyError"))["scale"]
    assert float(scale(tf.constant(2.0), {})) == 2.0


# ---- HYB020 ------------------------------------------------------------------------------------
def test_hyb020_recursive_tf_function_fails_on_tensors_and_retraces_on_python_ints() -> None:
    import sys

    factorial = run(RecursiveFunction.invalid[0])["factorial"]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(400)  # the failure is unbounded recursion; a low limit makes it quick
    try:
        with pytest.raises(Exception) as info:  # noqa: B017 - AutoGraph wraps the RecursionError
            factorial(tf.constant(3))
    finally:
        sys.setrecursionlimit(limit)
    assert "recursion" in str(info.value).lower()
    factorial = run(RecursiveFunction.invalid[0])["factorial"]
    assert int(factorial(5)) == 120
    assert factorial.experimental_get_tracing_count() == 5  # one trace per depth


def test_hyb020_iterative_version_works() -> None:
    factorial = run(by_note(RecursiveFunction.valid, "iterative"))["factorial"]
    assert int(factorial(tf.constant(5))) == 120
    assert factorial.experimental_get_tracing_count() == 1


def test_hyb020_reentry_through_the_defining_function_is_not_recursive_tracing() -> None:
    minimize = run(by_note(RecursiveFunction.valid, "re-entry"))["minimize"]
    assert float(minimize(tf.constant(1.5), jit_compile=True)) == 3.0
