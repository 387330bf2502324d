"""HYB201-HYB204: code that breaks, recompiles or freezes PyTorch graph capture.

What counts as a tensor *value* (as opposed to a shape or a Python number) needs evidence in the
expression itself: a `torch.*` function result, or a reduction method such as `.sum()`, `.any()` or
`.item()`. A bare parameter is not enough, since Dynamo specialises on Python numbers and traces them
without a break (checked in tests/runtime_torch/).
"""
from __future__ import annotations

import ast
from typing import Iterable

from ..facts.paths import is_test_path
from ..model import Finding, Severity
from ._compiled import (
    FUNCTOOLS_PARTIAL, bound_arguments, compiled_calls_in_loops, compiled_functions, compiled_roots, in_loop,
    parent_chain, wrapper_calls, wrapper_kind,
)
from ._loops import counter_names, iterates_literal, loads, varying_names
from .base import Invalid, ModuleContext, Rule, Valid

# Tensor methods whose result depends on the data (a reduction to a tensor or a Python number).
_VALUE_METHODS = frozenset({"sum", "mean", "max", "min", "any", "all", "item", "norm", "prod", "std", "var",
                            "argmax", "argmin", "count_nonzero", "allclose", "equal", "nonzero"})
# torch functions that answer about configuration or types, not data.
_TORCH_STATIC_PREFIXES = ("torch.is_tensor", "torch.is_floating_point", "torch.is_complex", "torch.jit.",
                          "torch.compiler.", "torch._dynamo.", "torch.cuda.", "torch.backends.",
                          "torch.distributed.", "torch.is_grad_enabled", "torch.is_inference_mode_enabled",
                          "torch.are_deterministic", "torch.get_default_dtype", "torch.Size", "torch.device",
                          "torch.numel", "torch.finfo", "torch.iinfo", "torch.overrides.", "torch.fx.",
                          "torch.onnx.", "torch.__version__", "torch.version.", "torch.utils.", "torch.mps.")
# Conditions that choose a branch by how the code runs (compiled, scripted, traced), not by data.
_MODE_CHECKS = ("is_compiling", "is_scripting", "is_tracing", "is_dynamo_compiling", "is_exporting")
_CONVERSIONS = frozenset({"builtins.bool", "builtins.int", "builtins.float"})


def tensor_value(ctx: ModuleContext, node: ast.AST) -> ast.AST | None:
    """The sub-expression that shows `node` holds tensor data (a torch call or a reduction), or None."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            q = ctx.qualify(sub.func)
            if q is not None and q.startswith("torch.") and not q.startswith(_TORCH_STATIC_PREFIXES):
                return sub
            if q is None and isinstance(sub.func, ast.Attribute) and sub.func.attr in _VALUE_METHODS \
                    and not (isinstance(sub.func.value, ast.Name) and sub.func.value.id in ("math", "np", "self")):
                return sub
    return None


def under_mode_check(ctx: ModuleContext, node: ast.AST) -> bool:
    """Inside `if torch.compiler.is_compiling():` or a similar mode test (either branch)."""
    for parent in parent_chain(ctx, node):
        if isinstance(parent, ast.If) and any(check in ctx.source.segment(parent.test) for check in _MODE_CHECKS):
            return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
    return False


def data_dependent_conditions(ctx: ModuleContext, body_nodes: list[ast.AST]) -> Iterable[ast.expr]:
    for node in body_nodes:
        if isinstance(node, (ast.If, ast.While, ast.IfExp)) and not any(m in ctx.source.segment(node.test)
                                                                           for m in _MODE_CHECKS):
            if tensor_value(ctx, node.test) is not None:
                yield node.test


class GraphBreak(Rule):
    code = "HYB201"
    name = "graph-break"
    framework = "torch"
    severity = Severity.WARNING
    requires_text = ("compile",)
    summary = "`.item()`, tensor-valued `if`/`while` and `float(tensor)` split a torch.compile graph (graph break)."
    what = """
        Finds, in functions `torch.compile` captures (decorated or wrapped functions, `forward` of a
        compiled module, and the functions of the module they call): `.item()`, `int()`/`float()`/`bool()`
        of a tensor value, and `if`/`while` whose condition is computed from tensor data (a `torch.*`
        result or a reduction such as `.sum()`, `.any()`, `.max()`). Branches under
        `torch.compiler.is_compiling()` are left alone.
    """
    why = """
        Dynamo captures tensor operations into a graph; reading a tensor's value into Python forces it to
        stop, run the graph so far, hand the value to Python and start a new graph (a "graph break").
        Each break costs a compilation, splits fusion opportunities and runs Python between graphs on
        every call; `torch._dynamo.explain` counts them. On PyTorch 2.14 `print`, logging, `.tolist()` and
        `.numpy()` no longer break the graph, so they are not reported.
    """
    example = """
        import torch

        @torch.compile
        def step(x):
            if x.sum() > 0:
                return x * 2
            return x
    """
    use_instead = """
        import torch

        @torch.compile
        def step(x):
            return torch.where(x.sum() > 0, x * 2, x)
    """
    references = (
        "https://docs.pytorch.org/docs/stable/torch.compiler_troubleshooting.html#graph-breaks",
        "https://docs.pytorch.org/docs/stable/generated/torch.cond.html",
    )
    valid = (
        Valid("""
            import torch

            @torch.compile
            def step(x, scale):
                if x.shape[0] > 2 and scale > 1:
                    return x * scale
                return x
        """, note="shapes and Python numbers: Dynamo specialises, no break"),
        Valid("""
            import torch

            @torch.compile
            def step(x):
                print("step", x.shape)
                return x * 2
        """, note="print does not break the graph on PyTorch 2.14"),
        Valid("""
            import torch

            def step(x):
                if x.sum() > 0:
                    return x.item()
                return 0.0
        """, note="not compiled"),
        Valid("""
            import torch

            @torch.compile
            def step(x):
                if not torch.compiler.is_compiling():
                    print(x.sum().item())
                return x + 1
        """, note="eager-only branch"),
    )
    invalid = (
        Invalid("""
            import torch

            @torch.compile
            def step(x):
                if x.sum() > 0:
                    return x * 2
                return x
        """, lines=(5,)),
        Invalid("""
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(4, 4)

                def forward(self, x):
                    y = self.fc(x)
                    scale = y.abs().max().item()
                    return y / scale

            model = torch.compile(Net())
        """, lines=(11,), note="forward of a compiled module"),
        Invalid("""
            import torch

            def clip(x):
                while torch.isnan(x).any():
                    x = torch.nan_to_num(x)
                return x * float(x.mean())

            fast_clip = torch.compile(clip, mode="reduce-overhead")
        """, lines=(4, 6)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for cf in compiled_functions(ctx, "torch"):
            body = ctx.body(cf.fn)
            reported: set[int] = set()
            for test in data_dependent_conditions(ctx, body.nodes):
                if under_mode_check(ctx, test):
                    continue
                reported.update(id(n) for n in ast.walk(test))
                yield ctx.report(self, test, "a condition on tensor data makes torch.compile break the graph "
                                 f"(Python needs the value){cf.via()}; use torch.where or torch.cond", fn=cf.fn)
            for call in body.calls:
                if id(call) in reported or under_mode_check(ctx, call):
                    continue
                item = isinstance(call.func, ast.Attribute) and call.func.attr == "item" and not call.args
                conversion = ctx.qualify(call.func) in _CONVERSIONS and call.args and \
                    tensor_value(ctx, call.args[0]) is not None
                if item or conversion:
                    reported.update(id(n) for n in ast.walk(call))
                    what = "`.item()`" if item else f"`{ctx.source.segment(call.func)}()` of a tensor"
                    yield ctx.report(self, call, f"{what} reads a tensor value into Python: torch.compile breaks "
                                     f"the graph here{cf.via()}", fn=cf.fn)


def _dynamic_false(ctx: ModuleContext, keywords: dict[str, ast.expr]) -> bool:
    value = keywords.get("dynamic")
    return isinstance(value, ast.Constant) and value.value is False


class CompileVaryingScalar(Rule):
    code = "HYB202"
    name = "compile-varying-scalar"
    framework = "torch"
    severity = Severity.WARNING
    requires_text = ("dynamic",)
    summary = "With dynamic=False, a Python number that changes every call recompiles a torch.compile function."
    what = """
        Finds calls, inside a loop, of a function compiled with `torch.compile(..., dynamic=False)` in this
        module that pass a `range`/`enumerate` index or a `+=` counter of the loop.
    """
    why = """
        Dynamo specialises on Python numbers: each new value fails a guard and recompiles. By default
        (`dynamic=None`) it recompiles once and then marks the number dynamic, but `dynamic=False` forbids
        that, so every value compiles again until the recompile limit (8) is hit and the function silently
        falls back to eager execution.
    """
    example = """
        import torch

        @torch.compile(dynamic=False)
        def scale(x, step):
            return x * step

        for step in range(10):
            scale(torch.ones(3), step)
    """
    use_instead = """
        import torch

        @torch.compile  # the default marks a varying number dynamic after one recompilation
        def scale(x, step):
            return x * step

        for step in range(10):
            scale(torch.ones(3), step)
    """
    references = ("https://docs.pytorch.org/docs/stable/torch.compiler_dynamic_shapes.html",
                  "https://docs.pytorch.org/docs/stable/generated/torch.compile.html")
    valid = (
        Valid("""
            import torch

            @torch.compile
            def scale(x, step):
                return x * step

            for step in range(10):
                scale(torch.ones(3), step)
        """, note="default dynamic: one recompilation, then dynamic"),
        Valid("""
            import torch

            @torch.compile(dynamic=False)
            def scale(x, step):
                return x * step

            for i in range(10):
                scale(torch.ones(3), 2)
        """, note="the number does not change"),
        Valid("""
            import torch

            @torch.compile(dynamic=False)
            def scale(x, step):
                return x * step

            for step in range(10):
                scale(torch.ones(3), torch.tensor(step))
        """, note="a tensor argument"),
    )
    invalid = (
        Invalid("""
            import torch

            @torch.compile(dynamic=False)
            def scale(x, step):
                return x * step

            for step in range(10):
                scale(torch.ones(3), step)
        """, lines=(8,)),
        Invalid("""
            import torch

            def warmup(lr, step):
                return lr * min(1.0, step / 1000)

            fast = torch.compile(warmup, dynamic=False)

            def run(lr):
                step = 0
                while step < 5000:
                    fast(lr, step=step)
                    step += 1
        """, lines=(11,)),
        Invalid("""
            import torch

            class Trainer:
                @torch.compile(dynamic=False)
                def step(self, x, epoch):
                    return x / (1 + epoch)

                def fit(self, x):
                    for epoch, _ in enumerate(range(10)):
                        x = self.step(x, epoch)
                    return x
        """, lines=(10,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for call, root, loop in compiled_calls_in_loops(ctx):
            if root.kind != "compile" or not _dynamic_false(ctx, root.keywords) or iterates_literal(loop):
                continue
            counters = counter_names(loop, ctx.qualify)
            for param, arg in bound_arguments(root, call):
                if isinstance(arg, ast.Name) and arg.id in counters:
                    yield ctx.report(self, arg, f"`{arg.id}` changes on every iteration and `{root.fn.qualname}` is "
                                     f"compiled with dynamic=False: one recompilation per value of `{param}` "
                                     "(eager fallback after the recompile limit)", fn=root.fn)


class CompileInLoop(Rule):
    code = "HYB203"
    name = "compile-in-loop"
    framework = "torch"
    severity = Severity.WARNING
    requires_text = ("compile",)
    summary = "torch.compile of a function closing over a loop variable recompiles on every iteration."
    what = """
        Finds `torch.compile(...)` inside a loop body when what it compiles is created in the loop and
        reads a value the loop changes: a lambda or a function defined in the loop that uses the loop
        variable, or a `functools.partial` bound to it. Loops over a literal list of cases and test
        files are left alone.
    """
    why = """
        Dynamo caches compiled code per code object and guards on the values a function closes over. A
        lambda re-created in a loop reuses the cache, but when it closes over the loop variable every
        iteration fails the guard and recompiles; after the recompile limit (8) the function silently
        runs eagerly.
    """
    example = """
        import torch

        def run(model, x, epochs):
            for epoch in range(epochs):
                step = torch.compile(lambda b: model(b) * (0.9 ** epoch))
                x = step(x)
            return x
    """
    use_instead = """
        import torch

        def run(model, x, epochs):
            step = torch.compile(lambda b, decay: model(b) * decay)
            for epoch in range(epochs):
                x = step(x, torch.tensor(0.9 ** epoch))
            return x
    """
    references = ("https://docs.pytorch.org/docs/stable/torch.compiler_troubleshooting.html#recompilation",)
    valid = (
        Valid("""
            import torch

            def run(model, x, epochs):
                for epoch in range(epochs):
                    x = torch.compile(lambda b: model(b) * 2)(x)
                return x
        """, note="the same code object with the same closure: cached"),
        Valid("""
            import torch

            def run(model, x, epochs):
                step = torch.compile(model)
                for epoch in range(epochs):
                    x = step(x)
                return x
        """, note="compiled once"),
        Valid("""
            import torch

            def run(x):
                for act in (torch.relu, torch.tanh):
                    torch.compile(lambda b: act(b))(x)
        """, note="one compilation per listed case"),
    )
    invalid = (
        Invalid("""
            import torch

            def run(model, x, epochs):
                for epoch in range(epochs):
                    step = torch.compile(lambda b: model(b) * (0.9 ** epoch))
                    x = step(x)
                return x
        """, lines=(5,)),
        Invalid("""
            import functools
            import torch

            def scale(x, factor):
                return x * factor

            def run(x, factors):
                for f in factors:
                    x = torch.compile(functools.partial(scale, factor=f))(x)
                return x
        """, lines=(9,)),
        Invalid("""
            import torch

            def run(x, n):
                i = 0
                while i < n:
                    def step(t):
                        return t + i
                    x = torch.compile(step)(x)
                    i += 1
                return x
        """, lines=(8,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return
        for call in wrapper_calls(ctx):
            if wrapper_kind(ctx, call.func) != "compile":
                continue
            loop = in_loop(ctx, call, None)
            if loop is None or iterates_literal(loop):
                continue
            reads = _fresh_callable_reads(ctx, call.args[0], loop)
            varying = sorted(reads & varying_names(loop)) if reads is not None else []
            if varying:
                yield ctx.report(self, call, f"`{ctx.source.segment(call.func)}` in a loop of a function that "
                                 f"reads `{varying[0]}`, which the loop changes: every iteration recompiles "
                                 "(eager fallback after the recompile limit); compile once and pass the value "
                                 "as a tensor argument")


def _fresh_callable_reads(ctx: ModuleContext, target: ast.expr, loop: ast.For | ast.While) -> set[str] | None:
    """Names a callable created anew in the loop reads (lambda body, partial arguments, def body)."""
    if isinstance(target, ast.Lambda):
        return loads(target.body) - {a.arg for a in target.args.args}
    if isinstance(target, ast.Call) and ctx.qualify(target.func) in FUNCTOOLS_PARTIAL:
        return set().union(*(loads(a) for a in target.args[1:]), *(loads(k.value) for k in target.keywords))
    if isinstance(target, ast.Name):
        for fn in ctx.summary.functions:
            if fn.name == target.id and not isinstance(fn.node, ast.Lambda) and loop in parent_chain(ctx, fn.node):
                return set().union(*(loads(st) for st in fn.node.body)) - set(fn.params)
    return None


class TraceFreezesBranch(Rule):
    code = "HYB204"
    name = "trace-freezes-branch"
    framework = "torch"
    severity = Severity.ERROR
    requires_text = ("trace",)
    summary = "torch.jit.trace records one path: a branch on tensor data is frozen into the trace."
    what = """
        Finds `if`/`while` conditions on tensor data in a function (or module `forward`) of this module
        that `torch.jit.trace` records.
    """
    why = """
        `torch.jit.trace` runs the function once on the example inputs and records the operations that
        ran. Python control flow is not recorded: the branch the example took is baked in, and later
        inputs that should take the other branch silently get the wrong result (only a `TracerWarning`
        is printed while tracing).
    """
    example = """
        import torch

        def sign_scale(x):
            if x.sum() > 0:
                return x * 2
            return -x

        traced = torch.jit.trace(sign_scale, torch.ones(3))
    """
    use_instead = """
        import torch

        def sign_scale(x):
            return torch.where(x.sum() > 0, x * 2, -x)

        traced = torch.jit.trace(sign_scale, torch.ones(3))  # or torch.jit.script / torch.compile
    """
    references = ("https://docs.pytorch.org/docs/stable/generated/torch.jit.trace.html",)
    valid = (
        Valid("""
            import torch

            def sign_scale(x):
                return torch.where(x.sum() > 0, x * 2, -x)

            traced = torch.jit.trace(sign_scale, torch.ones(3))
        """, note="the choice is a tensor op"),
        Valid("""
            import torch

            def sign_scale(x):
                if x.sum() > 0:
                    return x * 2
                return -x

            scripted = torch.jit.script(sign_scale)
        """, note="torch.jit.script compiles control flow"),
        Valid("""
            import torch

            def pad(x):
                if x.shape[0] < 4:
                    return torch.nn.functional.pad(x, (0, 4 - x.shape[0]))
                return x

            traced = torch.jit.trace(pad, torch.ones(3))
        """, note="shape branches are recorded for the example's shape, and shapes are fixed by the trace"),
    )
    invalid = (
        Invalid("""
            import torch

            def sign_scale(x):
                if x.sum() > 0:
                    return x * 2
                return -x

            traced = torch.jit.trace(sign_scale, torch.ones(3))
        """, lines=(4,)),
        Invalid("""
            import torch
            from torch import nn

            class Gate(nn.Module):
                def __init__(self):
                    super().__init__()

                def forward(self, x):
                    if torch.any(x < 0):
                        x = x.abs()
                    return x

            traced = torch.jit.trace(Gate(), torch.ones(3))
        """, lines=(9,)),
        Invalid("""
            import torch

            def halve(x):
                while x.max() > 1:
                    x = x / 2
                return x

            model = torch.jit.trace(halve, (torch.ones(3) * 8,))
        """, lines=(4,)),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for root in compiled_roots(ctx):
            if root.kind != "trace":
                continue
            for test in data_dependent_conditions(ctx, ctx.body(root.fn).nodes):
                yield ctx.report(self, test, "torch.jit.trace records only the branch the example input takes: "
                                 "this condition on tensor data is frozen into the trace (use torch.where, "
                                 "torch.jit.script or torch.compile)", fn=root.fn)
