"""Running a rule's example program under real TensorFlow and observing what it does.

These tests check the *claims* behind the rules (print runs once per trace, a variable created per call
raises, ...) against the installed TensorFlow. TensorFlow is imported lazily so that collecting the
rest of the suite stays fast; the module is skipped only when TensorFlow is not installed at all, which
.ci/run never allows (it installs tensorflow-cpu).
"""
from __future__ import annotations

import contextlib
import io
import os
import textwrap
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@dataclass
class Run:
    namespace: dict[str, Any]
    stdout: str
    stderr: str


def run_program(source: str, **globals_: Any) -> Run:
    """Exec `source` as a module (file name `example.py`) and capture Python-level stdout/stderr.

    `tf.print` writes to the process's stderr file descriptor through TensorFlow's C++ logging in some
    builds; use `output_stream=...` or `capture_fd` below when a test needs to see it.
    """
    code = compile(textwrap.dedent(source), "example.py", "exec")
    namespace: dict[str, Any] = {"__name__": "example", **globals_}
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        exec(code, namespace)
    return Run(namespace, out.getvalue(), err.getvalue())


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
