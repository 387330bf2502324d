"""HYB010: the deprecated `experimental_relax_shapes=` keyword of tf.function."""
from __future__ import annotations

import ast
import re
from typing import Iterable, Iterator

from ..model import Finding, FixSafety, Severity
from ..summary import FunctionInfo, HybridSite
from ..tfversion import REDUCE_RETRACING_SINCE  # evidence for the version: analysis/tfversion.py
from ._version_gate import version_gated_fix, version_text
from .base import Invalid, ModuleContext, Rule, Valid



def site_keywords(site: HybridSite, name: str) -> Iterator[ast.keyword]:
    """The `name=` keyword nodes of a tf.function decorator or call (positions for the finding)."""
    if isinstance(site.node, ast.Call) and site.kind in ("decorator", "call"):
        for kw in site.node.keywords:
            if kw.arg == name:
                yield kw


def tf_function_keywords(ctx: ModuleContext, name: str) -> Iterator[tuple[ast.keyword, set[str], FunctionInfo | None]]:
    """(keyword node, every keyword name of that call, enclosing function) for each `name=` handed to
    tf.function: on a decorator or `tf.function(...)` call, and through `functools.partial(tf.function,
    name=...)`, which forwards its keywords to tf.function unchanged."""
    for site in ctx.summary.hybrid_sites:
        for kw in site_keywords(site, name):
            yield kw, set(site.keywords), site.enclosing
    for node in ctx.shared("partial_tf_function_calls", lambda: _partial_tf_function_calls(ctx)):
        names = {k.arg for k in node.keywords if k.arg is not None}
        for kw in node.keywords:
            if kw.arg == name:
                yield kw, names, None


def _partial_tf_function_calls(ctx: ModuleContext) -> list[ast.Call]:
    """The module's `functools.partial(tf.function, ...)` calls, computed once per module
    and shared by HYB010 and HYB011. A module that imports nothing from `functools` has none (no name in it
    qualifies to `functools.partial`): that skips a walk of the whole tree, measured as the largest single
    cost of the rules on the corpus (bench/RESULTS.md)."""
    names = ctx.summary.imports.names
    if not any(target == "functools" or target.startswith("functools.") for target in names.values()):
        return []
    # The callee is `<...>.partial` or a name bound to it (`from functools import partial as P`): only the
    # top-level statements whose lines hold one of those words can contain such a call.
    words = {"partial"} | {name for name, target in names.items() if target == "functools.partial"}
    pattern = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, words))) + r")\b")
    lines = [i for i, text in enumerate(ctx.source.lines, 1) if pattern.search(text)]
    if not lines:
        return []
    out = []
    for statement in ctx.summary.source.tree.body:
        end = statement.end_lineno or statement.lineno
        if not any(statement.lineno <= line <= end for line in lines):
            continue
        out.extend(node for node in ast.walk(statement)
                   if isinstance(node, ast.Call) and node.args and ctx.qualify(node.func) == "functools.partial"
                   and ctx.qualify(node.args[0]) == "tensorflow.function")
    return out


def _rename_description(value: ast.expr) -> str:
    # TF's wrapper does `if experimental_relax_shapes: reduce_retracing = True` (polymorphic_function.py),
    # so only the truthiness of the value matters.
    if isinstance(value, ast.Constant) and value.value is False:
        return "remove `experimental_relax_shapes=False` (both keywords default to off)"
    if isinstance(value, ast.Constant) and value.value is True:
        return "rename `experimental_relax_shapes=True` to `reduce_retracing=True`"
    return "replace `experimental_relax_shapes=X` with `reduce_retracing=bool(X)` (TF tests its truthiness)"


class DeprecatedRelaxShapes(Rule):
    code = "HYB010"
    name = "deprecated-relax-shapes"
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    summary = "`experimental_relax_shapes` is deprecated; `reduce_retracing` does the same."
    what = """
        Finds `experimental_relax_shapes=...` passed to `tf.function`, as a decorator argument or in a
        `tf.function(f, ...)` call, or through `functools.partial(tf.function, ...)` (which forwards it unchanged).
    """
    why = """
        TensorFlow deprecated the keyword in favour of `reduce_retracing` ("experimental_relax_shapes is
        deprecated, use reduce_retracing instead"; the warning is logged only when the function is defined
        before eager execution starts, e.g. at import time, or in graph mode, so many users never see it).
        The wrapper only forwards it: `if experimental_relax_shapes: reduce_retracing = True`, so the new
        keyword behaves identically, and the old one will be removed in a future version.
    """
    example = """
        import tensorflow as tf

        @tf.function(experimental_relax_shapes=True)
        def scale(x):
            return x * 2
    """
    use_instead = """
        import tensorflow as tf

        @tf.function(reduce_retracing=True)
        def scale(x):
            return x * 2
    """
    fix_doc = """
        Safe when the project's minimum TensorFlow version is 2.9 or later (where `reduce_retracing`
        exists): `=True` is renamed, `=False` is removed (both default to off), any other value `X` becomes
        `reduce_retracing=bool(X)` because TensorFlow only tests its truthiness. Without a declared minimum
        version, below 2.9, or when `reduce_retracing` is also passed, it is a suggestion. Upgrading
        TensorFlow itself can change retracing behaviour (tensorflow/tensorflow#56414); the rename does not.
    """
    references = (
        "https://www.tensorflow.org/api_docs/python/tf/function",
        "https://github.com/tensorflow/tensorflow/releases/tag/v2.9.0",
        "https://github.com/tensorflow/tensorflow/blob/v2.21.0/tensorflow/python/eager/polymorphic_function/polymorphic_function.py",
        "https://github.com/tensorflow/tensorflow/issues/56414",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function(reduce_retracing=True)
            def scale(x):
                return x * 2
        """, note="the new keyword"),
        Valid("""
            import tensorflow as tf

            def function(f, experimental_relax_shapes=False):
                return f

            @function(experimental_relax_shapes=True)
            def scale(x):
                return x * 2
        """, note="a project function named `function` is not tf.function"),
        Valid("""
            import tensorflow as tf

            options = {"experimental_relax_shapes": True}

            def build(layer, experimental_relax_shapes=True):
                return layer

            build(None, experimental_relax_shapes=True)
        """, note="the keyword on something other than tf.function"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function(experimental_relax_shapes=True)
            def scale(x):
                return x * 2
        """, lines=(3,)),
        Invalid("""
            import tensorflow as tf

            def scale(x):
                return x * 2

            fast_scale = tf.function(scale,
                                     experimental_relax_shapes=True)
        """, lines=(7,), config={"min-tensorflow-version": "2.12"}, note="safe fix: minimum TF 2.12"),
        Invalid("""
            from tensorflow import function

            class Model:
                def build(self, relax):
                    self.step = function(self.call, experimental_relax_shapes=relax,
                                         reduce_retracing=False)

                def call(self, x):
                    return x
        """, lines=(5,), note="both keywords: suggestion only"),
        Invalid("""
            import functools
            import tensorflow as tf

            graph_fn = functools.partial(tf.function, experimental_relax_shapes=True)

            @graph_fn
            def step(x):
                return x * 2
        """, lines=(4,), note="a decorator made with functools.partial forwards the keyword to tf.function"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for kw, keywords, enclosing in tf_function_keywords(ctx, "experimental_relax_shapes"):
            both = "reduce_retracing" in keywords
            fix = version_gated_fix(
                _rename_description(kw.value), ctx.min_tf_version, REDUCE_RETRACING_SINCE,
                "`reduce_retracing`",
                blocked="`reduce_retracing` is passed too; merge the two by hand" if both else None,
            )
            message = ("`experimental_relax_shapes` is deprecated since TensorFlow 2.9; use "
                       "`reduce_retracing`, which TensorFlow sets from it anyway")
            if ctx.min_tf_version is None or tuple(ctx.min_tf_version) < REDUCE_RETRACING_SINCE:
                # A project that still supports TF < 2.9 cannot rename outright (alibi 0.9.6 supports
                # 2.0-2.14; issue 11 P6-tffalse): the message says so rather than suggest a breaking edit.
                message += (f" (`reduce_retracing` exists from TensorFlow {version_text(REDUCE_RETRACING_SINCE)}: "
                            "where older versions are supported, pass it only on those that have it)")
            yield ctx.report(self, kw, message, fn=enclosing, fix=fix)
