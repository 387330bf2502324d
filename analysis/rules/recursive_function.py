"""HYB020: a tf.function that calls itself, directly or through other project functions."""
from __future__ import annotations

import ast
from collections import deque
from typing import Iterable

from ..model import Finding, Fix, FixSafety, Severity
from ..project import Project
from ..summary import FunctionInfo
from .base import Invalid, ModuleContext, Rule, Valid

# Messages show at most this many names of a long cycle.
_MAX_SHOWN = 6


class CallGraph:
    """Project call edges, resolved once per function per analysis run (rules live for one run).

    Which functions form a cycle is a fact (`RepoFacts.call_cycle`, computed once per run); this class
    only rebuilds, inside one cycle, the shortest path the message shows.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self._edges: dict[int, list[tuple[FunctionInfo, ast.AST]]] = {}

    def callees(self, fn: FunctionInfo) -> list[tuple[FunctionInfo, ast.AST]]:
        edges = self._edges.get(id(fn))
        if edges is None:
            edges = self._edges[id(fn)] = self.project.callees(fn)
        return edges

    def cycle_starts(self, root: FunctionInfo) -> dict[int, list[FunctionInfo]]:
        """For each function that root calls and that leads back to root: id -> path callee .. root.

        Whatever leads back to root is in root's strongly connected component, and so is every step of
        a path between them: both searches stay inside it. A forward search collects the component's
        edges; one backward search finds each member's next step towards root; shortest paths are then
        rebuilt only for the callees that close a cycle.
        """
        facts = self.project.facts
        cycle = facts.call_cycle(root)
        if not cycle:
            return {}
        reached: dict[int, FunctionInfo] = {id(root): root}
        callers: dict[int, list[FunctionInfo]] = {}
        queue: deque[FunctionInfo] = deque([root])
        while queue:
            fn = queue.popleft()
            for callee, _node in self.callees(fn):
                if facts.fid(callee) not in cycle:
                    continue
                callers.setdefault(id(callee), []).append(fn)
                if id(callee) not in reached:
                    reached[id(callee)] = callee
                    queue.append(callee)
        # Backward from root: next_hop[f] is f's next step on a shortest path to root.
        next_hop: dict[int, FunctionInfo] = {}
        queue = deque([root])
        seen = {id(root)}
        while queue:
            fn = queue.popleft()
            for caller in callers.get(id(fn), ()):
                if id(caller) not in seen:
                    seen.add(id(caller))
                    next_hop[id(caller)] = fn
                    queue.append(caller)
        out: dict[int, list[FunctionInfo]] = {}
        for callee, _node in self.callees(root):
            if callee is root:
                out[id(callee)] = [root]
            elif id(callee) in next_hop:
                path, step = [callee], callee
                while step is not root:
                    step = next_hop[id(step)]
                    path.append(step)
                out[id(callee)] = path
        return out


class RecursiveFunction(Rule):
    code = "HYB020"
    name = "recursive-function"
    severity = Severity.ERROR
    fix_safety = FixSafety.SUGGESTION
    summary = "Recursive tf.functions are not supported: tracing recurses forever or retraces per depth."
    what = """
        Finds a `tf.function` (or Keras train step) that calls itself, directly or through other project
        functions (mutual recursion), including calls passed as callbacks. The call in the `tf.function`
        that starts the cycle is reported. A nested `tf.function` whose cycle passes through the function
        that defines it is not reported: each level creates a new `tf.function` object.
    """
    why = """
        The TensorFlow guide says recursive `tf.function`s are not supported. With a tensor argument the
        base case cannot stop the Python recursion during tracing (both branches of a tensor `if` are
        traced), so tracing recurses until Python's recursion limit; with Python arguments every depth
        is a new trace, so the function retraces once per level. Hybridize refuses to hybridize
        recursive functions (`IS_RECURSIVE`).
    """
    example = """
        import tensorflow as tf

        @tf.function
        def factorial(n):
            if n <= 1:
                return tf.constant(1)
            return n * factorial(n - 1)
    """
    use_instead = """
        import tensorflow as tf

        @tf.function
        def factorial(n):
            result = tf.constant(1)
            for i in tf.range(2, n + 1):
                result *= i
            return result
    """
    fix_doc = "Suggestion only: rewrite iteratively with `tf.range`/`tf.while_loop`, or do not hybridize the function."
    references = (
        "https://www.tensorflow.org/guide/function#recursive_tffunctions_are_not_supported",
        "https://github.com/ponder-lab/Hybridize-Functions-Refactoring",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            def factorial(n):
                return 1 if n <= 1 else n * factorial(n - 1)

            @tf.function
            def scaled(x):
                return x * factorial(5)
        """, note="a recursive helper that is not a tf.function and does not call one"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def factorial(n):
                result = tf.constant(1)
                for i in tf.range(2, n + 1):
                    result *= i
                return result
        """, note="iterative"),
        Valid("""
            import tensorflow as tf

            def minimize(loss, jit_compile=False):
                if jit_compile:
                    @tf.function(jit_compile=True)
                    def run_jitted():
                        return minimize(loss, jit_compile=False)
                    return run_jitted()
                return loss * 2
        """, note="re-entry through the defining function creates a new tf.function"),
        Valid("""
            import tensorflow as tf

            @tf.function
            def outer(x):
                return inner(x) + 1

            @tf.function
            def inner(x):
                return x * 2
        """, note="a tf.function calling another one, no cycle"),
        Valid("""
            import tensorflow as tf

            class Node:
                def size(self):
                    return 1 + sum(child.size() for child in self.children)

            @tf.function
            def total(tree, x):
                return x * tree.size()
        """, note="recursion outside the tf.function's cycle"),
        Valid("""
            import tensorflow as tf

            class Acquisition:
                @tf.function
                def __call__(self, x):
                    tf.debugging.assert_positive(tf.size(x), f"{type(self).__name__} needs points")
                    return x * 2 if isinstance(self, Acquisition) else x
        """, note="the instance handed to type()/isinstance() is data, not a call of __call__ (issue 10 P23-corpusa)"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function
            def factorial(n):
                if n <= 1:
                    return tf.constant(1)
                return n * factorial(n - 1)
        """, lines=(7,)),
        Invalid("""
            import tensorflow as tf

            @tf.function
            def is_even(n):
                return tf.constant(True) if n == 0 else is_odd(n - 1)

            def is_odd(n):
                return tf.constant(False) if n == 0 else is_even(n - 1)
        """, lines=(5,), note="mutual recursion through a helper"),
        Invalid({
            "pkg/__init__.py": "",
            "pkg/walk.py": """
                from pkg import tree

                def visit(node):
                    return tree.depth(node.child)
            """,
            "pkg/tree.py": """
                import tensorflow as tf
                from pkg.walk import visit

                @tf.function
                def depth(node):
                    return 1 + visit(node)
            """,
        }, path="pkg/tree.py", lines=(6,), note="across modules"),
        Invalid("""
            import tensorflow as tf

            class Model(tf.keras.Model):
                def train_step(self, data):
                    if data is None:
                        return {}
                    return self.train_step(data[1:])
        """, lines=(7,), note="a Keras train_step calling itself"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        graph = getattr(self, "_graph", None)
        if graph is None or graph.project is not ctx.project:
            graph = self._graph = CallGraph(ctx.project)
        for fn in ctx.summary.functions:
            if fn.hybrid is None:
                continue
            cycles = graph.cycle_starts(fn)
            if not cycles:
                continue
            for callee, node in graph.callees(fn):
                cycle = cycles.get(id(callee))
                if cycle is None or (fn.parent is not None and fn.parent in cycle):
                    # A nested tf.function whose cycle runs through the function that defines it gets a
                    # new tf.function object per level (TFP's jit_compile re-entry pattern); that is
                    # ordinary recursion of the outer function, not recursive tracing.
                    continue
                names = [f.qualname for f in [fn] + cycle]
                shown = " -> ".join(names if len(names) <= _MAX_SHOWN else names[:_MAX_SHOWN - 1] + ["...", names[-1]])
                kind = "calls itself" if callee is fn else f"is recursive through {shown}"
                message = (f"tf.function `{fn.qualname}` {kind}; recursive tf.functions are not supported "
                           "(tracing recurses without end or retraces at every depth)")
                fix = Fix("rewrite iteratively with tf.range/tf.while_loop, or do not hybridize it",
                          FixSafety.SUGGESTION)
                yield ctx.report(self, node, message, fn=fn, fix=fix)
