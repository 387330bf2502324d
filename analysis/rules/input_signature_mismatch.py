"""HYB009: an `input_signature` that does not fit the function it decorates."""
from __future__ import annotations

import ast
from typing import Iterable

from ..facts.paths import is_test_path
from ..model import Finding, Fix, FixSafety, Severity
from ..summary import FunctionInfo, HybridSite
from .base import Invalid, ModuleContext, Rule, Valid

_SPEC_TYPES = frozenset({"tensorflow.TensorSpec", "tensorflow.RaggedTensorSpec", "tensorflow.SparseTensorSpec"})


def _positional_params(target: FunctionInfo) -> tuple[list[ast.arg], int, bool, bool]:
    """(positional params without self, count of those with defaults, has *args, has **kwargs)."""
    args = target.node.args
    params = list(args.posonlyargs + args.args)
    in_class = target.cls is not None
    # A class defined inside a function (common in tests) is not in the module's class table, but its
    # methods still take `self`, which the bound method supplies.
    if params and (params[0].arg == "self" or (in_class and params[0].arg == "cls")):
        params = params[1:]
    return params, len(args.defaults), args.vararg is not None, args.kwarg is not None


def _imported_target(ctx: ModuleContext, site: HybridSite) -> FunctionInfo | None:
    """The project function `tf.function(f, ...)` wraps when `f` is imported from another module
    (`from pkg.model import predict`, `import pkg.model as m; m.predict`; issue 11, mining study)."""
    if site.kind != "call" or site.target_expr is None:
        return None
    if site.enclosing is not None and isinstance(site.target_expr, ast.Name) \
            and site.target_expr.id in ctx.body(site.enclosing).local_names():
        return None  # a local or parameter shadows the import
    qual = ctx.qualify(site.target_expr)
    found = ctx.project.lookup_qualified(qual) if qual is not None else None
    return found if isinstance(found, FunctionInfo) and found.cls is None else None


class InputSignatureMismatch(Rule):
    code = "HYB009"
    name = "input-signature-mismatch"
    severity = Severity.ERROR
    fix_safety = FixSafety.SUGGESTION
    summary = "An input_signature that does not match the parameters fails at definition or at every call it does not fit."
    what = """
        Checks a literal `input_signature=[...]` of a `tf.function` against the function's parameters:
        fewer specs than required parameters, more specs than parameters, parameters left out of the
        signature (frozen to their defaults), `**kwargs` (extra keywords are rejected), and specs that
        fix the batch (first) dimension to a constant (not in tests, which feed exactly the shapes they
        declare).
    """
    why = """
        With an `input_signature` every input is bound to its spec. TensorFlow 2.21 raises `TypeError`
        when decorating a function whose required parameter has no spec, and when the signature has more
        specs than parameters. A parameter outside the signature is frozen to its default: passing any
        other value raises. A constant batch dimension makes every other batch size raise; the last,
        partial batch of an epoch is the classic victim.
    """
    example = """
        import tensorflow as tf

        @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)])
        def predict(images, temperature):
            return images / temperature
    """
    use_instead = """
        import tensorflow as tf

        @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.float32),
                                      tf.TensorSpec([], tf.float32)])
        def predict(images, temperature):
            return images / temperature
    """
    fix_doc = """
        Suggestion only: the right spec (shape and dtype) for a missing parameter, or whether a fixed batch
        size is deliberate (a serving export), is a decision for a person.
    """
    references = (
        "https://www.tensorflow.org/api_docs/python/tf/function",
        "https://www.tensorflow.org/guide/function#controlling_retracing",
    )
    valid = (
        Valid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
            def f(x):
                return x * 2
        """),
        Valid("""
            import tensorflow as tf

            class Model(tf.Module):
                @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.bool)])
                def __call__(self, x, training=False):
                    return x
        """, note="self needs no spec; a spec'd parameter may keep a default"),
        Valid("""
            import tensorflow as tf

            SIGNATURE = [tf.TensorSpec([None], tf.float32)]

            @tf.function(input_signature=SIGNATURE)
            def f(x, y):
                return x + y
        """, note="a signature that is not a literal list is not checked"),
        Valid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([1, 224, 224, 3], tf.float32)])
            def serve_one_image(image):
                return image
        """, note="a batch dimension of 1 is a deliberate single-example signature"),
        Valid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.int64),
                                          tf.TensorSpec(shape=[4, None], dtype=tf.float64)])
            def interpolate(index, corners):
                return tf.gather(corners, index, axis=1)
        """, note="the fixed leading axis (four interpolation knots) is structure: the `None` axis after it is "
                  "the one that varies (issue 10 P32-corpusc, pdfflow)"),
        Valid("""
            import tensorflow as tf

            def test_exec():
                class Model(tf.Module):
                    @tf.function(input_signature=[tf.TensorSpec([], tf.float64)])
                    def exec(self, x):
                        return x * 2.0

                Model().exec(tf.constant(2.0, tf.float64))
        """, note="`self` of a method of a class defined in a function is bound, not in the signature"),
        Valid({
            "tests/export_test.py": """
                import tensorflow as tf

                @tf.function(input_signature=[tf.TensorSpec((8, 2), tf.float32)])
                def pre_processor(a):
                    return a + 1

                def test_pre_processor():
                    assert pre_processor(tf.ones((8, 2))).shape == (8, 2)
            """,
        }, path="tests/export_test.py", note="a test feeds exactly the shapes it declares: no partial batch "
                                            "(jax2tf, orbax-export; P57-growb)"),
        Valid({
            "serving/__init__.py": "",
            "serving/model.py": """
                def predict(images, temperature=1.0):
                    return images / temperature
            """,
            "serving/export.py": """
                import tensorflow as tf
                from serving.model import predict

                serve = tf.function(predict, input_signature=[tf.TensorSpec([None, 28, 28], tf.float32),
                                                              tf.TensorSpec([], tf.float32)])
            """,
        }, path="serving/export.py", note="an imported function whose signature fits"),
    )
    invalid = (
        Invalid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)])
            def predict(images, temperature):
                return images / temperature
        """, lines=(3,)),
        Invalid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([None]), tf.TensorSpec([None])])
            def f(x):
                return x
        """, lines=(3,)),
        Invalid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
            def scale(x, factor=2.0):
                return x * factor
        """, lines=(3,)),
        Invalid("""
            import tensorflow as tf

            @tf.function(input_signature=[tf.TensorSpec([32, 10], tf.float32)])
            def logits(x, **kwargs):
                return x
        """, lines=(3,)),
        Invalid({
            "serving/__init__.py": "",
            "serving/model.py": """
                def predict(images, temperature):
                    return images / temperature
            """,
            "serving/export.py": """
                import tensorflow as tf
                from serving.model import predict

                serve = tf.function(predict, input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)])
            """,
        }, path="serving/export.py", lines=(4,), note="the function imported from another module (issue 11)"),
        Invalid({
            "serving/__init__.py": "from .model import predict\n",
            "serving/model.py": """
                def predict(images, temperature):
                    return images / temperature
            """,
            "export.py": """
                import tensorflow as tf
                import serving

                serve = tf.function(serving.predict, input_signature=[tf.TensorSpec([None], tf.float32)])
            """,
        }, path="export.py", lines=(4,), note="re-exported by the package __init__"),
    )

    def check(self, ctx: ModuleContext) -> Iterable[Finding]:
        for site in ctx.summary.hybrid_sites:
            signature = site.keywords.get("input_signature")
            if signature is None or not isinstance(signature, (ast.List, ast.Tuple)):
                continue
            target = site.target or _imported_target(ctx, site)
            if target is None or isinstance(target.node, ast.Lambda):
                continue
            specs = signature.elts
            params, n_defaults, has_varargs, has_kwargs = _positional_params(target)
            required = len(params) - n_defaults
            name = target.qualname
            fix = Fix("make the signature list one spec per parameter", FixSafety.SUGGESTION)
            if len(specs) < required:
                missing = ", ".join(p.arg for p in params[len(specs):required])
                yield ctx.report(self, signature, f"input_signature of `{name}` has {len(specs)} spec(s) but the "
                                 f"function requires {required} argument(s): TensorFlow raises TypeError when "
                                 f"decorating it (no spec for {missing})", fix=fix)
            elif len(specs) > len(params) and not has_varargs:
                yield ctx.report(self, signature, f"input_signature of `{name}` has {len(specs)} specs but the "
                                 f"function takes {len(params)} argument(s): TensorFlow raises TypeError", fix=fix)
            elif len(specs) < len(params):
                frozen = ", ".join(p.arg for p in params[len(specs):])
                yield ctx.report(self, signature, f"`{frozen}` of `{name}` is not in the input_signature: it is frozen "
                                 f"to its default and passing any other value raises TypeError",
                                 fix=fix, severity=Severity.WARNING)
            if has_kwargs:
                yield ctx.report(self, signature, f"`{name}` takes **kwargs but has an input_signature: any call that "
                                 f"passes an extra keyword raises TypeError", fix=fix, severity=Severity.WARNING)
            yield from self._fixed_batch(ctx, site, specs, name)

    def _fixed_batch(self, ctx: ModuleContext, site: HybridSite, specs: list[ast.expr], name: str) -> Iterable[Finding]:
        if is_test_path(ctx.path):
            # A test feeds exactly the shapes it declares (jax2tf's 512x512 gradient test, orbax-export's
            # pre-processor fixture): there is no last partial batch (issue 10 P57-growb).
            return
        for spec in specs:
            if not (isinstance(spec, ast.Call) and ctx.qualify(spec.func) in _SPEC_TYPES):
                continue
            shape = spec.args[0] if spec.args else next((k.value for k in spec.keywords if k.arg == "shape"), None)
            if isinstance(shape, (ast.List, ast.Tuple)) and len(shape.elts) >= 2:
                first = shape.elts[0]
                # A later `None` axis is the one that varies (`[4, None]`: four interpolation knots by any
                # number of points, pdfflow): the fixed leading axis is structure, not a batch (issue 10 P32-corpusc).
                varying_later = any(isinstance(d, ast.Constant) and d.value is None for d in shape.elts[1:])
                if (isinstance(first, ast.Constant) and isinstance(first.value, int) and first.value > 1
                        and not varying_later):
                    yield ctx.report(
                        self, spec,
                        f"input_signature of `{name}` fixes the batch dimension to {first.value}: any other batch "
                        f"size (such as a last partial batch) raises TypeError; use None unless this is deliberate",
                        severity=Severity.INFO,
                        fix=Fix("use None for the batch dimension", FixSafety.SUGGESTION))
