"""The App as separate processes (as on separate machines): started, killed, restarted, and fed
signed webhooks over loopback. Used by tests/e2e/test_multiprocess.py and bench/redis_workers.py."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from hybridize_bot.bot.webhook import signature_for
from tests.redis_server import free_port

from .harness import APP_ID, PRIVATE_PEM, SECRET

ROOT = Path(__file__).resolve().parents[2]


class AppProcess:
    def __init__(self, index: int, tmp: Path, api_url: str, redis_url: str, **env: str) -> None:
        self.index, self.port = index, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"app{index}.log"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT),
                    "GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": PRIVATE_PEM, "GITHUB_WEBHOOK_SECRET": SECRET,
                    "GITHUB_API_URL": api_url, "BOT_DATA_DIR": str(tmp / f"data{index}"), "QUEUE_URL": redis_url,
                    "HOST": "127.0.0.1", "PORT": str(self.port), "WORKERS": "2", "LOG_LEVEL": "INFO",
                    "GITHUB_RETRY_BASE_DELAY": "0.01", "GITHUB_MAX_RETRY_WAIT": "2",
                    "BOT_JOB_RETRY_BASE_DELAY": "0.1", "BOT_JOB_MAX_ATTEMPTS": "8", "BOT_JOB_LEASE": "2",
                    "ANALYSIS_TIMEOUT": "60", **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen([sys.executable, "-c", "from hybridize_bot.bot.server import main; main()"],
                                            env=self.env, stdout=out, stderr=subprocess.STDOUT)

    async def ready(self, session: aiohttp.ClientSession) -> None:
        async with asyncio.timeout(60):
            while True:
                assert self.process is not None and self.process.poll() is None, self.log.read_text()[-3000:]
                try:
                    async with session.get(self.url + "/healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def send(session: aiohttp.ClientSession, app: AppProcess, event: str, payload: dict[str, Any],
                delivery: str) -> int:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
               "X-Hub-Signature-256": signature_for(SECRET, body)}
    try:
        async with session.post(app.url + "/webhook", data=body, headers=headers) as resp:
            return resp.status
    except aiohttp.ClientError:  # the process was just killed: GitHub would redeliver later
        return 0


