"""Helpers for the tests that install the project the way users and the image do: fresh venvs,
free ports, waiting for a server's /healthz."""
from __future__ import annotations

import os
import shutil
import site
import sys
import subprocess
import time
import urllib.error
import urllib.request
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Environment for child processes: no PYTHONPATH or venv of the test run leaks into them, so what
# they import comes from the venv under test.
CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


def make_venv(path: Path, *, system_site_packages: bool = False, see_test_packages: bool = False) -> Path:
    """A fresh venv at `path` (with pip); returns its bin directory.

    `see_test_packages`: the venv also imports what the test run's environment has installed (the
    project's dependencies, without downloading them), *after* its own site-packages. Only plain path
    entries are added, so the run's editable install of this project (a .pth-driven finder) is not
    visible there: what the venv imports of `hybridize_bot` is what was installed into it.
    """
    venv.EnvBuilder(with_pip=True, system_site_packages=system_site_packages).create(path)
    if see_test_packages:
        (own,) = path.glob("lib/python*/site-packages")
        (own / "_test_run_packages.pth").write_text("".join(f"{p}\n" for p in site.getsitepackages()))
    return path / "bin"


def env_with(bin_dir: Path, **extra: str) -> dict[str, str]:
    return {**CLEAN_ENV, "PATH": f"{bin_dir}{os.pathsep}{CLEAN_ENV.get('PATH', '')}",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", **extra}


def wait_for_healthz(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60.0) -> int:
    """Poll `url` until it answers (returns the status) or the process, logging to `log`, exits (raises)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            time.sleep(0.1)  # not listening yet: poll again
    raise AssertionError(f"{url} did not answer within {timeout_s} s")


def run(cmd: list[str] | str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]



def tool(name: str) -> str:
    """A console script of the test environment: beside the running interpreter (a venv not on PATH)
    or else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found, f"{name} is missing: it comes with the test extra (pip install -e '.[test]')"
    return found
