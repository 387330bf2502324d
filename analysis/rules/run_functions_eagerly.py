"""HYB012: `tf.config.run_functions_eagerly(True)` left on, and the deprecated experimental alias."""
from __future__ import annotations

import ast
from typing import Iterable, Iterator

from ..model import Finding, Fix, FixSafety, Severity
from ..facts.paths import is_test_path  # tests may switch eager mode on for their own purposes
from ..facts.tables import LOGGING_METHODS, python_effect_of_call
from ..tfversion import RUN_FUNCTIONS_EAGERLY_SINCE  # evidence for the version: analysis/tfversion.py
from ._version_gate import version_gated_fix, version_text
from .base import Invalid, ModuleContext, Rule, Valid

_CURRENT = frozenset({"tensorflow.config.run_functions_eagerly", "tensorflow.compat.v1.config.run_functions_eagerly"})
_DEPRECATED = frozenset({
    "tensorflow.config.experimental_run_functions_eagerly",
    "tensorflow.compat.v1.config.experimental_run_functions_eagerly",
})

# Words in an `if` test that mark the call as a deliberate debugging switch.
_DEBUG_WORDS = ("debug", "eager")

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)


def _flag_value(call: ast.Call) -> ast.expr | None:
    if call.args:
        return call.args[0]
    for kw in call.keywords:
        if kw.arg == "run_eagerly":
            return kw.value
    return None


def _literal(value: ast.expr | None) -> bool | None:
    """True/False for a literal argument, None when the value is computed (a flag)."""
    if isinstance(value, ast.Constant) and isinstance(value.value, (bool, int)):
        return bool(value.value)
    return None


class RunFunctionsEagerly(Rule):
    code = "HYB012"
    name = "run-functions-eagerly"
    severity = Severity.INFO
    fix_safety = FixSafety.SAFE
    summary = "`run_functions_eagerly(True)` silently turns every tf.function in the process into slow eager code."
    what = """
        Finds `tf.config.run_functions_eagerly(True)` and `tf.config.experimental_run_functions_eagerly(True)`
        in non-test code (paths under `tests/` or `test/`, `test_*.py`, `*_test.py` and `conftest.py` are
        skipped) that is not switched back off with a `(False)` call later in the same block or in a
        `finally`. A call under an `if` that tests a debug flag (a name containing "debug" or "eager") is
        reported as info when the flag is a module constant (`DEBUG = False`, which can be committed
        on), and not at all when it is an option of the run (a parameter, `args.eager`, `FLAGS.debug`):
        then the user asks for eager mode. Nor is a call next to a warning, log or print that mentions
        eager mode (a library that switches it on for the whole process on purpose and tells its user).
        A deprecated name in a branch chosen by the TensorFlow version
        (`if tf.__version__ < "2.3":`) is a compatibility shim and is not reported either. Separately, any call of the deprecated `experimental_run_functions_eagerly`
        is reported so it can be renamed.
    """
    why = """
        The switch is global: every `tf.function` in the process runs its Python body eagerly on every
        call, losing graph optimizations. Its docstring says to avoid it in production because it
        "significantly slows down execution", and it does not even apply to `tf.data` functions, so the
        program's behaviour differs between the parts. Debugging code that enables it and is then
        committed leaves the whole program in debug mode. The experimental name is deprecated and only
        delegates to `tf.config.run_functions_eagerly`.
    """
    example = """
        import tensorflow as tf

        tf.config.run_functions_eagerly(True)

        def main():
            train()
    """
    use_instead = """
        import tensorflow as tf

        def main(debug=False):
            tf.config.run_functions_eagerly(debug)
            try:
                train()
            finally:
                tf.config.run_functions_eagerly(False)
    """
    fix_doc = """
        Renaming `tf.config.experimental_run_functions_eagerly` to `tf.config.run_functions_eagerly` is
        safe when the project's minimum TensorFlow is 2.3 or later (the old function only delegates to
        the new one); otherwise it is a suggestion. Removing or guarding a `(True)` call is never
        automatic: code may depend on eager behaviour, such as Python side effects on every call.
    """
    references = (
        "https://www.tensorflow.org/api_docs/python/tf/config/run_functions_eagerly",
        "https://www.tensorflow.org/guide/intro_to_graphs",
        "https://github.com/tensorflow/tensorflow/releases/tag/v2.3.0",
        "https://github.com/tensorflow/tensorflow/blob/v2.21.0/tensorflow/python/eager/polymorphic_function/eager_function_run.py",
    )
    requires_text = ("run_functions_eagerly",)
    valid = (
        Valid("""
            import tensorflow as tf

            def debug_step(step, x):
                tf.config.run_functions_eagerly(True)
                try:
                    return step(x)
                finally:
                    tf.config.run_functions_eagerly(False)
        """, note="switched back off on every exit path"),
        Valid({"tests/test_model.py": """
            import tensorflow as tf

            tf.config.run_functions_eagerly(True)
        """}, path="tests/test_model.py", note="test code"),
        Valid("""
            import tensorflow as tf

            def main(args):
                tf.config.run_functions_eagerly(args.eager)
                tf.config.run_functions_eagerly(False)
        """, note="a computed flag, not a literal True"),
        Valid("""
            import argparse

            import tensorflow as tf
            from absl import flags

            FLAGS = flags.FLAGS

            def main():
                args = argparse.ArgumentParser().parse_args()
                if args.eager_execution:
                    tf.config.run_functions_eagerly(True)
                if FLAGS.debug:
                    tf.config.run_functions_eagerly(True)

            class Spec:
                def __init__(self, debug=False):
                    if debug:
                        tf.config.run_functions_eagerly(True)
        """, note="a debug option of the run: the user asks for eager mode "
                  "(issue 10 P30-corpusb, OpenNMT-tf, tflite-model-maker)"),
        Valid("""
            import tensorflow as tf

            def run_eager(flag=True):
                if tf.__version__ < "2.3.0":
                    tf.config.experimental_run_functions_eagerly(flag)
                else:
                    tf.config.run_functions_eagerly(flag)
        """, note="the old name only on the TensorFlow versions without the new one "
                  "(issue 10 P30-corpusb, vegasflow)"),
        Valid("""
            import tensorflow as tf

            def profile(step, x):
                tf.config.run_functions_eagerly(True)
                out = step(x)
                tf.config.run_functions_eagerly(False)
                return out
        """, note="turned off again later in the same block"),
        Valid("""
            import tensorflow as tf

            def initialize(params):
                if params.runtime.run_eagerly:
                    # Enable eager execution to allow step-by-step debugging
                    tf.config.run_functions_eagerly(True)
        """, note="issue 10 P19: a run-time option asks for eager execution for the whole run (like "
                  "`run_functions_eagerly(args.eager)`); nothing to switch back"),
        Valid("""
            import logging
            import warnings

            import tensorflow as tf

            logger = logging.getLogger(__name__)

            class TorchWrapper:
                def __init__(self, torch_model):
                    self.model = torch_model
                    tf.config.run_functions_eagerly(True)
                    warnings.warn("TF is set to run eagerly to avoid conflict with PyTorch")

            class PDF:
                def __init__(self, compilable=True):
                    if not compilable:
                        logger.warning("Setting eager mode will affect all of TF")
                        tf.config.run_functions_eagerly(True)
        """, note="a deliberate process-wide switch that the library announces (issue 10 P35-corpusc/P49-fixb, "
                  "xplique and pdfflow)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            tf.config.run_functions_eagerly(True)

            @tf.function
            def step(x):
                print("traced or eager?")
                return x + 1
        """, lines=(3,)),
        Invalid("""
            import tensorflow as tf

            def main(step, x):
                tf.config.experimental_run_functions_eagerly(True)
                if x is None:
                    return None
                tf.config.run_functions_eagerly(False)
                return step(x)
        """, lines=(4,), note="an early return skips the False call; deprecated name too"),
        Invalid("""
            import tensorflow as tf

            DEBUG = False

            if DEBUG:
                tf.config.run_functions_eagerly(True)
        """, lines=(6,), note="guarded by a debug flag: info"),
        Invalid("""
            from tensorflow import config

            config.experimental_run_functions_eagerly(False)
        """, lines=(3,), config={"min-tensorflow-version": "2.4"}, note="deprecated name alone: safe rename"),
        Invalid("""
            import logging

            import tensorflow as tf

            def main():
                tf.config.run_functions_eagerly(True)
                logging.info("starting training")
        """, lines=(6,), note="a log next to it that does not mention eager mode"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            return
        parents = _parents(ctx.summary.source.tree)
        constants = _module_constants(ctx.summary.source.tree)
        for call in _switch_calls(ctx, ctx.summary.source.tree):
            deprecated = ctx.qualify(call.func) in _DEPRECATED and not _version_shim(call, parents)
            left_on = _literal(_flag_value(call)) is True and not _turned_off_after(ctx, call, parents)
            guarded = _debug_guarded(call, parents, constants) if left_on else None
            if guarded == "option":
                left_on = False  # `if args.debug:`: the user asks for eager mode for this run
            elif left_on and _announced(ctx, call, parents):
                left_on = False  # the code tells its user that it switches eager mode on: the switch is the feature
            if not (deprecated or left_on):
                continue
            # A deprecated name alone is housekeeping (a rename), not a hazard: info (issue 10 severity policy).
            severity = None if left_on else Severity.INFO
            parts = []
            if left_on:
                severity = Severity.INFO if guarded else None
                parts.append(
                    "turns graph execution off for every tf.function in the process and is not switched back "
                    "off on all exit paths" + (" (it is behind a debug flag; make sure it stays off)" if guarded else
                                               "; restore it with `run_functions_eagerly(False)` in a `finally`")
                )
            if deprecated:
                rename = "`experimental_run_functions_eagerly` is deprecated; use `tf.config.run_functions_eagerly`"
                if ctx.min_tf_version is None or tuple(ctx.min_tf_version) < RUN_FUNCTIONS_EAGERLY_SINCE:
                    # pdfflow supports TF < 2.3, which lacks the new name (issue 11 P6-tffalse)
                    rename += (f" (it exists from TensorFlow {version_text(RUN_FUNCTIONS_EAGERLY_SINCE)}: where "
                               "older versions are supported, call it only on those that have it)")
                parts.append(rename)
            fix: Fix | None
            if deprecated:
                fix = version_gated_fix(
                    "rename to `tf.config.run_functions_eagerly` (the experimental name only delegates to it)",
                    ctx.min_tf_version, RUN_FUNCTIONS_EAGERLY_SINCE, "`tf.config.run_functions_eagerly`")
            else:
                fix = Fix("remove the call, or switch it back off with `tf.config.run_functions_eagerly(False)` "
                          "in a `finally`", FixSafety.SUGGESTION, reason="code may rely on eager behaviour")
            message = f"`{ctx.source.segment(call.func)}(...)` " + "; ".join(parts)
            yield ctx.report(self, call, message, fix=fix, severity=severity)


def _parents(tree: ast.Module) -> dict[int, ast.AST]:
    # Only modules that mention run_functions_eagerly get here (requires_text), so a full walk is cheap.
    out: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            out[id(child)] = node
    return out


def _switch_calls(ctx: ModuleContext, root: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(root):
        if isinstance(node, ast.Call) and ctx.qualify(node.func) in (_CURRENT | _DEPRECATED):
            yield node


def _is_off_call(ctx: ModuleContext, node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and ctx.qualify(node.func) in (_CURRENT | _DEPRECATED) and (
        _literal(_flag_value(node)) is False)


def _has_off_call(ctx: ModuleContext, stmts: list[ast.stmt]) -> bool:
    return any(_is_off_call(ctx, n) for st in stmts for n in ast.walk(st))


def _exits_early(stmt: ast.stmt) -> bool:
    """A return/raise/break/continue in `stmt` (outside nested functions) can skip what follows."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Return, ast.Raise, ast.Break, ast.Continue)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def _turned_off_after(ctx: ModuleContext, call: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """A `(False)` call in an enclosing `finally`, or later in an enclosing block with no early exit between.

    The sequential form ignores exceptional exits on purpose: an exception between the two calls
    usually ends the program, and flagging every debug-then-restore pair would be noise.
    """
    node: ast.AST = call
    may_skip = False  # an early exit after the call skips later (False) calls, but not a `finally`
    while True:
        parent = parents.get(id(node))
        if parent is None or isinstance(node, _SCOPES):
            return False
        if isinstance(parent, (ast.Try, getattr(ast, "TryStar", ast.Try))) and node not in parent.finalbody:
            if _has_off_call(ctx, parent.finalbody):
                return True
        if isinstance(node, ast.stmt) and not may_skip:
            for block_name in ("body", "orelse", "finalbody"):
                block = getattr(parent, block_name, None)
                if isinstance(block, list) and node in block:
                    for later in block[block.index(node) + 1:]:
                        if any(_is_off_call(ctx, n) for n in ast.walk(later)):
                            return True
                        if _exits_early(later):
                            may_skip = True
                            break
        if isinstance(parent, _SCOPES):
            return False
        node = parent


def _debug_guarded(call: ast.Call, parents: dict[int, ast.AST], constants: set[str]) -> str | None:
    """How the call is guarded by a debug flag: "constant" (`DEBUG = False` ... `if DEBUG:`, a switch
    that can be committed on), "option" (a parameter, `args.debug`, `FLAGS.debug`, the environment:
    chosen by whoever runs the program), or None."""
    node: ast.AST = call
    while (parent := parents.get(id(node))) is not None and not isinstance(parent, _SCOPES[:-1]):
        if isinstance(parent, ast.If) and node is not parent.test and _mentions_debug(parent.test):
            names = {n.id for n in ast.walk(parent.test) if isinstance(n, ast.Name)}
            return "constant" if names & constants else "option"
        node = parent
    return None


def _module_constants(tree: ast.Module) -> set[str]:
    """Module-level names bound to a literal (`DEBUG = False`)."""
    return {t.id for st in tree.body if isinstance(st, ast.Assign) and isinstance(st.value, ast.Constant)
            for t in st.targets if isinstance(t, ast.Name)}


def _version_shim(call: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """The call sits in a branch chosen by the TensorFlow version (`if tf.__version__ < "2.3":`): the
    old name is kept on purpose for the versions that lack the new one."""
    node: ast.AST = call
    while (parent := parents.get(id(node))) is not None and not isinstance(parent, _SCOPES[:-1]):
        if isinstance(parent, ast.If) and node is not parent.test:
            for n in ast.walk(parent.test):
                word = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else ""
                if word in ("__version__", "VERSION"):
                    return True
        node = parent
    return False


# How many statements before or after the switch a message about it may stand.
_ANNOUNCEMENT_REACH = 2


def _announced(ctx: ModuleContext, call: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """A warning, log or print next to the call (in the same block, at most two statements away) whose
    text mentions eager mode: the library turns eager mode on for the whole process on purpose and says
    so (`warnings.warn("TF is set to run eagerly ...")`, `logger.warning("Setting eager mode will affect
    all of TF")`; issue 10 P35-corpusc, xplique and pdfflow)."""
    node: ast.AST = call
    while (parent := parents.get(id(node))) is not None and not isinstance(node, ast.stmt):
        node = parent
    parent = parents.get(id(node))
    for block_name in ("body", "orelse", "finalbody"):
        block = getattr(parent, block_name, None)
        if isinstance(block, list) and node in block:
            at = block.index(node)
            nearby = block[max(0, at - _ANNOUNCEMENT_REACH):at] + block[at + 1:at + 1 + _ANNOUNCEMENT_REACH]
            return any(_is_eager_message(ctx, n) for st in nearby if not isinstance(st, _SCOPES)
                       for n in ast.walk(st))
    return False


def _is_eager_message(ctx: ModuleContext, node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    qual = ctx.qualify(node.func)
    speaks = python_effect_of_call(qual) == "print" or (
        isinstance(node.func, ast.Attribute) and node.func.attr in LOGGING_METHODS)
    if not speaks:
        return False
    texts = [n.value for arg in node.args for n in ast.walk(arg)
             if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return any("eager" in text.lower() for text in texts)


def _mentions_debug(test: ast.expr) -> bool:
    for n in ast.walk(test):
        word = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else None
        if word is not None and (word == "__debug__" or any(w in word.lower() for w in _DEBUG_WORDS)):
            return True
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and any(w in n.value.lower() for w in _DEBUG_WORDS):
            return True  # os.environ.get("DEBUG")
    return False
