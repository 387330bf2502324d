"""Running a rule's example program under real TensorFlow and observing what it does.

These tests check the *claims* behind the rules (print runs once per trace, a variable created per call
raises, ...) against the installed TensorFlow. TensorFlow is imported lazily so that collecting the
rest of the suite stays fast; the module is skipped only when TensorFlow is not installed at all, which
.ci/run never allows (it installs tensorflow-cpu).
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import os
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@dataclass
class Run:
    namespace: dict[str, Any]
    stdout: str
    stderr: str


_counter = itertools.count()
_TMP = tempfile.mkdtemp(prefix="hybridize-runtime-")


def run_program(source: str, **globals_: Any) -> Run:
    """Run `source` as a real module file and capture Python-level stdout/stderr.

    The code is written to a file and imported, not exec'd from a string: AutoGraph reads a function's
    source with `inspect`, and without a file it silently leaves the function unconverted, which would
    make these tests observe behaviour real projects never see.

    `tf.print` writes to the process's stderr file descriptor from C++; use `capture_fd` below when a
    test needs to see it.
    """
    name = f"hybridize_example_{next(_counter)}"
    path = os.path.join(_TMP, name + ".py")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__dict__.update(globals_)
    sys.modules[name] = module
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        spec.loader.exec_module(module)
    return Run(module.__dict__, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def capture_fd(fd: int = 2):
    """Capture what is written to a raw file descriptor (tf.print goes to fd 2 from C++)."""
    import tempfile

    saved = os.dup(fd)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), fd)
        box: dict[str, str] = {}
        try:
            yield box
        finally:
            os.dup2(saved, fd)
            os.close(saved)
            tmp.seek(0)
            box["text"] = tmp.read().decode(errors="replace")
