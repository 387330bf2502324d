"""The Dockerfile without Docker: hadolint finds no warning, and its own recipe (the build stage's
COPY and `pip install` line, the runtime stage's COPY, ENV, CMD and HEALTHCHECK) run in a clean venv
serve a healthy /healthz."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.bot.conftest import SECRET
from tests.e2e.harness import PRIVATE_PEM
from tests.redis_server import free_port
from tests.shipping import REPO, env_with, make_venv, run, tool, wait_for_healthz

DOCKERFILE = REPO / "Dockerfile"


@dataclass
class Instruction:
    stage: int
    keyword: str
    args: str


def instructions() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped, by build stage."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out, stage = [], -1
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stage += 1
        out.append(Instruction(stage, keyword.upper(), re.sub(r"\s+", " ", args.strip())))
    return out


def _one(keyword: str, stage: int, contains: str = "") -> str:
    (found,) = [i.args for i in instructions() if i.keyword == keyword and i.stage == stage and contains in i.args]
    return found


def _copy_sources(stage: int, workdir: Path) -> None:
    """Run the stage's plain `COPY src... dest` instructions (not --from) into `workdir`."""
    for i in instructions():
        if i.stage != stage or i.keyword != "COPY" or i.args.startswith("--"):
            continue
        *sources, dest = shlex.split(i.args)
        into_dir = dest.endswith("/") or len(sources) > 1  # Docker: a directory destination
        for source in sources:
            target = workdir / dest / source if into_dir else workdir / dest
            if (REPO / source).is_dir():
                shutil.copytree(REPO / source, target, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(REPO / source, target)


def _env(stage: int) -> dict[str, str]:
    env: dict[str, str] = {}
    for args in (i.args for i in instructions() if i.keyword == "ENV" and i.stage == stage):
        env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    return env


def test_hadolint_reports_no_warning() -> None:
    result = run([tool("hadolint"), "--failure-threshold", "warning", str(DOCKERFILE)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_is_multi_stage_slim_pinned_and_unprivileged() -> None:
    text = DOCKERFILE.read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-\w+$", text, re.M)
    assert [i.args for i in instructions() if i.keyword == "FROM"] == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE}"]
    assert _one("USER", 1) == "10001:0"
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert {".git", ".venv", "*.pem", "tests"} <= set(ignored)


def test_the_dockerfiles_install_line_and_cmd_serve_a_healthy_healthz(tmp_path: Path) -> None:
    # Build stage: a clean venv on PATH (the Dockerfile's `RUN python -m venv /venv` + ENV PATH), the
    # COPYed sources, then the stage's own `pip install` line, verbatim.
    assert _one("RUN", 0, "venv") == "python -m venv /venv"
    bin_dir = make_venv(tmp_path / "venv")
    context = tmp_path / "src"
    context.mkdir()
    _copy_sources(0, context)
    install = _one("RUN", 0, "pip install")
    built = run(["bash", "-c", install], cwd=context, env=env_with(bin_dir))
    assert built.returncode == 0, built.stdout + built.stderr

    # Runtime stage: its COPYed files in WORKDIR, its ENV with this machine's port and data dir, a
    # non-wildcard HOST (the HEALTHCHECK must follow it), credentials as environment variables.
    workdir = tmp_path / "app"
    workdir.mkdir()
    _copy_sources(1, workdir)
    env = _env(1)
    assert (env["HOST"], env["PORT"], env["BOT_DATA_DIR"]) == ("0.0.0.0", "8000", "/data")
    env.update(HOST="127.0.0.2", PORT=str(free_port()), BOT_DATA_DIR=str(tmp_path / "data"),
               GITHUB_APP_ID="1", GITHUB_PRIVATE_KEY=PRIVATE_PEM, GITHUB_WEBHOOK_SECRET=SECRET,
               GITHUB_API_URL="http://127.0.0.1:9", WORKERS="1")
    env.pop("PATH")
    cmd = json.loads(_one("CMD", 1))
    log = tmp_path / "server.log"
    with log.open("wb") as out:  # a file, not a pipe nobody reads while the server runs
        server = subprocess.Popen(cmd, cwd=workdir, env=env_with(bin_dir, **env), stdout=out, stderr=subprocess.STDOUT)
    try:
        assert wait_for_healthz(f"http://127.0.0.2:{env['PORT']}/healthz", server, log) == 200
        probe_cmd = json.loads(_one("HEALTHCHECK", 1).split(" CMD ", 1)[1])
        probe = run(probe_cmd, env=env_with(bin_dir, HOST="127.0.0.2", PORT=env["PORT"]))
        assert probe.returncode == 0, probe.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
    down = run(probe_cmd, env=env_with(bin_dir, HOST="127.0.0.2", PORT=env["PORT"]))
    assert down.returncode == 1 and "healthz" in down.stderr


@pytest.mark.parametrize("host, expected", [
    ("0.0.0.0", "http://127.0.0.1:8000/healthz"),
    ("::", "http://[::1]:8000/healthz"),
    ("10.1.2.3", "http://10.1.2.3:8000/healthz"),
    ("fd00::5", "http://[fd00::5]:8000/healthz"),
])
def test_healthcheck_probes_the_address_host_names(host: str, expected: str) -> None:
    from hybridize_bot.bot.healthcheck import healthz_url

    assert healthz_url({"HOST": host, "PORT": "8000"}) == expected
