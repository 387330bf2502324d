"""Primitive and tensor parameters decided from every call site, across modules and packages (issue 11):
`import A`, `import pkg.mod as m`, `from pkg.mod import f`, re-exports in `__init__.py`, and two
modules defining a function of the same name. Expected values written out by hand."""
from __future__ import annotations

from tests.facts.helpers import fn, repo

PROJECT = {
    "pkg/__init__.py": "from .ops import scale\n",
    "pkg/ops.py": """
        import tensorflow as tf

        @tf.function
        def scale(x, n):
            return x * n

        def shift(x, k):
            return x + k
    """,
    "pkg/other.py": """
        import tensorflow as tf

        def shift(x, k):
            return x + k

        def use():
            return shift(tf.ones([2]), tf.constant(1))
    """,
    "app/__init__.py": "",
    "app/main.py": """
        import tensorflow as tf
        import pkg
        import pkg.ops as ops
        from pkg.ops import shift

        def run():
            pkg.scale(tf.ones([2]), 3)
            shift(tf.ones([2]), 2)
            ops.shift(tf.ones([2]), 4)
    """,
}


def test_reexported_function_gets_its_call_sites() -> None:
    scale = fn(repo(PROJECT), "pkg/ops.py", "scale")
    assert scale.primitive_parameters["n"].value is True
    assert scale.tensor_parameters["x"].value is True


def test_from_import_and_module_alias_call_sites() -> None:
    shift = fn(repo(PROJECT), "pkg/ops.py", "shift")
    assert shift.primitive_parameters["k"].value is True
    assert "app/main.py" in shift.primitive_parameters["k"].reason


def test_same_name_in_two_modules_keeps_its_own_call_sites() -> None:
    other = fn(repo(PROJECT), "pkg/other.py", "shift")
    assert other.primitive_parameters["k"].value is False
    assert other.tensor_parameters["k"].value is True
