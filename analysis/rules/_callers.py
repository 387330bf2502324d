"""What a rule asks of a function's callers before it reports: the shapes of walking their bodies.

Several rules leave a graph function alone because of how it is called: only from its class's
initializers, only under a create-once guard, only with a message meant for trace time, only by a
method that consumes what it stores, only as a tf.py_function callback (HYB002, HYB001, HYB004,
HYB013). Each asks one of the three questions below with its own test; the walks live here once, so
the rules agree on which callers count (the module's top level never satisfies a test; eager callers
do not count for a question about graph code) and on where a caller calls the function (the calls on
the call site's line).
"""
from __future__ import annotations

import ast
from typing import Callable

from ..body import FunctionBody
from ..facts.model import CallSite
from ..project import FunctionRef, GraphFunction
from ..summary import FunctionInfo
from .base import ModuleContext


def every_caller(ctx: ModuleContext, info: FunctionInfo,
                 test: Callable[[FunctionInfo | FunctionRef, CallSite], bool]) -> bool:
    """`info` has a known caller, and every caller passes `test(caller, call site)` (a call from a
    module's top level fails: it is not a function that could consume or set anything up)."""
    callers = ctx.project.callers_of(info)
    if not callers:
        return False
    return all(caller is not None and test(caller, site) for caller, site in callers)


def every_graph_call(ctx: ModuleContext, info: FunctionInfo,
                     test: Callable[[FunctionBody, list[ast.Call]], bool]) -> bool:
    """`info` is called from graph code, and at every call site in a graph caller the calls of `info` on
    the site's line pass `test(caller body, calls)`. Callers that run eagerly (and the module top level)
    are skipped: each of their calls runs the Python code anyway. A caller whose body cannot be read (its
    module is not parsed in a warm run) or with no call by that name on the line fails."""
    graph_sites = 0
    for caller, site in ctx.project.callers_of(info):
        if caller is None:
            continue  # module top level: eager
        try:
            if ctx.project.in_graph(caller) is None:
                continue  # an eager caller runs the Python code on every call
            body = ctx.project.body(caller)
        except KeyError:
            return False
        calls = [c for c in body.calls if c.lineno == site.line and isinstance(c.func, (ast.Attribute, ast.Name))
                 and (c.func.attr if isinstance(c.func, ast.Attribute) else c.func.id) == info.name]
        if not calls or not test(body, calls):
            return False
        graph_sites += 1
    return graph_sites > 0


def graph_caller_links(ctx: ModuleContext, gf: GraphFunction) -> tuple[FunctionBody, list[ast.AST]] | None:
    """Where the caller that puts `gf` in graph context (the step before it on its graph path) calls it or
    hands it on: that caller's body and those nodes; None when it has none."""
    caller = gf.caller
    links = [node for target, node in ctx.project.callees(caller) if target is gf.info]
    if not links:
        return None
    return ctx.project.body(caller), links
