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
from ._compiled import compiled_functions, compiled_roots, wrapper_calls, wrapper_kind
from ._compiled_calls import bound_arguments, compiled_calls_in_loops
from ._loops import iterates_literal, loop_counters, loads, varying_names
from ._module_index import in_loop, parent_chain
from ._torch_compiled_examples import (
    COMPILE_IN_LOOP_INVALID, COMPILE_IN_LOOP_VALID, COMPILE_VARYING_SCALAR_INVALID,
    COMPILE_VARYING_SCALAR_VALID, GRAPH_BREAK_INVALID, GRAPH_BREAK_VALID, TRACE_FREEZES_BRANCH_INVALID,
    TRACE_FREEZES_BRANCH_VALID,
)
from .base import ModuleContext, Rule
from .print_in_graph import _is_logger_call, output_call_kind

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
    summary = "`print`, logging, `.item()`, `.tolist()` and tensor-valued `if`/`while` split a torch.compile graph."
    what = """
        Finds, in functions `torch.compile` captures (decorated or wrapped functions, `forward` of a
        compiled module, and the functions of the module they call): `print(...)`, `logging`/`logger`
        calls, `.item()`, `.tolist()`, `int()`/`float()`/`bool()` of a tensor value, and `if`/`while` whose
        condition is computed from tensor data (a `torch.*` result or a reduction such as `.sum()`,
        `.any()`, `.max()`). Branches under `torch.compiler.is_compiling()` are left alone.
    """
    why = """
        Dynamo captures tensor operations into a graph; reading a tensor's value into Python forces it to
        stop, run the graph so far, hand the value to Python and start a new graph (a "graph break").
        Each break costs a compilation, splits fusion opportunities and runs Python between graphs on
        every call. `print` and logging also break the graph (Dynamo cannot trace them; the output itself
        still appears on every call). On PyTorch 2.13 and 2.14 `.numpy()` is traced and is not reported.
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
    valid = GRAPH_BREAK_VALID
    invalid = GRAPH_BREAK_INVALID

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
                what = _breaking_call(ctx, call)
                if what is not None:
                    reported.update(id(n) for n in ast.walk(call))
                    yield ctx.report(self, call, f"{what}: torch.compile breaks the graph here{cf.via()}", fn=cf.fn)


def _breaking_call(ctx: ModuleContext, call: ast.Call) -> str | None:
    """Why a call breaks a Dynamo graph, or None."""
    if isinstance(call.func, ast.Attribute) and call.func.attr in ("item", "tolist") and not call.args:
        return f"`.{call.func.attr}()` reads a tensor's values into Python"
    q = ctx.qualify(call.func)
    if q in _CONVERSIONS and call.args and tensor_value(ctx, call.args[0]) is not None:
        return f"`{ctx.source.segment(call.func)}()` of a tensor reads its value into Python"
    if output_call_kind(q) in ("print", "logging") or _is_logger_call(ctx, call):
        return f"`{ctx.source.segment(call.func)}` cannot be traced"
    return None


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
    valid = COMPILE_VARYING_SCALAR_VALID
    invalid = COMPILE_VARYING_SCALAR_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for call, root, loops in compiled_calls_in_loops(ctx):
            if root.kind != "compile" or not _dynamic_false(ctx, root.keywords):
                continue
            counters = loop_counters(loops, ctx.qualify)
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
    summary = "torch.compile in a module-level loop of a function reading the loop's globals recompiles every iteration."
    what = """
        Finds `torch.compile(...)` in a loop at module level (a script) when what it compiles is a lambda
        or a function defined in the loop that reads a variable the loop changes. Those variables are
        module globals, and Dynamo guards on a global's value.
    """
    why = """
        Dynamo caches compiled code per code object, so re-creating the same lambda in a loop is cheap,
        and a varying value it reads through a closure (inside a function) is made dynamic after one
        recompilation. A *global* read by the compiled code is guarded as a constant instead: every
        iteration fails the guard and recompiles, and after the recompile limit (8) the function silently
        runs eagerly. Measured on PyTorch 2.13.0 and 2.14.1 (docs/framework-facts.md); in-function loops and
        `functools.partial` arguments recompile once and are not reported.
    """
    example = """
        import torch

        model = torch.nn.Linear(3, 3)
        x = torch.ones(3)
        for epoch in range(12):
            step = torch.compile(lambda b: model(b) * epoch)
            x = step(x)
    """
    use_instead = """
        import torch

        model = torch.nn.Linear(3, 3)
        step = torch.compile(lambda b, scale: model(b) * scale)
        x = torch.ones(3)
        for epoch in range(12):
            x = step(x, torch.tensor(float(epoch)))
    """
    references = ("https://docs.pytorch.org/docs/stable/torch.compiler_troubleshooting.html#recompilation",)
    valid = COMPILE_IN_LOOP_VALID
    invalid = COMPILE_IN_LOOP_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return
        for call in wrapper_calls(ctx):
            if wrapper_kind(ctx, call.func) != "compile":
                continue
            loop = in_loop(ctx, call, None)
            if loop is None or iterates_literal(loop) or _inside_function(ctx, loop):
                continue
            reads = _fresh_callable_reads(ctx, call.args[0], loop)
            varying = sorted(reads & varying_names(loop)) if reads is not None else []
            if varying:
                yield ctx.report(self, call, f"`{ctx.source.segment(call.func)}` in a module-level loop of a function "
                                 f"that reads global `{varying[0]}`, which the loop changes: every iteration "
                                 "recompiles (eager fallback after the recompile limit); compile once and pass "
                                 "the value as a tensor argument")


def _inside_function(ctx: ModuleContext, node: ast.AST) -> bool:
    return any(isinstance(p, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) for p in parent_chain(ctx, node))


def _fresh_callable_reads(ctx: ModuleContext, target: ast.expr, loop: ast.For | ast.While) -> set[str] | None:
    """Names a lambda or a function defined in the loop reads (its parameters excluded)."""
    if isinstance(target, ast.Lambda):
        return loads(target.body) - {a.arg for a in target.args.args}
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
    valid = TRACE_FREEZES_BRANCH_VALID
    invalid = TRACE_FREEZES_BRANCH_INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for root in compiled_roots(ctx):
            if root.kind != "trace":
                continue
            for test in data_dependent_conditions(ctx, ctx.body(root.fn).nodes):
                yield ctx.report(self, test, "torch.jit.trace records only the branch the example input takes: "
                                 "this condition on tensor data is frozen into the trace (use torch.where, "
                                 "torch.jit.script or torch.compile)", fn=root.fn)
