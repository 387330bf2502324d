"""Before/after fixtures for the gated codemods: HYB021 (add @tf.function), HYB022/HYB023 (remove it),
HYB007 (hoist). The rules that attach these fixes come later; the codemods are tested on findings placed
where the location contract in analysis/fixes/decorators.py says the rules report them."""
from __future__ import annotations

import ast

import pytest

from hybridize_bot.analysis.fixes.document import CannotFix, Document
from hybridize_bot.analysis.fixes.registry import FIXERS

from .helpers import finding_at, fix_bytes

ADD = [
    ("uses-existing-alias", "def scale",
     b"import tensorflow as tnf\n\ndef scale(x):\n    return x * 2\n",
     b"import tensorflow as tnf\n\n@tnf.function\ndef scale(x):\n    return x * 2\n"),
    ("method-with-comment-above", "def call",
     b"import tensorflow as tf\n\nclass M:\n    # the forward pass\n    def call(self, x):\n        return x\n",
     b"import tensorflow as tf\n\nclass M:\n    # the forward pass\n    @tf.function\n    def call(self, x):\n        return x\n"),
    ("adds-import-after-docstring-and-future", "def step",
     b'"""Module doc."""\nfrom __future__ import annotations\n\nimport numpy as np\n\ndef step(x):\n    return x\n',
     b'"""Module doc."""\nfrom __future__ import annotations\n\nimport tensorflow as tf\nimport numpy as np\n\n@tf.function\ndef step(x):\n    return x\n'),
    ("bom-adds-import", "def f",
     b"\xef\xbb\xbf# caf\xc3\xa9\ndef f(x):\n    return x\n",
     b"\xef\xbb\xbf# caf\xc3\xa9\nimport tensorflow as tf\n@tf.function\ndef f(x):\n    return x\n"),
    ("crlf-tabs", "def f",
     b"import tensorflow as tf\r\nif True:\r\n\tdef f(x):\r\n\t\treturn x\r\n",
     b"import tensorflow as tf\r\nif True:\r\n\t@tf.function\r\n\tdef f(x):\r\n\t\treturn x\r\n"),
]

REMOVE = [
    ("bare-decorator", "@tf.function",
     b"import tensorflow as tf\n\n@tf.function\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n\ndef f(x):\n    return x\n"),
    ("multi-line-decorator-with-arguments-and-comments", "@tf.function",
     b"import tensorflow as tf\n\n# a comment that stays\n@tf.function(\n    input_signature=[tf.TensorSpec([None])],  # signature\n    jit_compile=True,\n)\n@other  # stays\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n\n# a comment that stays\n@other  # stays\ndef f(x):\n    return x\n"),
    ("reported-on-the-def", "def g",
     b"from tensorflow import function as tff\r\nclass A:\r\n    @tff(reduce_retracing=True)\r\n    def g(self):\r\n        return 1\r\n",
     b"from tensorflow import function as tff\r\nclass A:\r\n    def g(self):\r\n        return 1\r\n"),
    ("latin1-cookie", "@tf.function",
     "# -*- coding: latin-1 -*-\nimport tensorflow as tf\n@tf.function\ndef f(x):\n    return x + '\u00e9'\n".encode("latin-1"),
     "# -*- coding: latin-1 -*-\nimport tensorflow as tf\ndef f(x):\n    return x + '\u00e9'\n".encode("latin-1")),
    ("call-form-unwrapped", "tf.function(scale, jit_compile=True)",
     b"import tensorflow as tf\nfast = tf.function(scale, jit_compile=True)  # note\n",
     b"import tensorflow as tf\nfast = scale  # note\n"),
    ("call-form-lambda-parenthesized", "tf.function(lambda",
     b"import tensorflow as tf\nresult = tf.function(lambda x: x + 1)(3)\n",
     b"import tensorflow as tf\nresult = (lambda x: x + 1)(3)\n"),
]

HOIST = [
    ("nested-def-to-module-level", "@tf.function",
     b'''import tensorflow as tf


# Evaluation.
def evaluate(batches):
    out = []
    for batch in batches:
        # the step
        @tf.function
        def step(b):
            """Doubles.

            Indented docstring lines stay as they are."""
            return b * 2
        out.append(step(batch))
    return out
''',
     b'''import tensorflow as tf


# the step
@tf.function
def step(b):
    """Doubles.

            Indented docstring lines stay as they are."""
    return b * 2


# Evaluation.
def evaluate(batches):
    out = []
    for batch in batches:
        out.append(step(batch))
    return out
'''),
    ("closure-over-function-local-hoisted-out-of-the-loop-only", "@tf.function",
     b'''import tensorflow as tf

def evaluate(model, batches):
    for batch in batches:
        @tf.function
        def step(b):
            return model(b)
        step(batch)
''',
     b'''import tensorflow as tf

def evaluate(model, batches):
    @tf.function
    def step(b):
        return model(b)
    for batch in batches:
        step(batch)
'''),
    ("module-level-loop-crlf", "@tf.function",
     b"import tensorflow as tf\r\nscale = 3\r\nfor i in range(3):\r\n    @tf.function\r\n    def step(b):\r\n        return b * scale\r\n    print(step(i))\r\n",
     b"import tensorflow as tf\r\nscale = 3\r\n@tf.function\r\ndef step(b):\r\n    return b * scale\r\nfor i in range(3):\r\n    print(step(i))\r\n"),
    ("nested-loops-both-left", "@tf.function",
     b"import tensorflow as tf\nfor epoch in range(2):\n    for i in range(3):\n        @tf.function\n        def step(b):\n            return b + 1\n        step(i)\n",
     b"import tensorflow as tf\n@tf.function\ndef step(b):\n    return b + 1\nfor epoch in range(2):\n    for i in range(3):\n        step(i)\n"),
    ("assignment-in-function-loop-to-module-level", "tf.function(",
     b"import tensorflow as tf\n\ndef run(xs):\n    for x in xs:\n        double = tf.function(lambda v: v * 2)  # twice\n        double(x)\n",
     b"import tensorflow as tf\n\ndouble = tf.function(lambda v: v * 2)  # twice\n\ndef run(xs):\n    for x in xs:\n        double(x)\n"),
    ("assignment-in-module-loop-with-loop-calling-tf", "tf.function(",
     b"import tensorflow as tf\nfor i in range(3):\n    fn = tf.function(g)\n    tf.print(fn(i))\n    hist.append(i)\n",
     b"import tensorflow as tf\nfn = tf.function(g)\nfor i in range(3):\n    tf.print(fn(i))\n    hist.append(i)\n"),
    ("inner-loop-only-when-outer-binds-a-free-name", "@tf.function",
     b"import tensorflow as tf\nfor epoch in range(2):\n    lr = 0.1 / (epoch + 1)\n    for i in range(3):\n        @tf.function\n        def step(b):\n            return b * lr\n        step(i)\n",
     b"import tensorflow as tf\nfor epoch in range(2):\n    lr = 0.1 / (epoch + 1)\n    @tf.function\n    def step(b):\n        return b * lr\n    for i in range(3):\n        step(i)\n"),
]

ALL = [("HYB021", *c) for c in ADD] + [("HYB022", *c) for c in REMOVE] + [("HYB007", *c) for c in HOIST]


@pytest.mark.parametrize("code, name, needle, before, after", ALL, ids=[f"{c[0]}-{c[1]}" for c in ALL])
def test_fixture(code: str, name: str, needle: str, before: bytes, after: bytes) -> None:
    fixed = fix_bytes(before, code, needle)
    assert fixed == after
    ast.parse(fixed)


@pytest.mark.parametrize("code, name, needle, before, after", ALL, ids=[f"{c[0]}-{c[1]}" for c in ALL])
def test_second_application_finds_nothing(code: str, name: str, needle: str, before: bytes, after: bytes) -> None:
    anchor = {"HYB021": needle, "HYB022": needle.replace("@tf.function", "def f"), "HYB007": needle}[code]
    anchor = {"call-form-unwrapped": "scale", "call-form-lambda-parenthesized": "(lambda"}.get(name, anchor)
    doc = Document.from_bytes("m.py", after)
    try:
        assert FIXERS[code](finding_at(after, code, anchor), doc) == ()
    except CannotFix:
        pass  # refusing is also "changes nothing"


def test_hyb023_uses_the_same_removal() -> None:
    assert FIXERS["HYB023"] is FIXERS["HYB022"]


@pytest.mark.parametrize("code, needle, source, reason", [
    ("HYB021", "def f", b"import tensorflow as tf\nasync def f(x):\n    return x\n", "async def"),
    ("HYB021", "def f", b"import tensorflow as tf\n@cache\ndef f(x):\n    return x\n", "other decorators"),
    ("HYB021", "def f", b"import numpy as np\ntf = None\ndef f(x):\n    return x\n", "uses the name `tf`"),
    ("HYB022", "@tf.function", b"import tensorflow as tf\n@tf.function\n@tf.function\ndef f(x):\n    return x\n",
     "more than one"),
    ("HYB007", "tf.function(g)", b"import tensorflow as tf\nfor i in range(3):\n    tf.function(g)(i)\n",
     "only `@tf.function` definitions and statements"),
    ("HYB007", "tf.function(", b"import tensorflow as tf\nfor i in range(3):\n    fn = tf.function(lambda v: v * i)\n    fn(1)\n",
     "`i`, which the loop changes"),
    ("HYB007", "@tf.function",
     b"import tensorflow as tf\nfor i in range(3):\n    @tf.function\n    def f(x):\n        return x * i\n    f(1)\n",
     "`i`, which the loop changes"),
    ("HYB007", "@tf.function",
     b"import tensorflow as tf\nfor i in range(3):\n    if i:\n        @tf.function\n        def f(x):\n            return x\n",
     "not directly in the loop body"),
    ("HYB007", "@tf.function",
     b"import tensorflow as tf\nstate = {}\nfor i in range(3):\n    state['k'] = i\n    @tf.function\n    def f(x):\n        return x * state['k']\n    f(1)\n",
     "`state`, which the loop changes"),
    ("HYB007", "@tf.function",
     b"import tensorflow as tf\nfor i in range(3):\n    f(0)\n    @tf.function\n    def f(x):\n        return x\n",
     "used before its definition"),
    ("HYB007", "@tf.function",
     b"import tensorflow as tf\nclass M(tf.Module):\n    def run(self, x):\n        @tf.function\n        def f(v):\n            return super().f(v)\n        return f(x)\n",
     "super"),
])
def test_withheld(code: str, needle: str, source: bytes, reason: str) -> None:
    with pytest.raises(CannotFix, match=reason.replace("(", r"\(")):
        fix_bytes(source, code, needle)


def test_hoist_to_module_level_refuses_a_name_the_module_already_binds_then_hoists_out_of_the_loop() -> None:
    source = (b"import tensorflow as tf\n\ndef step(x):\n    return x\n\ndef run(xs):\n    for x in xs:\n"
              b"        @tf.function\n        def step(b):\n            return b\n        step(x)\n")
    fixed = fix_bytes(source, "HYB007", "@tf.function")
    assert fixed == (b"import tensorflow as tf\n\ndef step(x):\n    return x\n\ndef run(xs):\n"
                     b"    @tf.function\n    def step(b):\n        return b\n    for x in xs:\n        step(x)\n")


def test_hoist_decorator_arguments_must_exist_at_module_level_first() -> None:
    # SPEC is defined after `run`: at module level before `run`, the decorator could not be evaluated.
    source = (b"import tensorflow as tf\n\ndef run(xs):\n    @tf.function(input_signature=SPEC)\n"
              b"    def step(b):\n        return b\n    return step(xs)\n\nSPEC = [tf.TensorSpec([None])]\n")
    with pytest.raises(CannotFix, match="`SPEC`, not defined at module level"):
        fix_bytes(source, "HYB007", "@tf.function")


def test_a_module_level_definition_outside_loops_needs_nothing() -> None:
    source = b"import tensorflow as tf\n@tf.function\ndef f(x):\n    return x\n"
    doc = Document.from_bytes("m.py", source)
    assert FIXERS["HYB007"](finding_at(source, "HYB007", "@tf.function"), doc) == ()


def test_print_suggestion_edits() -> None:
    source = b"import sys\nimport tensorflow as tf\n@tf.function\ndef f(x):\n    print('x', x, sep=',', file=sys.stderr)\n    return x\n"
    assert fix_bytes(source, "HYB001", "print(") == source.replace(
        b"print('x', x, sep=',', file=", b"tf.print('x', x, sep=',', output_stream=")


@pytest.mark.parametrize("source, reason", [
    (b"import tensorflow as tf\ndef f(x, fh):\n    print(x, file=fh)\n", "not this file"),
    (b"import tensorflow as tf\ndef f(x):\n    print(x, flush=True)\n", "flush"),
    (b"def f(x):\n    print(x)\n", "does not import TensorFlow"),
])
def test_print_suggestion_withheld(source: bytes, reason: str) -> None:
    with pytest.raises(CannotFix, match=reason):
        fix_bytes(source, "HYB001", "print(")
