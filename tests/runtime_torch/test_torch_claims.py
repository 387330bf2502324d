"""The claims behind HYB201-HYB207, checked by running the rules' own examples under real PyTorch (CPU).

Checked on torch 2.13.0+cpu, the version the `torch` extra pins (the README's test command installs it),
and earlier on 2.14.1 (docs/framework-facts.md).
torch.compile runs with the "eager" backend: graph capture, guards, graph breaks and recompilation
(what the rules are about) are Dynamo's and identical under every backend; eager needs no C compiler.
"""
from __future__ import annotations

import pickle
import warnings
from typing import Any, Iterator

import pytest

from hybridize_bot.analysis.rules.torch_compiled import CompileInLoop, CompileVaryingScalar, GraphBreak, TraceFreezesBranch
from hybridize_bot.analysis.rules.torch_hygiene import DeprecatedVariable, ModuleInitWithoutSuper, UnsafeTorchLoad
from hybridize_bot.analysis.rules.torch_inference import DataLoaderWithoutWorkers, ModelWithoutEval

from ..example_programs import run_example

# Where torch._dynamo would crash after TensorFlow (a CUDA build with triton), conftest.py deselects this
# module and test_fresh_interpreter.py runs it in a new interpreter.
pytestmark = pytest.mark.runtime_torch
torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def eager_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """torch.compile(...) in the examples uses the eager backend, and every test starts with empty caches."""
    import torch._dynamo

    real = torch.compile

    def compile_eager(*args: Any, **kwargs: Any) -> Any:
        kwargs["backend"] = "eager"
        kwargs.pop("mode", None)  # modes are inductor options
        return real(*args, **kwargs)

    monkeypatch.setattr(torch, "compile", compile_eager)
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def graphs_and_breaks() -> tuple[int, int]:
    from torch._dynamo.utils import counters

    # Dynamo counts graph breaks by reason, under "graph_break" or (for unsupported bytecode such as a
    # jump on a tensor) "unimplemented"; each break also starts a new graph.
    breaks = sum(counters["graph_break"].values()) + sum(counters["unimplemented"].values())
    return counters["stats"]["unique_graphs"], breaks


def fresh_counters() -> None:
    from torch._dynamo.utils import counters

    counters.clear()


def test_hyb201_item_print_and_tensor_branches_break_the_graph_shapes_and_numpy_do_not() -> None:
    cases = [
        (GraphBreak.invalid, "if x.sum() > 0", "step", (torch.ones(3),), True),
        (GraphBreak.invalid, "y.abs().max().item()", "model", (torch.ones(2, 4),), True),
        (GraphBreak.invalid, "torch.isnan(x).any()", "fast_clip", (torch.ones(3),), True),
        (GraphBreak.valid, "x.shape[0] > 2 and scale > 1", "step", (torch.ones(3), 2), False),
        (GraphBreak.invalid, 'print("y computed")', "step", (torch.ones(3),), True),
        (GraphBreak.valid, "y.numpy() * 2", "step", (torch.ones(3),), False),
        (GraphBreak.valid, "torch.compiler.is_compiling()", "step", (torch.ones(3),), False),
    ]
    for examples, marker, name, args, breaks in cases:
        torch._dynamo.reset()
        fresh_counters()
        ns = run_example(examples, marker)
        ns[name](*args)
        assert (graphs_and_breaks()[1] > 0) is breaks, marker


def test_hyb202_dynamic_false_recompiles_per_value_default_marks_dynamic() -> None:
    fresh_counters()
    run_example(CompileVaryingScalar.invalid, "@torch.compile(dynamic=False)\ndef scale")
    assert graphs_and_breaks()[0] == 8  # one per value until the recompile limit, then eager
    assert torch._dynamo.config.recompile_limit == 8
    torch._dynamo.reset()
    fresh_counters()
    run_example(CompileVaryingScalar.valid, "@torch.compile\ndef scale")
    assert graphs_and_breaks()[0] == 2  # the second value recompiles once with the number dynamic


def test_hyb203_global_read_recompiles_every_iteration_a_closure_or_plain_lambda_does_not() -> None:
    fresh_counters()
    run_example(CompileInLoop.invalid, "model(b) * epoch)")
    assert graphs_and_breaks()[0] == 8  # every iteration recompiles, eager after the limit of 8
    torch._dynamo.reset()
    fresh_counters()
    run_example(CompileInLoop.invalid, "return t + i")
    assert graphs_and_breaks()[0] == 8
    torch._dynamo.reset()
    fresh_counters()
    run_example(CompileInLoop.valid, "0.9 ** epoch")["run"](torch.nn.Identity(), torch.ones(3), 12)
    assert graphs_and_breaks()[0] == 2  # a closure variable becomes dynamic after one recompilation
    torch._dynamo.reset()
    fresh_counters()
    run_example(CompileInLoop.valid, "model(b) * 2")
    assert graphs_and_breaks()[0] == 1


def test_hyb204_trace_freezes_the_branch_of_the_example_input() -> None:
    ns = run_example(TraceFreezesBranch.invalid, "def sign_scale")
    traced, original = ns["traced"], ns["sign_scale"]
    negative = -torch.ones(3)
    assert original(negative).tolist() == [1.0, 1.0, 1.0]
    assert traced(negative).tolist() == [-2.0, -2.0, -2.0]  # the x * 2 branch, frozen
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.jit.trace(original, torch.ones(3))
    assert any(w.category is torch.jit.TracerWarning for w in caught)
    good = run_example(TraceFreezesBranch.valid, "torch.where(x.sum() > 0")
    assert good["traced"](negative).tolist() == [1.0, 1.0, 1.0]


RAN: list[str] = []


def _mark(text: str) -> None:
    RAN.append(text)


class _Payload:
    """Unpickling this calls `_mark`: what a malicious checkpoint does with `os.system`."""

    def __reduce__(self) -> tuple:
        return (_mark, ("code ran",))


def test_hyb205_weights_only_false_runs_pickled_code_true_refuses(tmp_path) -> None:
    path = tmp_path / "evil.pt"
    torch.save(_Payload(), path)
    RAN.clear()
    torch.load(path, weights_only=False)
    assert RAN == ["code ran"]
    RAN.clear()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert RAN == []


def test_hyb205_default_refuses_pickled_code_since_the_version_the_rule_trusts(tmp_path) -> None:
    # HYB205 is quiet on projects that require PyTorch >= TORCH_LOAD_WEIGHTS_ONLY_SINCE: there a plain
    # torch.load(path) must already be the safe load.
    from hybridize_bot.analysis.tfversion import TORCH_LOAD_WEIGHTS_ONLY_SINCE

    installed = tuple(int(p) for p in torch.__version__.split("+")[0].split(".")[:2])
    assert installed >= TORCH_LOAD_WEIGHTS_ONLY_SINCE == (2, 6)
    path = tmp_path / "evil.pt"
    torch.save(_Payload(), path)
    RAN.clear()
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)
    assert RAN == []


def test_hyb205_whole_objects_it_is_quiet_on_cannot_be_loaded_with_weights_only(tmp_path) -> None:
    # P7/P10-torchprec: HYB205 is quiet on loads of whole pickled objects (a class that saves itself, a module
    # kept on an attribute and called), since its advice would break them. The rule's own examples, run.
    dataset_class = run_example(UnsafeTorchLoad.valid, "class TimeSeriesDataSet")["TimeSeriesDataSet"]
    srgan = run_example(UnsafeTorchLoad.valid, "class SRGAN")["SRGAN"]
    dataset, generator = tmp_path / "dataset.pt", tmp_path / "generator.pt"
    dataset_class().save(str(dataset))
    torch.save(srgan().generator, generator)
    for path in (dataset, generator):
        with pytest.raises(pickle.UnpicklingError):
            torch.load(path, weights_only=True)
    # What the examples' plain torch.load did before PyTorch 2.6 (the versions HYB205 is about):
    assert isinstance(torch.load(dataset, weights_only=False), dataset_class)
    assert torch.load(generator, weights_only=False)(torch.ones(1, 4)).shape == (1, 4)


def test_hyb206_variable_returns_a_plain_tensor() -> None:
    ns = run_example(DeprecatedVariable.invalid, "Variable(torch.ones(3), requires_grad=True)")
    assert type(ns["x"]) is torch.Tensor and ns["x"].requires_grad


def test_hyb207_module_without_base_init_fails_when_built_or_called() -> None:
    ns = run_example(ModuleInitWithoutSuper.invalid, "self.fc = nn.Linear(n, 1)")
    with pytest.raises(AttributeError, match="before Module.__init__"):
        ns["Head"](3)
    ok = run_example(ModuleInitWithoutSuper.valid, "super(Head, self).__init__()")
    assert isinstance(ok["Head"](3).fc, torch.nn.Linear)
    removed = run_example(ModuleInitWithoutSuper.valid, "class NormalParamWrapper")
    with pytest.raises(RuntimeError, match="was removed"):  # quiet: no instance is ever made
        removed["NormalParamWrapper"](torch.nn.Identity())
    plain = run_example(ModuleInitWithoutSuper.invalid, "class Block(torch.nn.Sequential)")
    with pytest.raises(AttributeError):
        plain["Block"]([])(torch.ones(1))
    # P2-torchp: a plain-Module subclass that stores no Module state works without Module.__init__ ...
    samplers = run_example(ModuleInitWithoutSuper.valid, "class StratifiedRaySampler")
    ts = samplers["StratifiedRaySampler"]().sample(torch.zeros(1), torch.ones(1), 3)
    assert ts.tolist() == [0.0, 0.5, 1.0]
    weights = torch.tensor([0.0, 1.0])
    assert samplers["ImportanceRaySampler"](torch.ones(2), weights).sample(1).tolist() == [1]
    # ... and the quiet depends on what is stored: a parameter, or an argument that is a Module, raises at once.
    scale = run_example(ModuleInitWithoutSuper.invalid, "class Scale(nn.Module)")
    with pytest.raises(AttributeError, match="before Module.__init__"):
        scale["Scale"](2)
    sampler = run_example(ModuleInitWithoutSuper.invalid, "class Sampler(nn.Module)")
    with pytest.raises(AttributeError, match="before Module.__init__"):
        sampler["Sampler"](torch.nn.Identity())


def test_hyb208_no_grad_keeps_training_mode_dropout_and_batch_norm_statistics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ns = run_example(ModelWithoutEval.invalid, "def predict(path, x):\n    model = Net()\n")
    torch.manual_seed(0)
    path = str(tmp_path / "net.pt")
    torch.save(ns["Net"]().state_dict(), path)
    x = torch.randn(16, 8)
    first, second = ns["predict"](path, x), ns["predict"](path, x)
    assert not torch.allclose(first, second)  # dropout is random: two calls, two answers
    model = ns["Net"]()
    model.load_state_dict(torch.load(path, weights_only=True))
    with torch.no_grad():
        assert model.training  # no_grad does not switch the mode
        model(x)
    assert not torch.equal(model.body[1].running_mean, torch.zeros(8))  # batch norm updated its statistics
    # The example's remedy: eval() first gives one deterministic answer, independent of the batch.
    fixed = run_example(ModelWithoutEval.valid, "model.eval()\n    with torch.no_grad():")["predict"]
    a, b = fixed(path, x), fixed(path, x)
    assert torch.equal(a, b) and torch.allclose(fixed(path, x[:1]), a[:1], atol=1e-6)



def test_hyb208_quiet_example_dropout_zero_computes_the_same_in_both_modes() -> None:
    # P3-jaxtrue: a model built with `dropout=0.` and no batch norm; the example's test passes in training mode.
    ns = run_example(ModelWithoutEval.valid, "ref = Encoder(16, dropout=0.)")
    ns["test_same_outputs"]()
    model = ns["Encoder"](16, dropout=0.)
    x = torch.randn(4, 16)
    assert model.training and torch.equal(model(x), model.eval()(x))


class _WhereLoaded(torch.utils.data.Dataset):  # type: ignore[misc]
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int) -> int:
        info = torch.utils.data.get_worker_info()
        return -1 if info is None else info.id


def test_hyb209_without_num_workers_batches_are_made_in_the_main_process() -> None:
    ex = DataLoaderWithoutWorkers.invalid[0].display()
    assert "DataLoader(dataset, batch_size=64, shuffle=True)" in ex and "num_workers" not in ex
    main = [int(v) for batch in torch.utils.data.DataLoader(_WhereLoaded(), batch_size=2) for v in batch]
    assert main == [-1, -1, -1, -1]  # get_worker_info() is None: the training process itself loads them
    workers = [int(v) for batch in torch.utils.data.DataLoader(_WhereLoaded(), batch_size=2, num_workers=2)
               for v in batch]
    assert sorted(set(workers)) == [0, 1]  # two worker processes prepared the batches
