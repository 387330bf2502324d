"""HYB208-HYB209: PyTorch inference and data-loading hygiene: a loaded model used without `.eval()`, and a
training script's DataLoader that loads every batch in the main process."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..facts.torch_modes import DROPOUT_KEYWORD_PARTS, NON_DROPOUT_MODE_WORDS
from ..model import Finding, Severity
from ..summary import ClassInfo
from ._torch_inference_examples import (
    DATA_LOADER_WITHOUT_WORKERS_INVALID, DATA_LOADER_WITHOUT_WORKERS_VALID, MODEL_WITHOUT_EVAL_INVALID,
    MODEL_WITHOUT_EVAL_VALID,
)
from .base import ModuleContext, Rule
from .torch_hygiene import _is_module_class

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
# Calls that return the model itself, so `Net().to(device)` is still the model.
_SAME_MODEL = frozenset({"to", "cuda", "cpu", "float", "half", "double", "bfloat16", "requires_grad_"})
_WHOLE_MODEL_LOADERS = frozenset({"torch.load", "torch.hub.load", "torch.jit.load"})
_NO_GRAD = frozenset({"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
                      "torch.autograd.grad_mode.no_grad"})
# Text that shows a layer whose output depends on train/eval mode (or a model zoo that builds them).
_MODE_DEPENDENT = ("Dropout", "dropout", "BatchNorm", "batch_norm", "InstanceNorm", "self.training",
                   "torchvision", "timm")
_DATALOADERS = frozenset({"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"})
_IN_MEMORY = frozenset({"torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset",
                        # a tensor is a map-style dataset too (DataLoader indexes its first dimension)
                        "torch.tensor", "torch.as_tensor", "torch.from_numpy"})
# Conversions of such a tensor that keep it in memory: `torch.tensor(x).float()` (dice-ml, P55-growb).
_TENSOR_CONVERSIONS = frozenset({"float", "double", "long", "int", "half", "to", "cuda", "cpu", "detach"})
# Datasets made of other datasets (`ConcatDataset(datasets)`): their items are their parts' items.
_COMBINED_DATASETS = frozenset({"torch.utils.data.ConcatDataset", "torch.utils.data.dataset.ConcatDataset"})
_NUM_WORKERS_POSITION = 5  # DataLoader(dataset, batch_size, shuffle, sampler, batch_sampler, num_workers, ...)


def _scopes(ctx: ModuleContext) -> Iterator[tuple[ast.AST | None, list[ast.stmt]]]:
    """(function or None for module level, its statements) for every scope of the module."""
    yield None, ctx.source.tree.body
    for info in ctx.summary.functions:
        if isinstance(info.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield info.node, info.node.body


def _walk(stmts: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of the statements, not entering nested functions or classes (their own scopes)."""
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


class ModelWithoutEval(Rule):
    code = "HYB208"
    name = "inference-without-eval"
    framework = "torch"
    # Issue 10 severity policy: warning only at >= 90% precision on real code; the PyTorch code bases of
    # docs/precision-jax-torch.md gave no finding to measure it on (libraries, not inference scripts).
    severity = Severity.INFO
    requires_text = ("load",)
    summary = "A model loaded for inference and called without .eval() keeps dropout on and batch norm in training mode."
    what = """
        In one function (or a script's top level), finds a model that is built (a project `nn.Module`
        subclass whose code has dropout or batch norm, a `torchvision`/`timm` model) and given weights
        (`model.load_state_dict(...)`), or loaded whole (`torch.load`, `torch.hub.load`), then called
        under `torch.no_grad()`/`torch.inference_mode()` (a `with` block or a decorator), with no
        `model.eval()` (or `model.train(False)`) in that function. Quiet when the model is handed to
        another function (which may switch the mode), is assigned more than once, is put in training
        mode on purpose (`model.train()`), or is a project class with no mode-dependent layer.
    """
    why = """
        A freshly built `nn.Module` is in training mode, and `load_state_dict` does not change the
        mode. In training mode `Dropout` zeroes random activations on every call and `BatchNorm` uses
        the batch's own statistics (and updates its running ones), so the predictions are random,
        depend on what else is in the batch, and drift the saved statistics. `torch.no_grad()` turns
        off gradients only, not these layers: checked on PyTorch CPU in
        `tests/runtime_torch/test_inference_claims.py`.
    """
    example = """
        import torch
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 2)
                self.drop = nn.Dropout(0.5)

            def forward(self, x):
                return self.fc(self.drop(x))

        def predict(path, x):
            model = Net()
            model.load_state_dict(torch.load(path, weights_only=True))
            with torch.no_grad():
                return model(x)
    """
    use_instead = """
        def predict(path, x):
            model = Net()
            model.load_state_dict(torch.load(path, weights_only=True))
            model.eval()
            with torch.no_grad():
                return model(x)
    """
    fix_doc = """
        No automatic fix: call `model.eval()` after loading the weights (it returns the model, so
        `model = Net().eval()` works too), and `model.train()` before training again.
    """
    references = ("https://docs.pytorch.org/docs/stable/generated/torch.nn.Module.html#torch.nn.Module.eval",
                  "https://docs.pytorch.org/tutorials/beginner/saving_loading_models.html")
    valid = MODEL_WITHOUT_EVAL_VALID
    invalid = MODEL_WITHOUT_EVAL_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for fn, stmts in _scopes(ctx):
            nodes = list(_walk(stmts))
            inference_fn = fn is not None and any(
                ctx.qualify(d.func if isinstance(d, ast.Call) else d) in _NO_GRAD
                for d in fn.decorator_list)  # type: ignore[attr-defined]
            for name, made, loaded in self._loaded_models(ctx, nodes):
                call = self._inference_call(ctx, nodes, name, inference_fn)
                if call is None or self._mode_handled(nodes, name, call):
                    continue
                how = "loaded whole" if loaded is made else f"given weights on line {loaded.lineno}"
                yield ctx.report(self, call, (
                    f"`{name}` is {how} and called under no_grad/inference_mode without `{name}.eval()`: "
                    "it is still in training mode, so dropout stays active and batch norm uses (and updates) "
                    "the batch's statistics; call `.eval()` first"))

    def _loaded_models(self, ctx: ModuleContext, nodes: list[ast.AST]) -> Iterator[tuple[str, ast.Call, ast.AST]]:
        """(name, constructing call, the call that gives it weights) of each model bound once here."""
        bound: dict[str, list[ast.expr]] = {}
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                bound.setdefault(node.targets[0].id, []).append(node.value)
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name):
                bound.setdefault(node.target.id, []).append(node.value or node.target)
        for name, values in bound.items():
            if len(values) != 1:
                continue
            made = _unchain(values[0])
            if made is None:
                continue
            q = ctx.qualify(made.func) or ""
            if q in _WHOLE_MODEL_LOADERS:
                yield name, made, made
                continue
            if not self._mode_dependent_model(ctx, q, made):
                continue
            loaded = next((n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                           and n.func.attr == "load_state_dict" and _is_name(n.func.value, name)), None)
            if loaded is not None:
                yield name, made, loaded

    @staticmethod
    def _mode_dependent_model(ctx: ModuleContext, q: str, made: ast.Call) -> bool:
        if q.startswith(("torchvision.models.", "timm.create_model")):
            return True
        cls = ctx.project.lookup_qualified(q) if q else None
        if not isinstance(cls, ClassInfo):
            return False
        owner = ctx.project.modules_by_class(cls)
        if owner is None or (owner is ctx.summary and not _is_module_class(ctx, cls)):
            return False
        text = owner.source.segment(cls.node)
        if not any(word in text for word in _MODE_DEPENDENT):
            return False
        # Built with its dropout off (`dropout=0.`) and nothing else mode-dependent in its code: both modes
        # compute the same (audiocraft's tests compare two such transformers under no_grad, P3-jaxtrue).
        return not (_dropout_turned_off(made) and not any(word in text for word in NON_DROPOUT_MODE_WORDS))

    @staticmethod
    def _inference_call(ctx: ModuleContext, nodes: list[ast.AST], name: str, inference_fn: bool) -> ast.Call | None:
        for node in nodes:
            if inference_fn and isinstance(node, ast.Call) and _is_name(node.func, name):
                return node
            if isinstance(node, (ast.With, ast.AsyncWith)) and any(
                    isinstance(item.context_expr, ast.Call) and ctx.qualify(item.context_expr.func) in _NO_GRAD
                    for item in node.items):
                for inner in _walk(node.body):
                    if isinstance(inner, ast.Call) and _is_name(inner.func, name):
                        return inner
        return None

    @staticmethod
    def _mode_handled(nodes: list[ast.AST], name: str, call: ast.Call) -> bool:
        """`.eval()`/`.train(...)` on the model, or the model handed on (the receiver may set the mode)."""
        for node in nodes:
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("eval", "train") and _mentions(func.value, name):
                return True
            if node is not call and any(_is_name(a, name) for a in [*node.args, *(k.value for k in node.keywords)]):
                return True
        return False


def _dropout_turned_off(made: ast.Call) -> bool:
    """Whether the constructing call passes dropout keywords (`dropout=0.`) and all of them are a literal 0."""
    rates = [k.value for k in made.keywords
             if k.arg is not None and any(part in k.arg.lower() for part in DROPOUT_KEYWORD_PARTS)]
    return bool(rates) and all(isinstance(r, ast.Constant) and type(r.value) in (int, float) and r.value == 0
                               for r in rates)


def _unchain(expr: ast.expr) -> ast.Call | None:
    """The constructing call under `.to(...)`/`.cuda()`... chains; None if the chain has other calls."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in _SAME_MODEL \
            and isinstance(expr.func.value, ast.Call):
        expr = expr.func.value
    return expr if isinstance(expr, ast.Call) else None


def _is_name(expr: ast.AST, name: str) -> bool:
    return isinstance(expr, ast.Name) and expr.id == name


def _mentions(expr: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(expr))


class DataLoaderWithoutWorkers(Rule):
    code = "HYB209"
    name = "dataloader-without-workers"
    framework = "torch"
    severity = Severity.INFO
    requires_text = ("DataLoader",)
    summary = "A training script's DataLoader without num_workers loads every batch in the main process."
    what = """
        Finds `torch.utils.data.DataLoader(...)` calls without `num_workers` (by keyword, sixth
        position or `**kwargs`) in a training script: a module, not a test, that also calls
        `.backward()` and `.step()` (an optimizer step). Quiet for datasets already in memory
        (`TensorDataset(...)`, a tensor, or a Dataset class whose `__getitem__` only indexes what it holds
        and converts the item to a tensor; directly, by the `dataset=` keyword, or through a name every
        binding of which is one), where worker processes only add start-up and copying cost; quiet too for
        text datasets built with a tokenizer (an argument named `tokenizer`), whose per-item tokenization
        costs little next to the language-model step, and for a `ConcatDataset` of such datasets; in a
        function that puts a model in eval mode and never trains (a `predict` beside the training code);
        and everywhere outside training code (libraries, tests, evaluation helpers), where the caller's
        hardware decides.
    """
    why = """
        `num_workers` defaults to 0: the training loop itself reads, decodes and augments every batch,
        and the model waits for it. With workers, batches are prepared in parallel processes while the
        model trains on the previous one. PyTorch's performance tuning guide lists "enable
        asynchronous data loading" (`num_workers > 0`) first. Info by default: on a tiny in-memory
        dataset 0 is right, and the best count depends on the machine.
    """
    example = """
        import torch
        from torch.utils.data import DataLoader

        def train(model, dataset, optimizer):
            for x, y in DataLoader(dataset, batch_size=64, shuffle=True):
                loss = torch.nn.functional.mse_loss(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    """
    use_instead = """
        for x, y in DataLoader(dataset, batch_size=64, shuffle=True, num_workers=4, persistent_workers=True):
            ...
    """
    fix_doc = """
        No automatic fix: pick a worker count for the machine (a few per GPU, at most the CPU count),
        and consider `persistent_workers=True` and `pin_memory=True` for GPU training. A dataset that
        opens files or connections must open them per worker (in `__getitem__` or a `worker_init_fn`).
    """
    references = ("https://docs.pytorch.org/docs/stable/data.html#single-and-multi-process-data-loading",
                  "https://docs.pytorch.org/tutorials/recipes/recipes/tuning_guide.html")
    valid = DATA_LOADER_WITHOUT_WORKERS_VALID
    invalid = DATA_LOADER_WITHOUT_WORKERS_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if _is_test_path(ctx.path) or not _trains(ctx):
            return
        for fn, stmts in _scopes(ctx):
            nodes = list(_walk(stmts))
            if _evaluates(nodes):
                continue
            for node in nodes:
                if not (isinstance(node, ast.Call) and ctx.qualify(node.func) in _DATALOADERS):
                    continue
                if len(node.args) > _NUM_WORKERS_POSITION or any(k.arg in ("num_workers", None) for k in node.keywords):
                    continue
                dataset = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "dataset"), None)
                if dataset is not None and _in_memory(ctx, nodes, dataset, node):
                    continue
                yield ctx.report(self, node, (
                    "this DataLoader has no `num_workers` (default 0): the training loop loads and transforms "
                    "every batch itself while the model waits; pass num_workers (e.g. 4, at most the CPU count)"))


def _evaluates(nodes: list[ast.AST]) -> bool:
    """The scope puts a model in eval mode (`.eval()`) and never trains (no `.train()`, `.backward()` or
    `.step()`): a prediction or evaluation function of a module that also trains, whose loader feeds no
    training loop (pytorch-tabnet's `predict`/`explain`, P5-torchp)."""
    calls = [n for n in nodes if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    evaluates = any(n.func.attr == "eval" and not n.args and not n.keywords for n in calls)  # type: ignore[union-attr]
    return evaluates and not any(n.func.attr in ("train", "backward", "step") for n in calls)  # type: ignore[union-attr]


def _is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return name.startswith("test_") or name.endswith("_test.py") or "tests" in parts[:-1] or "test" in parts[:-1]


def _trains(ctx: ModuleContext) -> bool:
    """The module calls `.backward()` and `.step()` (an optimizer step): training code."""
    attrs = {n.func.attr for n in ast.walk(ctx.source.tree)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    return {"backward", "step"} <= attrs


def _in_memory(ctx: ModuleContext, nodes: list[ast.AST], dataset: ast.expr, loader: ast.Call) -> bool:
    """The dataset holds its samples in memory: a `TensorDataset` or a tensor, or a Dataset class whose
    `__getitem__` only indexes what it was given; directly, or through a name every binding of which is one
    (one per branch: `if mask is None: dataset = TensorDataset(x, y) else: dataset = TensorDataset(x, y,
    mask)`). The loader's own statement does not count as a binding: `data = DataLoader(data, ...)` rebinds
    the name to the loader after reading it."""
    if isinstance(dataset, ast.Call):
        while (isinstance(dataset.func, ast.Attribute) and dataset.func.attr in _TENSOR_CONVERSIONS
               and isinstance(dataset.func.value, ast.Call)):
            dataset = dataset.func.value
        if ctx.qualify(dataset.func) in _COMBINED_DATASETS:
            parts = dataset.args[0] if dataset.args else next((k.value for k in dataset.keywords if k.arg == "datasets"), None)
            return parts is not None and _all_parts(ctx, nodes, parts, loader)
        return ctx.qualify(dataset.func) in _IN_MEMORY or _indexing_dataset(ctx, dataset.func) or _tokenized(dataset)
    if isinstance(dataset, ast.Name):
        values = [n.value for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None
                  and n.value is not loader
                  and any(_is_name(t, dataset.id) for t in (n.targets if isinstance(n, ast.Assign) else [n.target]))]
        return bool(values) and all(isinstance(v, ast.Call) and _in_memory(ctx, nodes, v, loader) for v in values)
    return False


def _all_parts(ctx: ModuleContext, nodes: list[ast.AST], parts: ast.expr, loader: ast.Call) -> bool:
    """Every dataset of a list (`[a, b]`, `[make(c) for c in cfgs]`, or a name bound to one) is in memory."""
    if isinstance(parts, ast.Name):
        values = [n.value for n in nodes if isinstance(n, ast.Assign) and any(_is_name(t, parts.id) for t in n.targets)]
        return len(values) == 1 and not isinstance(values[0], ast.Name) and _all_parts(ctx, nodes, values[0], loader)
    if isinstance(parts, (ast.List, ast.Tuple)):
        return bool(parts.elts) and all(_in_memory(ctx, nodes, e, loader) for e in parts.elts)
    if isinstance(parts, ast.ListComp):
        return _in_memory(ctx, nodes, parts.elt, loader)
    return False


def _tokenized(call: ast.Call) -> bool:
    """A dataset built with a tokenizer (`instantiate(cfg, tokenizer=self._tokenizer)`): a text dataset whose
    per-item work is tokenizing a string, which costs little next to the language-model step it feeds;
    worker processes would mostly add start-up and copies (torchtune's fine-tuning recipes, P3-torchp)."""
    values = list(call.args) + [k.value for k in call.keywords]
    return any(k.arg is not None and "tokenizer" in k.arg.lower() for k in call.keywords) or any(
        "tokenizer" in (v.id if isinstance(v, ast.Name) else v.attr if isinstance(v, ast.Attribute) else "").lower()
        for v in values)


# Calls a `__getitem__` may make and still only index in-memory data: conversions of the indexed item to a
# tensor (no file, network or augmentation work a worker process could overlap with training).
_INDEXING_CALLS = frozenset({
    "torch.from_numpy", "torch.as_tensor", "torch.tensor", "numpy.asarray", "numpy.array",
    "builtins.tuple", "builtins.list", "builtins.dict", "builtins.len", "builtins.int", "builtins.float",
    "torch.is_tensor",  # the tutorial's `if torch.is_tensor(idx): idx = idx.tolist()` (P54-growb)
})
# Methods of the same kind: `idx.tolist()` turns a tensor index into a list of ints.
_INDEXING_METHODS = frozenset({"tolist"})


def _dataset_class(ctx: ModuleContext, func: ast.expr) -> ast.ClassDef | None:
    """The class a dataset constructor names: one defined in this module (also inside a function), else a
    project class found by qualified name."""
    if isinstance(func, ast.Name):
        local = [n for n in ast.walk(ctx.source.tree) if isinstance(n, ast.ClassDef) and n.name == func.id]
        if local:
            return local[0] if len(local) == 1 else None
    q = ctx.qualify(func)
    cls = ctx.project.lookup_qualified(q) if q else None
    node = getattr(cls, "node", None) if isinstance(cls, ClassInfo) else None
    return node if isinstance(node, ast.ClassDef) else None


def _indexing_dataset(ctx: ModuleContext, func: ast.expr) -> bool:
    """A Dataset class whose `__getitem__` only subscripts what it holds (and converts the item to a tensor):
    `return self.x[idx], self.y[idx]`. Its samples are already in memory; workers would only add process
    start-up and inter-process copies (ART's and alibi-detect's wrappers, P45-fixc)."""
    cls = _dataset_class(ctx, func)
    if cls is None:
        return False
    getitem = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__getitem__"), None)
    if getitem is None:
        return False
    subscripts = False
    for node in ast.walk(getitem):
        if isinstance(node, ast.Subscript):
            subscripts = True
        if isinstance(node, ast.Call):
            q = ctx.qualify(node.func)
            if q is None and isinstance(node.func, ast.Name) and node.func.id in ("tuple", "list", "dict", "len"):
                q = f"builtins.{node.func.id}"
            method = node.func.attr if isinstance(node.func, ast.Attribute) else None
            if q not in _INDEXING_CALLS and method not in _INDEXING_METHODS:
                return False
        if isinstance(node, (ast.With, ast.AsyncWith, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
    return subscripts
