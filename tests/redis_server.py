"""A real `redis-server` for tests: free loopback port, its own temp dir, AOF on, no RDB snapshots.

    with RedisServer(tmp_path) as server:   # or the `redis_server` fixture (one per test module)
        server.url                           # redis://127.0.0.1:<port>/0
        server.kill(); server.start()        # SIGKILL, then restart on the same dir and port

redis-server is a prerequisite the README lists and `.ci/run` installs. Without it these tests skip
with the reason on a developer's machine, and fail with the same reason under CI (CI set), where a
skip would hide that the distributed queue went untested.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

_START_TIMEOUT_S = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server process; `start()` again after `kill()`/`stop()` reuses dir and port."""

    def __init__(self, directory: Path, *, appendonly: bool = True) -> None:
        self.directory = directory
        self.appendonly = appendonly
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            reason = "redis-server is not on PATH (a prerequisite: apt-get install redis-server; .ci/run does)"
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.directory),
                "--save", "",  # no RDB snapshots: durability comes from the AOF alone
                "--appendonly", "yes" if self.appendonly else "no",
                "--appendfsync", "everysec",  # the production default we document
                "--logfile", str(self.directory / "redis.log"),
                "--daemonize", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.directory / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited with {self.process.returncode}:\n{log}")
            if self.ping():
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING")

    def ping(self) -> bool:
        """PONG (not -LOADING while it replays the AOF) over a raw socket: no client involved."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *args: str) -> bytes:
        """Send one inline command and return the raw first reply chunk (for FLUSHALL etc.)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(" ".join(args).encode() + b"\r\n")
            return sock.recv(65536)

    def kill(self) -> None:
        """SIGKILL: no shutdown save, no AOF rewrite; only what was written survives."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        self._end(signal.SIGTERM)

    def _end(self, sig: signal.Signals) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, sig)
            self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RedisServer]:
    """One server per test module; use `redis_url` for a flushed database per test."""
    with tempfile.TemporaryDirectory(prefix="redis-test-") as directory:
        with RedisServer(Path(directory)) as server:
            yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    assert redis_server.command("FLUSHALL").startswith(b"+OK")
    return redis_server.url
