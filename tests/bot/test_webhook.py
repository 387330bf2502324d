"""POST /webhook, /healthz and / against the real app on a real loopback port with real HMAC."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from gidgethub import routing, sansio

from hybridize_bot.bot.context import BotContext
from hybridize_bot.bot.github import GitHubClient
from hybridize_bot.bot.queue import SQLiteQueue
from hybridize_bot.bot.server import build_app
from hybridize_bot.bot.settings import Settings
from hybridize_bot.bot.webhook import MAX_PAYLOAD_BYTES, QUEUE_KEY, WORKERS_KEY

from .conftest import example, signed_headers

Serve = Callable[..., Awaitable[TestClient]]


class Recorder:
    """A real feature router whose pull_request handler records what it was given."""

    def __init__(self) -> None:
        self.router = routing.Router()
        self.calls: list[tuple[sansio.Event, Any, BotContext]] = []
        self.called = asyncio.Event()
        self.fail_times = 0  # raise on the first N calls
        self.block: asyncio.Event | None = None  # if set, wait for it (simulates a long job)
        self.router.add(self._on_pr, "pull_request", action="opened")

    async def _on_pr(self, event: sansio.Event, gh: Any, ctx: BotContext) -> None:
        self.calls.append((event, gh, ctx))
        if self.block is not None:
            await self.block.wait()
        if len(self.calls) <= self.fail_times:
            raise RuntimeError(f"handler failure {len(self.calls)}")
        self.called.set()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    clients: list[TestClient] = []

    async def start(settings: Settings, router: routing.Router) -> TestClient:
        app = build_app(settings, router=router, poll_interval_s=0.02, shutdown_grace_s=0.2)
        client = TestClient(TestServer(app))  # binds a real 127.0.0.1 port
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


def pr_opened(installation_id: int = 77) -> bytes:
    data = example("pull_request", "opened.0.json")
    data["installation"] = {"id": installation_id, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc="}
    return json.dumps(data).encode()


async def post(client: TestClient, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    async with client.post("/webhook", data=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def counts(client: TestClient) -> dict[str, int]:
    return await client.server.app[QUEUE_KEY].counts()


async def test_valid_delivery_is_queued_and_answered_202(serve: Serve, make_settings) -> None:
    recorder = Recorder()
    client = await serve(make_settings(WORKERS="0"), recorder.router)  # no workers: job stays
    body = pr_opened()
    headers = signed_headers(body, "pull_request", delivery="d-1")
    status, answer = await post(client, body, headers)
    assert (status, answer) == (202, {"status": "queued"})
    queue: SQLiteQueue = client.server.app[QUEUE_KEY]
    row = await queue.get("d-1")
    assert row is not None and row["state"] == "queued" and row["event"] == "pull_request"
    assert await queue.depth() == 1
    assert recorder.calls == []


async def test_worker_dispatches_with_client_and_context(serve: Serve, make_settings) -> None:
    recorder = Recorder()
    client = await serve(make_settings(), recorder.router)
    body = pr_opened(installation_id=99)
    status, _ = await post(client, body, signed_headers(body, "pull_request", delivery="d-2"))
    assert status == 202
    await asyncio.wait_for(recorder.called.wait(), 5)
    event, gh, ctx = recorder.calls[0]
    assert event.event == "pull_request" and event.delivery_id == "d-2"
    assert event.data == json.loads(body)
    assert isinstance(gh, GitHubClient) and gh.delivery_id == "d-2"
    assert ctx.installation_id == 99 and ctx.delivery_id == "d-2"
    assert ctx.data_dir == client.server.app[QUEUE_KEY].path.parent
    # The handler returned; the worker records the job as done right after: wait for that state.
    queue = client.server.app[QUEUE_KEY]
    async with asyncio.timeout(5):
        while (await queue.get("d-2") or {}).get("state") != "done":
            await asyncio.sleep(0.01)
    assert (await counts(client))["done"] == 1


@pytest.mark.parametrize(
    "signature",
    [
        None,  # unsigned
        "sha256=" + "0" * 64,  # wrong digest
        "sha1=0000000000000000000000000000000000000000",  # legacy sha1 is not accepted
        "garbage",
    ],
)
async def test_bad_or_missing_signature_is_401_and_nothing_queued(
    serve: Serve, make_settings, signature: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    client = await serve(make_settings(), recorder.router)
    body = pr_opened()
    headers = signed_headers(body, "pull_request", delivery="bad-1")
    del headers["X-Hub-Signature-256"]
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    status, _ = await post(client, body, headers)
    assert status == 401
    assert await counts(client) == {"queued": 0, "running": 0, "done": 0, "failed": 0}
    await asyncio.sleep(0.1)
    assert recorder.calls == []
    logged = " ".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert "bad-1" in logged and "127.0.0.1" in logged


async def test_signature_with_other_secret_or_other_body_is_401(serve: Serve, make_settings) -> None:
    client = await serve(make_settings(), Recorder().router)
    body = pr_opened()
    other_secret = signed_headers(body, "pull_request", secret="not the secret")
    assert (await post(client, body, other_secret))[0] == 401
    # A valid signature of different bytes: the HMAC is over the raw body, not the parsed JSON.
    reformatted = json.dumps(json.loads(body), indent=1).encode()
    assert (await post(client, reformatted, signed_headers(body, "pull_request")))[0] == 401
    assert (await counts(client))["queued"] == 0


async def test_declared_oversized_body_is_413_without_reading(serve: Serve, make_settings) -> None:
    client = await serve(make_settings(), Recorder().router)
    small = b"{}"
    headers = signed_headers(small, "pull_request")
    headers["Content-Length"] = str(MAX_PAYLOAD_BYTES + 1)
    # Only 2 bytes are actually sent: the server must answer from the header alone.
    reader, writer = await asyncio.open_connection(client.host, client.port)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write(f"POST /webhook HTTP/1.1\r\nHost: x\r\n{head}\r\n".encode() + small)
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")
    assert (await counts(client))["queued"] == 0


async def test_chunked_oversized_body_is_413(serve: Serve, make_settings) -> None:
    client = await serve(make_settings(), Recorder().router)
    chunk = b"x" * (1024 * 1024)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: chunked transfer encoding
        for _ in range(26):
            yield chunk

    headers = signed_headers(b"", "pull_request")
    async with client.post("/webhook", data=chunks(), headers=headers) as resp:
        assert resp.status == 413
    assert (await counts(client))["queued"] == 0


@pytest.mark.parametrize(
    "body, drop, status_expected",
    [
        (b"{not json", None, 400),
        (b"[1, 2]", None, 400),
        (b"\xff\xfe", None, 400),
        (None, "X-GitHub-Event", 400),
        (None, "X-GitHub-Delivery", 400),
    ],
)
async def test_malformed_requests_are_400(
    serve: Serve, make_settings, body: bytes | None, drop: str | None, status_expected: int
) -> None:
    client = await serve(make_settings(), Recorder().router)
    body = body if body is not None else pr_opened()
    headers = signed_headers(body, "pull_request")
    if drop:
        del headers[drop]
    status, answer = await post(client, body, headers)
    assert status == status_expected and "error" in answer
    assert (await counts(client))["queued"] == 0


async def test_ping_is_200(serve: Serve, make_settings) -> None:
    client = await serve(make_settings(), Recorder().router)
    body = json.dumps(example("ping", "event.0.json")).encode()
    assert await post(client, body, signed_headers(body, "ping")) == (200, {"status": "pong"})
    unsigned = signed_headers(body, "ping")
    del unsigned["X-Hub-Signature-256"]
    assert (await post(client, body, unsigned))[0] == 401


async def test_unhandled_events_are_acknowledged_not_queued(serve: Serve, make_settings) -> None:
    recorder = Recorder()
    client = await serve(make_settings(WORKERS="0"), recorder.router)
    # An event nobody routes, and a routed event with an action nobody handles.
    star = json.dumps({"action": "created", "starred_at": None}).encode()
    closed = json.dumps(example("pull_request", "closed.3.json")).encode()
    assert await post(client, star, signed_headers(star, "star")) == (202, {"status": "ignored"})
    assert await post(client, closed, signed_headers(closed, "pull_request")) == (
        202,
        {"status": "ignored"},
    )
    assert await counts(client) == {"queued": 0, "running": 0, "done": 0, "failed": 0}


async def test_redelivery_is_processed_once(serve: Serve, make_settings) -> None:
    recorder = Recorder()
    client = await serve(make_settings(), recorder.router)
    body = pr_opened()
    headers = signed_headers(body, "pull_request", delivery="same-guid")
    # Two concurrent deliveries and one after processing finished: one job, one handler call.
    first, second = await asyncio.gather(post(client, body, headers), post(client, body, headers))
    assert sorted([first[1]["status"], second[1]["status"]]) == ["duplicate", "queued"]
    await asyncio.wait_for(recorder.called.wait(), 5)
    assert await post(client, body, headers) == (202, {"status": "duplicate"})
    await asyncio.sleep(0.2)
    assert len(recorder.calls) == 1
    assert await counts(client) == {"queued": 0, "running": 0, "done": 1, "failed": 0}


async def test_storage_failure_is_503_so_github_marks_it_failed(serve: Serve, make_settings) -> None:
    client = await serve(make_settings(WORKERS="0"), Recorder().router)
    await client.server.app[QUEUE_KEY].close()  # e.g. the disk went away
    body = pr_opened()
    status, answer = await post(client, body, signed_headers(body, "pull_request"))
    assert status == 503 and "redeliver" in answer["error"]


async def test_queued_job_survives_restart(serve: Serve, make_settings) -> None:
    settings = make_settings(WORKERS="0")
    recorder = Recorder()
    first = await serve(settings, recorder.router)
    body = pr_opened()
    assert (await post(first, body, signed_headers(body, "pull_request", delivery="durable")))[0] == 202
    await first.close()  # runs the cleanup context: queue closed, nothing processed
    assert recorder.calls == []

    second = await serve(make_settings(WORKERS="1"), recorder.router)  # same BOT_DATA_DIR
    await asyncio.wait_for(recorder.called.wait(), 5)
    assert [call[0].delivery_id for call in recorder.calls] == ["durable"]


async def test_job_interrupted_by_shutdown_is_recovered(serve: Serve, make_settings) -> None:
    recorder = Recorder()
    recorder.block = asyncio.Event()  # the handler hangs like a stuck analysis
    first = await serve(make_settings(), recorder.router)
    body = pr_opened()
    await post(first, body, signed_headers(body, "pull_request", delivery="interrupted"))
    for _ in range(100):
        if recorder.calls:
            break
        await asyncio.sleep(0.02)
    assert len(recorder.calls) == 1
    await first.close()  # grace period passes, the worker is cancelled mid-job
    row = await _read_row(make_settings(), "interrupted")
    assert row["state"] == "running"

    recorder.block.set()
    await serve(make_settings(), recorder.router)  # start-up re-queues it
    await asyncio.wait_for(recorder.called.wait(), 5)
    assert len(recorder.calls) == 2
    assert [c[0].delivery_id for c in recorder.calls] == ["interrupted", "interrupted"]


async def _read_row(settings: Settings, delivery_id: str) -> dict[str, Any]:
    queue = await SQLiteQueue.open(settings.queue_path)
    try:
        row = await queue.get(delivery_id)
        assert row is not None
        return row
    finally:
        await queue.close()


async def test_failing_handler_is_retried_then_succeeds(serve: Serve, make_settings) -> None:
    recorder = Recorder()
    recorder.fail_times = 2
    client = await serve(make_settings(BOT_JOB_MAX_ATTEMPTS="3"), recorder.router)
    body = pr_opened()
    await post(client, body, signed_headers(body, "pull_request", delivery="flaky"))
    await asyncio.wait_for(recorder.called.wait(), 5)
    assert len(recorder.calls) == 3
    row = await client.server.app[QUEUE_KEY].get("flaky")
    assert row["state"] == "done" and row["attempts"] == 3


async def test_handler_failing_every_time_ends_failed_with_error(serve: Serve, make_settings) -> None:
    recorder = Recorder()
    recorder.fail_times = 10**6
    client = await serve(make_settings(BOT_JOB_MAX_ATTEMPTS="2"), recorder.router)
    body = pr_opened()
    await post(client, body, signed_headers(body, "pull_request", delivery="doomed"))
    queue: SQLiteQueue = client.server.app[QUEUE_KEY]
    for _ in range(200):
        row = await queue.get("doomed")
        if row and row["state"] == "failed":
            break
        await asyncio.sleep(0.02)
    assert row is not None and row["state"] == "failed" and row["attempts"] == 2
    assert "handler failure 2" in str(row["last_error"])
    assert len(recorder.calls) == 2
    async with client.get("/healthz") as resp:
        health = await resp.json()
    assert health["queue"]["failed"] == 1 and health["workers"]["failed"] == 2


async def test_healthz_and_index(serve: Serve, make_settings) -> None:
    client = await serve(make_settings(WORKERS="2"), Recorder().router)
    body = pr_opened()
    await post(client, body, signed_headers(body, "pull_request"))
    async with client.get("/healthz") as resp:
        assert resp.status == 200
        health = await resp.json()
    assert health["status"] == "ok"
    assert health["workers"]["configured"] == 2 and health["workers"]["alive"] == 2
    assert health["queue"]["depth"] + health["queue"]["running"] + health["queue"]["done"] == 1
    async with client.get("/") as resp:
        assert resp.status == 200
        info = await resp.json()
    assert info["version"] == "0.1.0" and info["name"] == "hybridize-bot" and "docs" in info


async def test_healthz_reports_dead_worker(serve: Serve, make_settings) -> None:
    client = await serve(make_settings(WORKERS="1"), Recorder().router)
    workers = client.server.app[WORKERS_KEY]
    workers._tasks[0].cancel()  # a worker that died must turn the health check red
    await asyncio.sleep(0.05)
    async with client.get("/healthz") as resp:
        assert resp.status == 503
        assert (await resp.json())["status"] == "degraded"


async def test_default_router_handles_installation_events(serve: Serve, make_settings, caplog) -> None:
    from hybridize_bot.bot import routing as bot_routing

    caplog.set_level("INFO")
    client = await serve(make_settings(), bot_routing.router)
    body = json.dumps(example("installation", "created.1.json")).encode()
    assert await post(client, body, signed_headers(body, "installation", delivery="inst-1")) == (
        202,
        {"status": "queued"},
    )
    for _ in range(100):
        if (await counts(client))["done"] == 1:
            break
        await asyncio.sleep(0.02)
    assert (await counts(client))["done"] == 1
    assert any("installation" in r.getMessage() and "inst-1" in r.getMessage() for r in caplog.records)
