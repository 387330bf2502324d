"""Settings.from_env, and `python app.py` refusing to start with one clear line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hybridize_bot.bot.settings import Settings, SettingsError

from .conftest import APP_ID, SECRET

REPO_ROOT = Path(__file__).resolve().parents[2]


def env(private_pem: str, tmp_path: Path, **overrides: str) -> dict[str, str]:
    base = {
        "GITHUB_APP_ID": APP_ID,
        "GITHUB_PRIVATE_KEY": private_pem,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "BOT_DATA_DIR": str(tmp_path / "data"),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_defaults(private_pem: str, tmp_path: Path) -> None:
    settings = Settings.from_env(env(private_pem, tmp_path))
    assert settings.github_api_url == "https://api.github.com"
    assert (settings.host, settings.port, settings.workers) == ("0.0.0.0", 8000, 2)
    assert settings.queue_path == tmp_path / "data" / "queue.sqlite3"
    assert settings.analysis_timeout_s == 120.0 and settings.log_level == "INFO"
    assert settings.bot_name == "hybridize-bot"
    assert SECRET not in repr(settings) and "PRIVATE KEY" not in repr(settings)


def test_key_from_file_and_escaped_newlines(private_pem: str, tmp_path: Path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(private_pem)
    from_file = Settings.from_env(
        env(private_pem, tmp_path, GITHUB_PRIVATE_KEY="", GITHUB_PRIVATE_KEY_PATH=str(key_file))
    )
    escaped = Settings.from_env(
        env(private_pem, tmp_path, GITHUB_PRIVATE_KEY=private_pem.replace("\n", "\\n"))
    )
    assert from_file.private_key.strip() == escaped.private_key.strip() == private_pem.strip()


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({"GITHUB_WEBHOOK_SECRET": None}, "GITHUB_WEBHOOK_SECRET is not set"),
        ({"GITHUB_WEBHOOK_SECRET": "  "}, "GITHUB_WEBHOOK_SECRET is not set"),
        ({"GITHUB_APP_ID": None}, "GITHUB_APP_ID is not set"),
        ({"GITHUB_PRIVATE_KEY": None}, "GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH must be set"),
        ({"GITHUB_PRIVATE_KEY": "-----BEGIN RSA PRIVATE KEY-----\nnope\n-----END RSA PRIVATE KEY-----"},
         "GITHUB_PRIVATE_KEY is not an unencrypted PEM private key"),
        ({"PORT": "http"}, "PORT='http' is not an integer"),
        ({"PORT": "70000"}, "PORT=70000 is out of range"),
        ({"WORKERS": "-1"}, "WORKERS=-1 is out of range"),
        ({"ANALYSIS_TIMEOUT": "soon"}, "ANALYSIS_TIMEOUT='soon' is not a number"),
        ({"ANALYSIS_TIMEOUT": "nan"}, "ANALYSIS_TIMEOUT=nan must be a finite number"),
        ({"GITHUB_API_URL": "api.github.com"}, "GITHUB_API_URL='api.github.com' is not an http(s) URL"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL='LOUD' is not one of"),
    ],
)
def test_invalid_settings(
    private_pem: str, tmp_path: Path, overrides: dict[str, str | None], expected: str
) -> None:
    environ = env(private_pem, tmp_path)
    for name, value in overrides.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    with pytest.raises(SettingsError) as info:
        Settings.from_env(environ)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_unreadable_key_file_and_non_rsa_key(private_pem: str, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"GITHUB_PRIVATE_KEY_PATH \(.*missing.pem\) cannot be read"):
        Settings.from_env(env(private_pem, tmp_path, GITHUB_PRIVATE_KEY="",
                              GITHUB_PRIVATE_KEY_PATH=str(tmp_path / "missing.pem")))
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(SettingsError, match="not an RSA private key"):
        Settings.from_env(env(private_pem, tmp_path, GITHUB_PRIVATE_KEY=ec_pem))
    with pytest.raises(SettingsError, match="set only one of"):
        Settings.from_env(env(private_pem, tmp_path, GITHUB_PRIVATE_KEY_PATH="/x.pem"))


def run_app(environ: dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "BOT_"))}
    clean.pop("PORT", None)
    return subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env={**clean, **environ},
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.mark.parametrize(
    "overrides, fragment",
    [
        ({"GITHUB_WEBHOOK_SECRET": None}, "GITHUB_WEBHOOK_SECRET is not set"),
        ({"GITHUB_PRIVATE_KEY": "-----BEGIN PRIVATE KEY-----\nMIIBroken\n-----END PRIVATE KEY-----\n"},
         "GITHUB_PRIVATE_KEY is not an unencrypted PEM private key"),
        ({"GITHUB_PRIVATE_KEY": None, "GITHUB_PRIVATE_KEY_PATH": "/nonexistent/app.pem"},
         "GITHUB_PRIVATE_KEY_PATH (/nonexistent/app.pem) cannot be read"),
        ({"PORT": "eighty"}, "PORT='eighty' is not an integer"),
    ],
)
def test_app_py_refuses_to_start_with_one_line(
    private_pem: str, tmp_path: Path, overrides: dict[str, str | None], fragment: str
) -> None:
    environ = env(private_pem, tmp_path)
    for name, value in overrides.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    result = run_app(environ)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("hybridize-bot: configuration error: ") and fragment in lines[0]
    assert "MII" not in result.stderr and SECRET not in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_app_py_serves_and_reports_port_in_use(private_pem: str, tmp_path: Path) -> None:
    port = free_port()
    environ = env(private_pem, tmp_path, HOST="127.0.0.1", PORT=str(port), WORKERS="1")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "BOT_"))}
    server = subprocess.Popen(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env={**clean, **environ},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as resp:
                    assert resp.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        # A second server on the same data directory would steal running jobs: refused.
        second = run_app(env(private_pem, tmp_path, HOST="127.0.0.1", PORT=str(free_port())))
        assert second.returncode != 0
        assert second.stderr.strip().splitlines()[-1] == (
            f"hybridize-bot: cannot start: {tmp_path / 'data'} is in use by another hybridize-bot process"
        )
        # Another data directory but the same port: the bind error, in one line.
        third = run_app({**environ, "BOT_DATA_DIR": str(tmp_path / "other")})
        assert third.returncode != 0
        assert third.stderr.strip().splitlines()[-1].startswith("hybridize-bot: cannot start: [Errno")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert (tmp_path / "data" / "queue.sqlite3").exists()
    assert "PRIVATE KEY" not in stderr and SECRET not in stderr
