"""Before/after fixtures for the safe renames (HYB010, HYB011, HYB012), awkward formatting included."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.fixes.document import CannotFix, Document
from hybridize_bot.analysis.fixes.registry import FIXERS

from .helpers import finding_at, fix_bytes

CASES = [
    # --- HYB010: experimental_relax_shapes -> reduce_retracing -----------------------------------------
    ("HYB010", "relax-true", "experimental_relax_shapes",
     b"import tensorflow as tf\n@tf.function(experimental_relax_shapes=True)\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n@tf.function(reduce_retracing=True)\ndef f(x):\n    return x\n"),
    ("HYB010", "relax-false-only-arg", "experimental_relax_shapes",
     b"import tensorflow as tf\n@tf.function(experimental_relax_shapes=False)\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n@tf.function()\ndef f(x):\n    return x\n"),
    ("HYB010", "relax-false-last-arg", "experimental_relax_shapes",
     b"import tensorflow as tf\nf = tf.function(g, autograph=True, experimental_relax_shapes=False)\n",
     b"import tensorflow as tf\nf = tf.function(g, autograph=True)\n"),
    ("HYB010", "relax-none-first-arg", "experimental_relax_shapes",
     b"import tensorflow as tf\nf = tf.function(experimental_relax_shapes=None, autograph=False)(g)\n",
     b"import tensorflow as tf\nf = tf.function(autograph=False)(g)\n"),
    ("HYB010", "relax-false-own-line-trailing-comma", "experimental_relax_shapes",
     b"import tensorflow as tf\n@tf.function(\n    autograph=True,\n    experimental_relax_shapes=False,\n)\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n@tf.function(\n    autograph=True,\n)\ndef f(x):\n    return x\n"),
    ("HYB010", "relax-false-with-comment-renamed-not-dropped", "experimental_relax_shapes",
     b"import tensorflow as tf\n@tf.function(\n    experimental_relax_shapes=False,  # see issue 12\n    autograph=True,\n)\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n@tf.function(\n    reduce_retracing=False,  # see issue 12\n    autograph=True,\n)\ndef f(x):\n    return x\n"),
    ("HYB010", "relax-false-last-after-a-comment-renamed-not-dropped", "experimental_relax_shapes",
     b"import tensorflow as tf\nf = tf.function(g,  # the step\n    experimental_relax_shapes=False)\n",
     b"import tensorflow as tf\nf = tf.function(g,  # the step\n    reduce_retracing=False)\n"),
    ("HYB010", "relax-expression-keeps-truthiness", "experimental_relax_shapes",
     b"import tensorflow as tf\nf = tf.function(g, experimental_relax_shapes=cfg.relax)\n",
     b"import tensorflow as tf\nf = tf.function(g, reduce_retracing=bool(cfg.relax))\n"),
    ("HYB010", "relax-multiline-value-with-comment", "experimental_relax_shapes",
     b"import tensorflow as tf\nf = tf.function(g,\n    experimental_relax_shapes=(a or  # either\n        b),\n)\n",
     b"import tensorflow as tf\nf = tf.function(g,\n    reduce_retracing=bool(a or  # either\n        b),\n)\n"),
    ("HYB010", "relax-crlf", "experimental_relax_shapes",
     b"import tensorflow as tf\r\n@tf.function(\r\n    experimental_relax_shapes=True,\r\n)\r\ndef f(x):\r\n    return x\r\n",
     b"import tensorflow as tf\r\n@tf.function(\r\n    reduce_retracing=True,\r\n)\r\ndef f(x):\r\n    return x\r\n"),
    ("HYB010", "relax-crlf-drop-line", "experimental_relax_shapes",
     b"import tensorflow as tf\r\n@tf.function(\r\n    jit_compile=True,\r\n    experimental_relax_shapes=False,\r\n)\r\ndef f(x):\r\n    return x\r\n",
     b"import tensorflow as tf\r\n@tf.function(\r\n    jit_compile=True,\r\n)\r\ndef f(x):\r\n    return x\r\n"),
    ("HYB010", "relax-bom", "experimental_relax_shapes",
     b"\xef\xbb\xbfimport tensorflow as tf\n@tf.function(experimental_relax_shapes=True)\ndef f(x):\n    return x\n",
     b"\xef\xbb\xbfimport tensorflow as tf\n@tf.function(reduce_retracing=True)\ndef f(x):\n    return x\n"),
    ("HYB010", "relax-latin1-cookie", "experimental_relax_shapes",
     "# -*- coding: latin-1 -*-\nimport tensorflow as tf\n# r\u00e9sum\u00e9\n@tf.function(experimental_relax_shapes=True)\ndef f(x):\n    return '\u00e9t\u00e9' + x\n".encode("latin-1"),
     "# -*- coding: latin-1 -*-\nimport tensorflow as tf\n# r\u00e9sum\u00e9\n@tf.function(reduce_retracing=True)\ndef f(x):\n    return '\u00e9t\u00e9' + x\n".encode("latin-1")),
    ("HYB010", "relax-tabs-and-non-ascii-before-keyword", "experimental_relax_shapes",
     "import tensorflow as tf\nclass M:\n\t@tf.function(input_signature=None, name='\u00fcber', experimental_relax_shapes=True)\n\tdef f(self, x):\n\t\treturn x\n".encode(),
     "import tensorflow as tf\nclass M:\n\t@tf.function(input_signature=None, name='\u00fcber', reduce_retracing=True)\n\tdef f(self, x):\n\t\treturn x\n".encode()),
    ("HYB010", "relax-no-final-newline", "experimental_relax_shapes",
     b"import tensorflow as tf\nf = tf.function(g, experimental_relax_shapes=True)",
     b"import tensorflow as tf\nf = tf.function(g, reduce_retracing=True)"),
    ("HYB010", "relax-after-lone-cr-form-feed-and-unicode-line-separators", "experimental_relax_shapes",
     "import tensorflow as tf\rs = 'a\u2028b\x85c'  # \u2029\n\x0c\nf = tf.function(g, experimental_relax_shapes=True)\n".encode(),
     "import tensorflow as tf\rs = 'a\u2028b\x85c'  # \u2029\n\x0c\nf = tf.function(g, reduce_retracing=True)\n".encode()),
    # --- HYB011: experimental_compile -> jit_compile -----------------------------------------------------
    ("HYB011", "compile-decorator", "experimental_compile",
     b"import tensorflow as tf\n@tf.function(experimental_compile=True)\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n@tf.function(jit_compile=True)\ndef f(x):\n    return x\n"),
    ("HYB011", "compile-value-kept-verbatim", "experimental_compile",
     b"import tensorflow as tf\nf = tf.function(g, experimental_compile=use_xla)  # XLA\n",
     b"import tensorflow as tf\nf = tf.function(g, jit_compile=use_xla)  # XLA\n"),
    ("HYB011", "compile-multiline-decorator-comments", "experimental_compile",
     b"import tensorflow as tf\n\n@tf.function(  # compiled\n    input_signature=[tf.TensorSpec([None], tf.float32)],\n    # keep XLA on\n    experimental_compile = True ,\n)\ndef f(x):\n    return x\n",
     b"import tensorflow as tf\n\n@tf.function(  # compiled\n    input_signature=[tf.TensorSpec([None], tf.float32)],\n    # keep XLA on\n    jit_compile = True ,\n)\ndef f(x):\n    return x\n"),
    ("HYB011", "compile-crlf-bom", "experimental_compile",
     b"\xef\xbb\xbfimport tensorflow as tf\r\nf = tf.function(g, experimental_compile=False)\r\n",
     b"\xef\xbb\xbfimport tensorflow as tf\r\nf = tf.function(g, jit_compile=False)\r\n"),
    # --- HYB012: tf.config.experimental_run_functions_eagerly -> tf.config.run_functions_eagerly -------------
    ("HYB012", "eagerly-plain", "tf.config.experimental_run_functions_eagerly(True)",
     b"import tensorflow as tf\ntf.config.experimental_run_functions_eagerly(True)\n",
     b"import tensorflow as tf\ntf.config.run_functions_eagerly(True)\n"),
    ("HYB012", "eagerly-split-attribute", "tf.config",
     b"import tensorflow as tf\n(tf.config\n   .experimental_run_functions_eagerly)(  # debug\n    False)\n",
     b"import tensorflow as tf\n(tf.config\n   .run_functions_eagerly)(  # debug\n    False)\n"),
    ("HYB012", "eagerly-alias-tabs", "tensorflow.config.experimental_run_functions_eagerly(flag)",
     b"import tensorflow\nif debug:\n\ttensorflow.config.experimental_run_functions_eagerly(flag)\n",
     b"import tensorflow\nif debug:\n\ttensorflow.config.run_functions_eagerly(flag)\n"),
]


@pytest.mark.parametrize("code, name, needle, before, after", CASES, ids=[c[1] for c in CASES])
def test_fixture(code: str, name: str, needle: str, before: bytes, after: bytes) -> None:
    assert fix_bytes(before, code, needle) == after


@pytest.mark.parametrize("code, name, needle, before, after", CASES, ids=[c[1] for c in CASES])
def test_fixing_the_result_again_changes_nothing(code: str, name: str, needle: str, before: bytes, after: bytes) -> None:
    # The finding's position in the fixed file: the fixer finds nothing left to do there.
    anchor = needle.replace("experimental_relax_shapes", "reduce_retracing").replace(
        "experimental_compile", "jit_compile").replace("experimental_run_functions_eagerly", "run_functions_eagerly")
    if anchor.encode() not in after:
        anchor = "tf.function" if b"tf.function" in after else anchor
    doc = Document.from_bytes("m.py", after)
    assert FIXERS[code](finding_at(after, code, anchor), doc) == ()


@pytest.mark.parametrize("source, needle, reason", [
    (b"import tensorflow as tf\nf = tf.function(g, experimental_relax_shapes=True, reduce_retracing=False)\n",
     "experimental_relax_shapes", "`reduce_retracing` is passed too"),
    (b"import tensorflow as tf\nf = tf.function(g, experimental_relax_shapes=True, **opts)\n",
     "experimental_relax_shapes", "`**` keywords"),
    (b"import tensorflow as tf\nbool = int\nf = tf.function(g, experimental_relax_shapes=flag)\n",
     "experimental_relax_shapes", "rebinds `bool`"),
])
def test_relax_shapes_withheld(source: bytes, needle: str, reason: str) -> None:
    with pytest.raises(CannotFix, match=reason.replace("*", r"\*")):
        fix_bytes(source, "HYB010", needle)


def test_compile_withheld_when_both_keywords() -> None:
    source = b"import tensorflow as tf\nf = tf.function(g, experimental_compile=True, jit_compile=True)\n"
    with pytest.raises(CannotFix, match="`jit_compile` is passed too"):
        fix_bytes(source, "HYB011", "experimental_compile")


def test_run_functions_eagerly_imported_by_name_is_withheld() -> None:
    source = (b"from tensorflow.config import experimental_run_functions_eagerly\n"
              b"experimental_run_functions_eagerly(True)\n")
    with pytest.raises(CannotFix, match="imported by name"):
        fix_bytes(source, "HYB012", "experimental_run_functions_eagerly(True)")


def test_only_the_reported_call_is_changed() -> None:
    source = (b"import tensorflow as tf\n"
              b"a = tf.function(f, experimental_relax_shapes=True)\n"
              b"b = tf.function(g, experimental_relax_shapes=True)\n")
    fixed = fix_bytes(source, "HYB010", "experimental_relax_shapes", occurrence=1)
    assert fixed == source.replace(b"(g, experimental_relax_shapes", b"(g, reduce_retracing")


def test_finding_on_the_whole_call_finds_its_keyword() -> None:
    # A rule may report the tf.function call rather than the keyword: the smallest covering call counts.
    source = b"import tensorflow as tf\nf = tf.function(tf.function(h), experimental_compile=True)\n"
    assert fix_bytes(source, "HYB011", "tf.function(tf.function(h), experimental_compile=True)") == \
        source.replace(b"experimental_compile", b"jit_compile")
