"""HYB205-HYB207: PyTorch hygiene: unsafe checkpoint loading, the deprecated Variable, a Module not initialised."""
from __future__ import annotations

import ast
import re
from typing import Iterable

from ..model import Finding, Fix, FixSafety, Severity
from ..facts.paths import is_test_path
from ..summary import ClassInfo, FunctionInfo
from ..tfversion import TORCH_LOAD_WEIGHTS_ONLY_SINCE, supports  # evidence for the version: analysis/tfversion.py
from ._compiled import mentions
from ._dead_code import unreferenced_private_function
from ._module_index import module_calls
from ._torch_hygiene_examples import (
    DEPRECATED_VARIABLE_INVALID, DEPRECATED_VARIABLE_VALID, MODULE_INIT_WITHOUT_SUPER_INVALID,
    MODULE_INIT_WITHOUT_SUPER_VALID, UNSAFE_TORCH_LOAD_INVALID, UNSAFE_TORCH_LOAD_VALID,
)
from .base import ModuleContext, Rule

_TORCH_LOAD = frozenset({"torch.load"})
_VARIABLE = frozenset({"torch.autograd.Variable", "torch.autograd.variable.Variable"})
# torch.nn classes user code subclasses (all of them nn.Module subclasses).
_MODULE_BASES = frozenset({
    "torch.nn.Module", "torch.nn.modules.module.Module", "torch.nn.Sequential", "torch.nn.ModuleList",
    "torch.nn.ModuleDict", "torch.nn.Linear", "torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d",
    "torch.nn.Embedding", "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN", "torch.nn.LayerNorm",
    "torch.nn.BatchNorm1d", "torch.nn.BatchNorm2d", "torch.nn.MultiheadAttention", "torch.nn.Transformer",
    "torch.nn.TransformerEncoderLayer", "torch.nn.TransformerDecoderLayer", "lightning.LightningModule",
    "pytorch_lightning.LightningModule", "lightning.pytorch.LightningModule",
})


# `weights_only` chosen explicitly (or passed on in **kwargs); `pickle_module`: a custom unpickler (dill
# for whole models) is a deliberate full unpickle, and torch refuses it together with weights_only=True.
_DELIBERATE_KEYWORDS = frozenset({"weights_only", "pickle_module", None})
_EXTENSION = re.compile(r"\.\w+")  # ".model", ".pth": a file type, not a file name
# Calls that ask whether a file is there: a load guarded by one reads a cache the function fills otherwise.
_EXISTENCE_CHECKS = frozenset({"exists", "isfile", "is_file", "getsize"})
# nn.Module methods that only a whole pickled module has (a state dict is a plain dict of tensors).
# `state_dict()` too: a state dict is the result of that call, it has no such method itself.
_MODULE_METHODS = frozenset({"eval", "train", "parameters", "named_parameters", "modules", "children",
                             "forward", "cuda", "requires_grad_", "zero_grad", "state_dict", "named_modules",
                             "named_children", "buffers", "named_buffers"})


class UnsafeTorchLoad(Rule):
    code = "HYB205"
    name = "torch-load-without-weights-only"
    framework = "torch"
    severity = Severity.INFO
    requires_text = ("load(",)
    summary = "torch.load without weights_only=True unpickles arbitrary code on PyTorch before 2.6."
    what = """
        Finds `torch.load(...)` calls that do not pass `weights_only`. An explicit
        `weights_only=False` is a deliberate choice and is not reported, nor is a call with a custom
        `pickle_module` (a whole-object unpickle that `weights_only=True` cannot do), nor is a call in a function
        that handles `weights_only` itself (a fallback for old PyTorch) or that loads an `io.BytesIO`
        buffer it made, nor a whole pickled object (used as a module: `.eval()`, `.state_dict()`, called,
        kept on an attribute or a local and so used in any method of the class; or loaded by a class that
        saves itself whole with `torch.save(self, ...)`), nor an object's own file that its class writes
        with `torch.save` from the constructor (or a method it calls) or loads only when it exists (state
        it saved earlier, read back), nor a path the same function writes
        with `torch.save` as a cache (loaded only when the file exists) or writes back (an in-place
        upgrade of the loaded value). Also quiet on the package's own files: a path built from `__file__`
        (or `inspect.getfile`), directly or through a name assigned so in the function or module, and a
        file name the same module writes with `torch.save` (a checkpoint round trip such as
        `dumps`/`loads`), spelled as a literal or as a module or class string constant; a bare extension
        (`path + ".model"`) names no file.
        Quiet in tests, which load what they or their fixtures wrote.
        Nothing is reported in a project that requires PyTorch >= 2.6 (`min-torch-version`, else its
        declared dependencies: pyproject, setup.cfg/setup.py, requirements, a built package's
        `Requires-Dist`), where `weights_only=True` is already the default.
    """
    why = """
        `torch.load` uses pickle. With `weights_only=False`, which was the default before PyTorch 2.6,
        loading a file runs whatever code the file's pickle names: an untrusted checkpoint is remote
        code execution. PyTorch 2.6 made `weights_only=True` the default, so code that supports older
        versions should say so explicitly. Info by default: on PyTorch >= 2.6 the call is already safe.
    """
    example = """
        import torch

        state = torch.load("model.pt")
    """
    use_instead = """
        import torch

        state = torch.load("model.pt", weights_only=True)
    """
    fix_doc = """
        No automatic fix: `weights_only=True` refuses pickles of arbitrary classes, so checkpoints that
        store whole models or custom objects need `torch.serialization.add_safe_globals` first.
    """
    references = ("https://docs.pytorch.org/docs/stable/generated/torch.load.html",
                  "https://docs.pytorch.org/docs/stable/notes/serialization.html#weights-only")
    valid = UNSAFE_TORCH_LOAD_VALID
    invalid = UNSAFE_TORCH_LOAD_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if supports(ctx.config.min_torch_version, TORCH_LOAD_WEIGHTS_ONLY_SINCE) or not mentions(ctx, _TORCH_LOAD):
            return  # every PyTorch the project supports already loads with weights_only=True by default
        if is_test_path(ctx.path):
            return  # tests load the files they or their fixtures wrote, not a user's download (P6-torchp)
        for node in module_calls(ctx):
            if ctx.qualify(node.func) in _TORCH_LOAD and \
                    not any(k.arg in _DELIBERATE_KEYWORDS for k in node.keywords) and \
                    not self._deliberate(ctx, node):
                yield ctx.report(self, node, "`torch.load` without `weights_only=True` runs arbitrary pickled code "
                                 "from the file on PyTorch < 2.6; pass weights_only=True for files you did not write "
                                 "(allow the classes your checkpoints hold with torch.serialization.add_safe_globals)")

    @staticmethod
    def _deliberate(ctx: ModuleContext, call: ast.Call) -> bool:
        """The enclosing function handles `weights_only` itself (a fallback path for old PyTorch), or
        loads an in-memory buffer it made (`torch.load(io.BytesIO(...))`): not an untrusted file."""
        fn = None
        for info in ctx.summary.functions:
            node = info.node
            if node.lineno <= call.lineno <= (node.end_lineno or node.lineno) and \
                    (fn is None or node.lineno >= fn.node.lineno):
                fn = info
        if UnsafeTorchLoad._own_file(ctx, call, fn):
            return True
        if fn is None:
            return False
        if unreferenced_private_function(ctx, fn):
            return True
        if "weights_only" in ctx.source.segment(fn.node):
            return True
        arg = call.args[0] if call.args else None
        if isinstance(arg, ast.Call) and ctx.qualify(arg.func) == "io.BytesIO":
            return True
        if isinstance(arg, ast.Name):
            for node in ctx.body(fn).of_type(ast.Assign):
                if any(isinstance(t, ast.Name) and t.id == arg.id for t in node.targets) and \
                        isinstance(node.value, ast.Call) and ctx.qualify(node.value.func) == "io.BytesIO":
                    return True
        return _loads_whole_object(ctx, fn, call) or _reads_own_save(ctx, fn, call) or _saves_itself(ctx, fn.cls)

    @staticmethod
    def _own_file(ctx: ModuleContext, call: ast.Call, fn: object) -> bool:
        """The loaded path is the package's own (built from `__file__`), or a file name this module saves."""
        arg = call.args[0] if call.args else None
        if arg is None:
            return False
        # Assignments of the names it passes at module level, or anywhere in the enclosing function, and of
        # the names those use in turn (`path = join(folder, fname)` in `for fname in (A, B)`, P9-torchprec).
        candidates = list(ctx.source.tree.body) + (list(ast.walk(fn.node)) if fn is not None else [])  # type: ignore[attr-defined]
        exprs = [arg]
        seen: set[str] = set()
        while True:
            names = {n.id for e in exprs for n in ast.walk(e) if isinstance(n, ast.Name)} - seen
            if not names:
                break
            seen |= names
            exprs += [a.value for a in candidates if isinstance(a, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id in names for t in a.targets)]
            exprs += [a.iter for a in candidates if isinstance(a, (ast.For, ast.comprehension))
                      and isinstance(a.target, ast.Name) and a.target.id in names]
        if any(_from_package_file(e) for e in exprs):
            return True
        constants = _string_constants(ctx)
        saved = {s for node in module_calls(ctx) if ctx.qualify(node.func) == "torch.save"
                 for a in node.args[1:] for s in _file_names(a, constants)}
        # The loaded name as spelled in the call or in the assignment of the name it passes
        # (`filename = Path(path) / "reward_model.pt"`, P4-torchp), or a constant's value
        # (`self.TRAIN_FILE_NAME`, P9-torchprec).
        return bool(saved & {name for e in exprs for name in _file_names(e, constants)})


def _file_of(ctx: ModuleContext, fn: FunctionInfo, expr: ast.expr) -> str:
    """The file an argument names: `f` of `with open(self.filename, "rb") as f` is `self.filename`."""
    if isinstance(expr, ast.Name):
        for node in ctx.body(fn).of_type(ast.With):
            for item in node.items:
                if isinstance(item.optional_vars, ast.Name) and item.optional_vars.id == expr.id and \
                        isinstance(item.context_expr, ast.Call) and item.context_expr.args and \
                        ctx.qualify(item.context_expr.func) in ("builtins.open", "io.open"):
                    return ast.unparse(item.context_expr.args[0])
    return ast.unparse(expr)


def _reads_own_save(ctx: ModuleContext, fn: FunctionInfo, call: ast.Call) -> bool:
    """The load reads back a file this code writes itself with `torch.save`, the path spelled the same way:
    - the same function saves it and either loads it only when it exists (a cache it fills when the file
      is missing: PEFT's LoRA-GA cache) or saves the loaded value back (a checkpoint it upgrades in place:
      Lightning's upgrade_checkpoint), P8-torchprec. A function that saves a model to the path it loads
      from in *another* branch (`if pre_trained: load ... else: train; save`) stays reported: the file it
      loads may be one it never wrote, such as the pre-trained models a repository ships (dice_ml,
      P1-tfrows);
    - an attribute's file that a method of the same class writes, when the constructor writes it
      (`__init__` itself or a method it calls: every later read is of what this object wrote, hanlp's
      CachedDataLoader, issue 10 P52-growb) or the load checks that it exists (the object's own state,
      read back when there: Lightning Bolts' SwAV queue). A file that some other method writes (`train()`
      saving what `predict()` loads unchecked) may be there before the object ever wrote it, and stays
      reported (dice_ml, P1-tfrows).
    A `load(path)` beside a `save(path)` method stays reported: that is an API for files anyone may hand
    over (pytorch-tabnet's load_model)."""
    if not call.args:
        return False
    loaded = _file_of(ctx, fn, call.args[0])
    cache = _checks_exists(ctx, fn, loaded)  # loaded when there, written by this code otherwise
    if _saves_to(ctx, fn, loaded) and (cache or _saves_back(ctx, fn, call, loaded)):
        return True
    if fn.cls is None or not loaded.startswith(f"{fn.params[0] if fn.params else 'self'}."):
        return False
    init = fn.cls.methods.get("__init__")
    writers = fn.cls.methods.values() if cache else _run_by_init(ctx, init) if init is not None else ()
    return any(_saves_to(ctx, method, loaded) for method in writers)


def _checks_exists(ctx: ModuleContext, fn: FunctionInfo, path: str) -> bool:
    """`fn` asks whether the file at `path` exists (`os.path.exists(path)`, `path.is_file()`, a size)."""
    return any(isinstance(c.func, ast.Attribute) and c.func.attr in _EXISTENCE_CHECKS
               and any(ast.unparse(e) == path for e in (*c.args, c.func.value))
               for c in ctx.body(fn).calls)


def _saves_back(ctx: ModuleContext, fn: FunctionInfo, call: ast.Call, path: str) -> bool:
    """`fn` binds the load's result to a name and saves that name to `path` (`ckpt = torch.load(f)`, ...,
    `torch.save(ckpt, f)`)."""
    names = {t.id for node in ctx.body(fn).of_type(ast.Assign) if node.value is call
             for t in node.targets if isinstance(t, ast.Name)}
    return any(ctx.qualify(save.func) == "torch.save" and len(save.args) > 1 and isinstance(save.args[0], ast.Name)
               and save.args[0].id in names and _file_of(ctx, fn, save.args[1]) == path
               for save in ctx.body(fn).calls)


def _run_by_init(ctx: ModuleContext, init: FunctionInfo) -> list[FunctionInfo]:
    """`__init__` and the methods of its class it calls on its first parameter (`self._build_cache(...)`)."""
    cls, me = init.cls, (init.params[0] if init.params else "self")
    called = {c.func.attr for c in ctx.body(init).calls if isinstance(c.func, ast.Attribute)
              and isinstance(c.func.value, ast.Name) and c.func.value.id == me}
    return [init, *(m for name, m in cls.methods.items() if name in called)] if cls is not None else [init]


def _saves_to(ctx: ModuleContext, fn: FunctionInfo, path: str) -> bool:
    """`fn` calls `torch.save(obj, <path>)`, the path spelled as given (`_file_of`)."""
    return any(ctx.qualify(save.func) == "torch.save" and len(save.args) > 1 and _file_of(ctx, fn, save.args[1]) == path
               for save in ctx.body(fn).calls)


def _saves_itself(ctx: ModuleContext, cls: ClassInfo | None) -> bool:
    """A method of `cls` pickles the whole object (`torch.save(self, path)`): the files its methods load back
    are whole objects, which `weights_only=True` refuses (pytorch-forecasting's TimeSeriesDataSet.load,
    P7-torchprec)."""
    return cls is not None and any(
        ctx.qualify(save.func) == "torch.save" and save.args and isinstance(save.args[0], ast.Name)
        and method.params[:1] == [save.args[0].id]
        for method in cls.methods.values() for save in ctx.body(method).calls)


def _loads_whole_object(ctx: ModuleContext, fn: FunctionInfo, call: ast.Call) -> bool:
    """The loaded value is a whole pickled object, which `weights_only=True` refuses to load: it is used as
    an `nn.Module` (`model = torch.load(path); model.eval()`), or (a part of) it becomes an object's
    `__dict__` (`self.learner.__dict__ = data["model"]`). A state dict is only read or handed to
    `load_state_dict`, so those loads stay reported (issue 10 P38-corpusc, alibi and deepchem)."""
    body = ctx.body(fn)
    # `model = torch.load(p)`, or `self.torch_model = torch.load(p)` (hls4ml's PyTorchFileReader, P63-fixc)
    names = {ast.unparse(t) for node in body.of_type(ast.Assign) if node.value is call for t in node.targets
             if isinstance(t, ast.Name) or (isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name))}
    names |= {node.target.id for node in body.of_type(ast.AnnAssign)
              if node.value is call and isinstance(node.target, ast.Name)}  # `data: Any = torch.load(...)`
    # `self.torch_model = torch.load(path)`, then `self.torch_model.state_dict()` (issue 10, hls4ml)
    attributes = {ast.unparse(t) for node in body.of_type(ast.Assign) if node.value is call for t in node.targets
                  if isinstance(t, ast.Attribute)}
    if not names and not attributes:
        return False

    def loaded(expr: ast.expr) -> bool:
        while isinstance(expr, ast.Subscript):
            expr = expr.value  # data["model_state_dict"]: a part of the loaded object
        if isinstance(expr, ast.Attribute):
            return ast.unparse(expr) in attributes
        return isinstance(expr, ast.Name) and expr.id in names

    # Where the loaded object is used: this function, and for an attribute every method of the class
    # (`self.generator = torch.load(p)` in __init__, `self.generator(x)` in forward: P10-torchprec).
    calls = list(body.of_type(ast.Call))
    if attributes and fn.cls is not None:
        calls += [node for method in fn.cls.methods.values() if method is not fn
                  for node in ctx.body(method).of_type(ast.Call)]
    for node in calls:
        if isinstance(node.func, ast.Attribute) and node.func.attr in _MODULE_METHODS and loaded(node.func.value):
            return True
        if not isinstance(node.func, ast.Subscript) and loaded(node.func):
            return True  # called: a state dict is a dict, never callable
    for node in body.of_type(ast.Assign):
        if loaded(node.value) and any(isinstance(t, ast.Attribute) and t.attr == "__dict__" for t in node.targets):
            return True
    return False


def _from_package_file(expr: ast.expr) -> bool:
    """`expr` mentions `__file__` or calls `inspect.getfile`: a path inside the package itself."""
    return any((isinstance(n, ast.Name) and n.id == "__file__")
               or (isinstance(n, ast.Attribute) and n.attr == "getfile") for n in ast.walk(expr))


def _string_constants(ctx: ModuleContext) -> dict[str, str]:
    """String constants of the module, by the name that reads them: `META_FILE = "meta.bin"` at module level
    (read as `META_FILE`) and `TRAIN_FILE_NAME = "training.pt"` in a class body (read as `self.TRAIN_FILE_NAME`
    or `Cls.TRAIN_FILE_NAME`, keyed `.TRAIN_FILE_NAME`). A name bound to two values is left out."""
    found: dict[str, set[str]] = {}
    scopes = [("", ctx.source.tree.body)] + [(".", c.body) for c in ctx.source.tree.body if isinstance(c, ast.ClassDef)]
    for prefix, body in scopes:
        for node in body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(prefix + target.id, set()).add(node.value.value)
    return {name: next(iter(values)) for name, values in found.items() if len(values) == 1}


def _file_names(expr: ast.expr, constants: dict[str, str] | None = None) -> list[str]:
    """File names spelled in a path expression: string constants with an extension (`"x.pt"`, the constant
    tail of `f"{i}_x.pt"`, a module's or class's constant named there: `_string_constants`), at least a few
    characters long so that `"/"` or `".pt"` alone do not match, and not a bare extension: `path + ".model"`
    names no file, only its type (ART saves and loads `<any name>.model`, P2-tfrows)."""
    out = []
    constants = constants or {}
    for n in ast.walk(expr):
        if isinstance(n, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in n.values)
            out.append(text)
        elif isinstance(n, ast.Constant) and isinstance(n.value, str):
            out.append(n.value)
        elif isinstance(n, ast.Name) and n.id in constants:
            out.append(constants[n.id])
        elif isinstance(n, ast.Attribute) and "." + n.attr in constants:
            out.append(constants["." + n.attr])
    return [t for t in out if "." in t and len(t.strip("{}_./")) >= 4 and not _EXTENSION.fullmatch(t.replace("{}", ""))]


class DeprecatedVariable(Rule):
    code = "HYB206"
    name = "deprecated-variable"
    framework = "torch"
    severity = Severity.WARNING
    fix_safety = FixSafety.SUGGESTION
    requires_text = ("Variable(",)
    summary = "torch.autograd.Variable is deprecated since PyTorch 0.4: it returns a plain Tensor."
    what = "Finds calls of `torch.autograd.Variable(...)`."
    why = """
        Since PyTorch 0.4 tensors carry autograd state themselves; `Variable(t)` only returns a new
        `Tensor` (`type(Variable(t)) is torch.Tensor`) and `Variable(t, requires_grad=True)` is
        `t.requires_grad_()` on a detached alias. The wrapper survives only in old code and misleads
        readers into thinking there are two kinds of tensor.
    """
    example = """
        import torch
        from torch.autograd import Variable

        x = Variable(torch.ones(3), requires_grad=True)
    """
    use_instead = """
        import torch

        x = torch.ones(3, requires_grad=True)
    """
    fix_doc = """
        Suggestion: use the tensor itself, with `.requires_grad_()` (or `requires_grad=True` at creation)
        when gradients are wanted. Not applied automatically: `Variable(t)` is a new tensor object
        sharing `t`'s storage, so code comparing identities or setting attributes could differ.
    """
    references = ("https://docs.pytorch.org/docs/stable/autograd.html#variable-deprecated",)
    valid = DEPRECATED_VARIABLE_VALID
    invalid = DEPRECATED_VARIABLE_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if not mentions(ctx, _VARIABLE):
            return
        for node in module_calls(ctx):
            if ctx.qualify(node.func) in _VARIABLE:
                yield ctx.report(self, node, "`Variable(...)` is deprecated: tensors carry autograd state since "
                                 "PyTorch 0.4; use the tensor (with .requires_grad_() if needed)",
                                 fix=Fix("use the tensor itself (requires_grad_() for gradients)", FixSafety.SUGGESTION))


def _is_module_class(ctx: ModuleContext, cls: ClassInfo, seen: frozenset[str] = frozenset()) -> bool:
    for qualified, written in zip(cls.bases, cls.base_names):
        if qualified in _MODULE_BASES:
            return True
        base = ctx.summary.classes.get(written)
        if base is not None and base.qualname not in seen and _is_module_class(ctx, base, seen | {cls.qualname}):
            return True
    return False


def _calls_base_init(init: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`super().__init__(...)`, `super(C, self).__init__(...)` or `Base.__init__(self, ...)` anywhere."""
    for node in ast.walk(init):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__":
            return True
    return False


# What only an initialised Module can do: `self.<name>(...)` with one of these names needs Module's registries.
_MODULE_API = frozenset({
    "register_buffer", "register_parameter", "add_module", "register_module", "get_submodule", "parameters",
    "named_parameters", "buffers", "named_buffers", "children", "named_children", "modules", "named_modules",
    "to", "cuda", "cpu", "half", "float", "double", "type", "eval", "train", "state_dict", "load_state_dict",
    "apply", "zero_grad", "requires_grad_", "register_forward_hook", "register_forward_pre_hook",
    "register_full_backward_hook", "register_backward_hook",
})
_PLAIN_MODULE = frozenset({"torch.nn.Module", "torch.nn.modules.module.Module"})


def _no_module_state(ctx: ModuleContext, cls: ClassInfo) -> bool:
    """The class only borrows the name `nn.Module`: it subclasses it directly, has no `forward` (it is never
    called as a module) and no subclass here, never uses Module's API on itself, and its `__init__` stores
    no submodule or parameter (no `torch.nn` object, no module class of this file, no argument that might
    be one). Such an object works without `Module.__init__` (diffusers' shap-e ray samplers, P2-torchp)."""
    if not cls.bases or not all(b in _PLAIN_MODULE for b in cls.bases):
        return False
    if {"forward", "__call__"} & set(cls.methods) or \
            any(cls.name in other.base_names for other in ctx.summary.classes.values()):
        return False
    for method in cls.methods.values():
        for node in ast.walk(method.node):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "self":
                return False
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in _MODULE_API and isinstance(node.func.value, ast.Name) and node.func.value.id == "self":
                return False
    init = cls.methods["__init__"].node
    annotations = {a.arg: a.annotation for a in init.args.args + init.args.kwonlyargs}  # type: ignore[union-attr]
    for node in ast.walk(init):
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        if not any(isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"
                   for t in (node.targets if isinstance(node, ast.Assign) else [node.target])):
            continue
        for part in ast.walk(node.value):
            if isinstance(part, ast.Call) and _names_module_state(ctx, part.func):
                return False
            if isinstance(part, ast.Name) and part.id in annotations:
                annotation = annotations[part.id]
                if annotation is None or _names_module_state(ctx, annotation):
                    return False  # an argument that may be a Module: assigning it would raise
    return True


def _names_module_state(ctx: ModuleContext, expr: ast.expr) -> bool:
    """`expr` names a `torch.nn` class (a layer, `Parameter`) or a module class of this file."""
    for node in ast.walk(expr):
        if isinstance(node, (ast.Name, ast.Attribute)):
            q = ctx.qualify(node) or ""
            if q.startswith("torch.nn.") and not q.startswith("torch.nn.functional."):
                return True
            local = ctx.summary.classes.get(node.id) if isinstance(node, ast.Name) else None
            if local is not None and _is_module_class(ctx, local):
                return True
    return False


def _raises_first(fn: ast.AST) -> bool:
    """The function's first statement after its docstring is `raise`: it never returns an instance."""
    body = list(getattr(fn, "body", []))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return bool(body) and isinstance(body[0], ast.Raise)


class ModuleInitWithoutSuper(Rule):
    code = "HYB207"
    name = "module-init-without-super"
    framework = "torch"
    # Info (issue 10 policy: warning only at >= 90% measured precision): on real code (docs/precision.md,
    # the JAX/PyTorch section) the classes found worked because they never used a Module feature (2
    # debatable of 2 still reported); the failure is certain only once one is used.
    severity = Severity.INFO
    requires_text = ("__init__",)
    summary = "An nn.Module subclass whose __init__ never calls super().__init__() fails when used."
    what = """
        Finds `__init__` methods of `torch.nn.Module` subclasses (direct, or through a class of the same
        module) that never call a base class `__init__` (`super().__init__()`, `super(C, self).__init__()`
        or `Base.__init__(self)`). Quiet on an `__init__` that starts by raising (a removed or abstract
        class kept for its error message): no instance is ever made; and on a direct `nn.Module`
        subclass that never uses Module state: no `forward`, no subclass in the file, no Module API
        called on `self`, and no submodule, parameter or possibly-Module argument stored.
    """
    why = """
        `nn.Module.__init__` creates the registries that parameters, buffers, submodules and hooks live
        in. Without it, assigning a submodule raises `AttributeError: cannot assign module before
        Module.__init__() call`, and calling the module raises `AttributeError: ... no attribute
        '_backward_hooks'`.
    """
    example = """
        from torch import nn

        class Head(nn.Module):
            def __init__(self, n):
                self.fc = nn.Linear(n, 1)
    """
    use_instead = """
        from torch import nn

        class Head(nn.Module):
            def __init__(self, n):
                super().__init__()
                self.fc = nn.Linear(n, 1)
    """
    references = ("https://docs.pytorch.org/docs/stable/generated/torch.nn.Module.html",)
    valid = MODULE_INIT_WITHOUT_SUPER_VALID
    invalid = MODULE_INIT_WITHOUT_SUPER_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for cls in ctx.summary.classes.values():
            init = cls.methods.get("__init__")
            if init is None or isinstance(init.node, ast.Lambda) or not _is_module_class(ctx, cls):
                continue
            if not _calls_base_init(init.node) and not _raises_first(init.node) and not _no_module_state(ctx, cls):
                yield ctx.report(self, init.node, f"`{cls.name}.__init__` never calls `super().__init__()`: "
                                 "nn.Module's registries are missing, so assigning submodules or calling the "
                                 "module raises AttributeError", fn=init,
                                 snippet=f"def __init__ in {cls.name}")
