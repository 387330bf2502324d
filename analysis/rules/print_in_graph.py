"""HYB001: print/logging in graph code."""
from __future__ import annotations

import ast
from typing import Iterable

from ..body import FunctionBody
from ..facts.value_kinds import LocalKinds
from ..model import Finding, Fix, FixSafety, Severity
from ..summary import FunctionInfo
from ._callers import every_graph_call
from ._eager_guards import runs_only_eagerly
from ._local_tensors import body_kinds
from ._print_in_graph_examples import INVALID, VALID
from ._trace_only import only_traced
from .base import ModuleContext, Rule, via_text

_INITIALIZERS = frozenset({"__init__", "__post_init__", "build"})
_LOGGING_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


def output_call_kind(qualname: str | None) -> str | None:
    """'print', 'logging', 'warnings' or 'stdout' for a Python output call, else None."""
    if qualname is None:
        return None
    if qualname == "builtins.print":
        return "print"
    if qualname == "warnings.warn":
        return "warnings"
    if qualname in ("sys.stdout.write", "sys.stderr.write"):
        return "stdout"
    if qualname.startswith("logging.") and qualname.rsplit(".", 1)[1] in _LOGGING_METHODS:
        return "logging"
    if qualname.startswith("absl.logging.") and qualname.rsplit(".", 1)[1] in _LOGGING_METHODS:
        return "logging"
    return None


def _is_logger_call(ctx: ModuleContext, call: ast.Call) -> bool:
    """`logger.info(...)` where `logger = logging.getLogger(...)` at module level."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in _LOGGING_METHODS and isinstance(func.value, ast.Name)):
        return False
    return func.value.id in _module_loggers(ctx)


def _module_loggers(ctx: ModuleContext) -> frozenset[str]:
    return ctx.shared("module-loggers", lambda: _loggers(ctx))


def _loggers(ctx: ModuleContext) -> frozenset[str]:
    names = set()
    for st in ctx.summary.source.tree.body:
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call):
            q = ctx.qualify(st.value.func)
            if q in ("logging.getLogger", "absl.logging.get_absl_logger"):
                names.update(t.id for t in st.targets if isinstance(t, ast.Name))
    return frozenset(names)


class PrintInGraph(Rule):
    code = "HYB001"
    name = "print-in-graph"
    # Issue 10 severity policy: warning/error only for rules right >= 90% of the time on the precision
    # sample (docs/precision.md, 2026-12-06: 1 of 6 right); was warning.
    severity = Severity.INFO
    fix_safety = FixSafety.SUGGESTION
    summary = "Python output in a tf.function runs once per trace, not once per call."
    what = """
        Finds `print(...)`, `logging.*(...)`, `logger.*(...)`, `warnings.warn(...)` and
        `sys.stdout.write(...)` in graph code: in a `tf.function`, in a Keras `train_step`, in a
        `tf.data` callback, or in any project function they call, in this file or another one.
        Log lines that describe the trace itself are not reported: under a Python-valued `if`, after a
        Python-valued `if` whose branch returns, in an `except` handler (a Python exception in graph code
        is raised while tracing), or just before a `raise`.
    """
    why = """
        The Python body of a `tf.function` runs only while TensorFlow traces it; later calls replay the
        graph. A `print` therefore fires on the first call (often twice when variables are created) and
        then never again, which makes logs lie about what the program does. TensorFlow's guide uses
        exactly this to *detect* retracing, so a message that mentions tracing is reported as info.
    """
    example = """
        import tensorflow as tf

        @tf.function
        def train_step(x):
            print("loss", x)
            return x * 2
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def train_step(x):
            tf.print("loss", x)
            return x * 2
    """
    fix_doc = """
        Suggestion only: `tf.print` runs on every call, but it writes to standard error by default and
        formats tensors differently from `print`, so the output changes. Logging calls have no
        graph equivalent; move them outside the function or use `tf.print`/`tf.summary`.
    """
    references = (
        "https://www.tensorflow.org/guide/function#executing_python_side_effects",
        "https://www.tensorflow.org/api_docs/python/tf/print",
    )
    valid = VALID
    invalid = INVALID

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for gf in ctx.graph_functions():
            if gf.info.cls is not None and gf.info.name in _INITIALIZERS and not gf.is_root:
                continue  # a constructor's messages describe the object it builds, which a trace builds once
            body = ctx.body(gf.info)
            if not gf.is_root and _logging_wrapper(ctx, body) and _graph_calls_meant_once(ctx, gf.info):
                continue  # `def info(msg): print(msg); logging.info(msg)` called only under static conditions
            kinds: LocalKinds | None = None
            trace_only: bool | None = None
            for call in body.calls:
                kind = output_call_kind(ctx.qualify(call.func))
                if kind is None and _is_logger_call(ctx, call):
                    kind = "logging"
                if kind is None or kind == "warnings" or runs_only_eagerly(ctx, body, call):
                    continue  # warnings.warn: Python's default filter shows it once per place anyway
                if kinds is None:
                    kinds = body_kinds(ctx, body)
                if _meant_for_trace_time(body, call, kind, kinds):
                    continue
                if kind == "logging" and _traced_once(ctx, gf.info.node):
                    continue
                if trace_only is None:  # asked only where there is something to report: it walks the parent
                    trace_only = gf.is_root and only_traced(ctx, gf.info)
                if trace_only:
                    break  # traced, never run (`f.get_concrete_function(x)`): trace time is its only time (P2-tffalse)
                message = (
                    f"`{ctx.source.segment(call.func)}` in graph code runs once per trace, not on every call"
                    f"{via_text(gf)}"
                )
                severity = Severity.INFO if _mentions_tracing(call) else None
                fix = None
                if kind == "print":
                    fix = Fix("use tf.print (prints on every call; writes to stderr by default, formats "
                              "tensors differently)", FixSafety.SUGGESTION)
                yield ctx.report(self, call, message, fn=gf, fix=fix, severity=severity)


def _meant_for_trace_time(body: FunctionBody, call: ast.Call, kind: str, kinds: LocalKinds) -> bool:
    """Output that is right to emit once, while tracing: a log message about configuration (under a
    condition that is not a tensor, such as `x.shape.rank is None`, `isinstance(...)` or a flag), a
    deprecation notice, or a message emitted just before its block raises (the trace fails with it)."""
    if _mentions(call, "deprecat"):
        return True
    child: ast.AST = call
    for anc in body.ancestors(call):
        if (kind == "logging" or _is_warning_print(call)) and isinstance(anc, ast.If) and not kinds.is_tensor(anc.test):
            # A message about configuration: `if is_training and clips != 1: logging.warning(...)`, or the
            # same as `print("WARNING: ...")` (issue 10 P51-fixb, kgcnn).
            return True
        if isinstance(anc, ast.If) and any(s is child for s in anc.body) and _clears_own_flag(anc):
            # `if self._once: print(...); self._once = False`: printed once on purpose, in eager code too
            # (dreamerv2's parameter count, P3-tfmava).
            return True
        if kind == "logging" and isinstance(anc, ast.ExceptHandler):
            # In graph code a Python exception is raised only while tracing (a tensor cannot raise one),
            # so a log in its handler reports this trace (issue 10 P58-growb, jax2tf's static rank check).
            return True
        for field in ("body", "orelse", "finalbody"):
            block = getattr(anc, field, None)
            if isinstance(block, list) and block and isinstance(block[-1], ast.Raise) and any(s is child for s in block):
                return True
            if (kind == "logging" or _is_warning_print(call)) and isinstance(block, list) \
                    and _after_python_exit(block, child, kinds):
                return True
        if isinstance(anc, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            break
        child = anc
    return False


def _logging_wrapper(ctx: ModuleContext, body: FunctionBody) -> bool:
    """A project's logging helper: its statements (docstring aside) are all output calls (`print(msg %
    args); logging.info(msg, *args)`), so what it writes is decided where it is called."""
    statements = list(body.node.body)
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        statements = statements[1:]
    return bool(statements) and all(
        isinstance(st, ast.Expr) and isinstance(st.value, ast.Call)
        and (output_call_kind(ctx.qualify(st.value.func)) is not None or _is_logger_call(ctx, st.value))
        for st in statements)


def _graph_calls_meant_once(ctx: ModuleContext, info: FunctionInfo) -> bool:
    """Every call of the helper from graph code is a message meant for trace time where it is written
    (under a condition that is not a tensor, say): tensorflow-decision-forests' `tf_logging.info` under
    `if self._verbose >= 2:` (P47-growb)."""
    def meant_once(body: FunctionBody, calls: list[ast.Call]) -> bool:
        kinds = LocalKinds.of(ctx.qualify, body.nodes, ())
        return all(_meant_for_trace_time(body, c, "logging", kinds) for c in calls)

    return every_graph_call(ctx, info, meant_once)


def _after_python_exit(block: list[ast.stmt], child: ast.AST, kinds: LocalKinds) -> bool:
    """`if use_generic_ops: ...; return y` then `logging.info(...)`: a statement after an `if` on a value
    that is not a tensor, one of whose branches returns or raises, runs under the negated condition, the
    other side of the same trace-time decision (seqio's packing, P49-growa)."""
    if not any(st is child for st in block):
        return False
    for st in block:
        if st is child:
            return False
        if isinstance(st, ast.If) and not kinds.is_tensor(st.test) and any(
                branch and isinstance(branch[-1], (ast.Return, ast.Raise)) for branch in (st.body, st.orelse)):
            return True
    return False


def _clears_own_flag(test_owner: ast.If) -> bool:
    """`if self._once: ...; self._once = False` (or `if not seen: ...; seen = True`): the branch turns off
    the flag that lets it run, so it runs once."""
    test, wanted = test_owner.test, False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, wanted = test.operand, True
    if not isinstance(test, (ast.Name, ast.Attribute)):
        return False
    text = ast.unparse(test)
    return any(isinstance(st, ast.Assign) and isinstance(st.value, ast.Constant) and st.value.value is wanted
               and any(ast.unparse(t) == text for t in st.targets) for st in test_owner.body)


def _is_warning_print(call: ast.Call) -> bool:
    """`print("WARNING: ..." % name)`: a print used as a warning-level log line."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.lstrip().lower().startswith("warn")
               for arg in call.args for n in ast.walk(arg))


def _traced_once(ctx: ModuleContext, node: ast.AST) -> bool:
    """Decorated `@tf.function(input_signature=[...])`: one concrete function, traced once (a serving or
    export signature). A log line in it is written once, at export, by construction; `tf.print` would
    instead log on every serving request (issue 10 P-tfx: TFX's `serve_tf_examples_fn` templates)."""
    for dec in getattr(node, "decorator_list", ()):
        if (isinstance(dec, ast.Call) and ctx.qualify(dec.func) == "tensorflow.function"
                and any(k.arg == "input_signature" and not (isinstance(k.value, ast.Constant) and k.value.value is None)
                        for k in dec.keywords)):
            return True
    return False


def _mentions_tracing(call: ast.Call) -> bool:
    return _mentions(call, "trac")


def _mentions(call: ast.Call, word: str) -> bool:
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and word in arg.value.lower():
            return True
        if isinstance(arg, ast.JoinedStr):
            for part in arg.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str) and word in part.value.lower():
                    return True
    return False
