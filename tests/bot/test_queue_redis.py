"""RedisQueue beyond the shared contract: several processes, leases, AOF restart, Redis down,
QUEUE_URL, and the real app twice ("two machines") on one real redis-server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis
from aiohttp.test_utils import TestClient, TestServer
from gidgethub import routing, sansio

from hybridize_bot.bot.context import BotContext
from hybridize_bot.bot.queue import DEDUPE_RETENTION_S
from hybridize_bot.bot.queue_redis import QueueUnavailable, RedisQueue
from hybridize_bot.bot.server import build_app
from hybridize_bot.bot.settings import Settings, SettingsError
from hybridize_bot.bot.webhook import QUEUE_KEY
from tests.redis_server import RedisServer, free_port, redis_server, redis_url  # noqa: F401

from .conftest import example, signed_headers

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def open_queue(redis_url: str) -> AsyncIterator[Any]:
    """Open RedisQueues on the test server (several = several workers); closed at the end."""
    queues: list[RedisQueue] = []

    async def open_(**options: Any) -> RedisQueue:
        queue = await RedisQueue.open(redis_url, **options)
        queues.append(queue)
        return queue

    yield open_
    for queue in queues:
        await queue.close()


# -- several workers, several processes --------------------------------------------------------

_CLAIMER = """
import asyncio, sys
from hybridize_bot.bot.queue_redis import RedisQueue

async def main(url):
    queue = await RedisQueue.open(url)
    print("ready", flush=True)
    sys.stdin.readline()  # start together with the other process
    claimed = []

    async def loop():
        while (job := await queue.claim()) is not None:
            claimed.append(job.delivery_id)
            await asyncio.sleep(0.001)  # "work"
            await queue.complete(job)

    await asyncio.gather(*(loop() for _ in range(4)))
    await queue.close()
    print(" ".join(claimed), flush=True)

asyncio.run(main(sys.argv[1]))
"""


async def test_two_processes_hammering_claim_never_share_a_job(open_queue, redis_url: str) -> None:
    queue = await open_queue()
    total = 400
    for n in range(total):
        assert await queue.enqueue(f"d{n}", "e", b"{}")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CLAIMER, redis_url],
            cwd=REPO, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        for child in children:
            ready = await asyncio.wait_for(asyncio.to_thread(child.stdout.readline), 20)
            assert ready == b"ready\n"
        for child in children:
            child.stdin.write(b"go\n")
            child.stdin.flush()
        outputs = [
            await asyncio.wait_for(asyncio.to_thread(child.communicate), 20) for child in children
        ]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    per_process = [out.decode().split() for out, _ in outputs]
    every_claim = Counter(d for claimed in per_process for d in claimed)
    assert set(every_claim) == {f"d{n}" for n in range(total)}
    assert max(every_claim.values()) == 1, "a job was claimed twice"
    assert all(per_process), "both processes should have taken part"
    assert await queue.counts() == {"queued": 0, "running": 0, "done": total, "failed": 0}


async def test_many_connections_claim_concurrently_without_sharing(open_queue) -> None:
    workers = [await open_queue() for _ in range(6)]
    for n in range(60):
        await workers[0].enqueue(f"c{n}", "e", b"{}")
    claims = await asyncio.gather(*(w.claim() for w in workers for _ in range(12)))
    ids = [job.delivery_id for job in claims if job is not None]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert claims.count(None) == 12


# -- leases --------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_expired_lease_is_taken_over_and_the_stale_holder_is_ignored(open_queue) -> None:
    clock = Clock()
    stalled = await open_queue(clock=clock, lease_s=30)
    other = await open_queue(clock=clock, lease_s=30)
    await stalled.enqueue("slow", "e", b"{}")
    first = await stalled.claim()
    assert first is not None and await other.claim() is None  # leased: not claimable
    stalled._held.clear()  # its process freezes: no more renewals (as if the machine hung)
    clock.now += 31
    second = await other.claim()  # any worker notices the expired lease
    assert second is not None and second.id == first.id and second.attempts == 2
    await stalled.complete(first)  # the frozen one wakes up: its claim is no longer valid
    assert await other.counts() == {"queued": 0, "running": 1, "done": 0, "failed": 0}
    assert await stalled.fail(first, "late failure") == "running"  # ignored as well
    await other.complete(second)
    assert await other.counts() == {"queued": 0, "running": 0, "done": 1, "failed": 0}


async def test_held_job_lease_is_renewed_while_processing(open_queue) -> None:
    holder = await open_queue(lease_s=0.5)  # renewed every 0.5 / 3 s
    thief = await open_queue(lease_s=0.5)
    await holder.enqueue("long", "e", b"{}")
    job = await holder.claim()
    assert job is not None
    for _ in range(12):  # 1.2 s: more than two lease periods
        await asyncio.sleep(0.1)
        assert await thief.claim() is None
    await holder.complete(job)
    assert (await thief.counts())["done"] == 1


async def test_job_that_keeps_killing_its_worker_ends_failed(open_queue) -> None:
    clock = Clock()
    queue = await open_queue(clock=clock, lease_s=10, max_attempts=2)
    await queue.enqueue("poison", "e", b"{}")
    for attempt in (1, 2):
        job = await queue.claim()
        assert job is not None and job.attempts == attempt
        queue._held.clear()  # the worker died with it
        clock.now += 11
    assert await queue.recover() == 0  # attempts used up: not re-queued again
    row = await queue.get("poison")
    assert row is not None and row["state"] == "failed"
    assert "lease expired" in str(row["last_error"])
    assert await queue.claim() is None


async def test_close_requeues_held_jobs_at_once(open_queue) -> None:
    leaving = await open_queue()
    staying = await open_queue()
    await leaving.enqueue("handover", "e", b"{}")
    assert await leaving.claim() is not None
    ticket = staying.ticket()
    await leaving.close()  # graceful shutdown with the job interrupted
    await asyncio.wait_for(staying.wait(ticket, timeout=5), 2)  # woken by pub/sub
    job = await staying.claim()
    assert job is not None and job.delivery_id == "handover" and job.attempts == 2


# -- dedupe retention, durability, Redis down -------------------------------------------------


async def test_dedupe_key_expires_after_the_retention(open_queue, redis_url: str) -> None:
    queue = await open_queue(dedupe_retention_s=0.3)
    await queue.enqueue("r", "e", b"{}")
    job = await queue.claim()
    await queue.complete(job)
    assert not await queue.enqueue("r", "e", b"{}")
    await asyncio.sleep(0.4)
    assert await queue.enqueue("r", "e", b"{}")  # forgotten, like SQLite's prune

    default = await open_queue()
    await default.enqueue("week", "e", b"{}")
    with redis.Redis.from_url(redis_url) as client:
        ttl = client.pttl("hybridize-bot:dedupe:week") / 1000
    assert DEDUPE_RETENTION_S - 60 < ttl <= DEDUPE_RETENTION_S


async def test_jobs_survive_a_killed_redis_with_aof(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        queue = await RedisQueue.open(server.url)
        for n in range(3):
            await queue.enqueue(f"p{n}", "pull_request", b'{"n": %d}' % n)
        running = await queue.claim()
        assert running is not None
        server.kill()  # SIGKILL right after the acknowledgements: nothing but the AOF is left
        started = time.monotonic()
        with pytest.raises((redis.RedisError, OSError)):
            await queue.enqueue("while-down", "e", b"{}")  # the webhook answers 503
        assert time.monotonic() - started < 8  # before GitHub's 10 s delivery timeout
        await queue.close()

        server.start()  # same dir, same port: replays the AOF
        queue = await RedisQueue.open(server.url)
        try:
            assert await queue.counts() == {"queued": 2, "running": 1, "done": 0, "failed": 0}
            assert not await queue.enqueue("p1", "pull_request", b"{}")  # dedupe survived too
            job = await queue.claim()
            assert job is not None and (job.delivery_id, job.payload) == ("p1", b'{"n": 1}')
        finally:
            await queue.close()
    finally:
        server.stop()


async def test_unreachable_redis_is_one_clear_error() -> None:
    with pytest.raises(QueueUnavailable, match=r"Redis queue at redis://:\*\*\*@127\.0\.0\.1"):
        await RedisQueue.open(f"redis://:hunter2@127.0.0.1:{free_port()}/0")


async def test_warns_when_redis_has_no_aof(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with RedisServer(tmp_path / "r", appendonly=False) as server:
        queue = await RedisQueue.open(server.url)
        await queue.close()
    assert any("without appendonly" in r.getMessage() for r in caplog.records)


# -- QUEUE_URL -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [(None, "sqlite:"), ("", "sqlite:"), ("sqlite:", "sqlite:"),
     ("redis://10.0.0.5:6379/2", "redis://10.0.0.5:6379/2"),
     ("rediss://:pw@cache.internal:6380/0", "rediss://:pw@cache.internal:6380/0")],
)
def test_queue_url_setting(make_settings, value: str | None, expected: str) -> None:
    settings = make_settings(**({} if value is None else {"QUEUE_URL": value}))
    assert settings.queue_url == expected
    assert settings.uses_redis == expected.startswith("redis")
    assert "pw" not in repr(settings)


@pytest.mark.parametrize(
    "value", ["redis://", "http://cache:6379/0", "redis://cache:port/0", "redis://cache:6379/one",
              "postgres://db/0", "redis://:s3cret@cache:99999/0"],
)
def test_bad_queue_url_is_one_line_without_the_password(make_settings, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        make_settings(QUEUE_URL=value)
    message = str(error.value)
    assert message.startswith("QUEUE_URL=") and "\n" not in message and "s3cret" not in message


def test_app_with_unreachable_redis_exits_with_one_line(tmp_path: Path, private_pem: str) -> None:
    env = {
        **os.environ, "PYTHONPATH": str(REPO), "GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": private_pem,
        "GITHUB_WEBHOOK_SECRET": "s", "BOT_DATA_DIR": str(tmp_path), "HOST": "127.0.0.1",
        "PORT": str(free_port()), "QUEUE_URL": f"redis://:hunter2@127.0.0.1:{free_port()}/0",
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("hybridize-bot: cannot start: Redis queue at redis://:***@127.0.0.1")
    assert "hunter2" not in result.stderr


# -- the real app twice on one Redis ("two machines") -----------------------------------------


class Recorder:
    """A real router whose pull_request handler records which machine handled which delivery."""

    def __init__(self) -> None:
        self.router = routing.Router()
        self.handled: list[tuple[str, str]] = []
        self.router.add(self._on_pr, "pull_request", action="opened")

    async def _on_pr(self, event: sansio.Event, gh: Any, ctx: BotContext) -> None:
        await asyncio.sleep(0.005)  # a little work, so that jobs overlap
        self.handled.append((event.delivery_id, ctx.settings.bot_name))


@pytest.fixture
async def machines() -> AsyncIterator[Any]:
    clients: list[TestClient] = []

    async def start(settings: Settings, router: routing.Router) -> TestClient:
        app = build_app(settings, router=router, poll_interval_s=0.05, shutdown_grace_s=0.5)
        client = TestClient(TestServer(app))  # a real 127.0.0.1 port
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


def pr_opened() -> bytes:
    data = example("pull_request", "opened.0.json")
    data["installation"] = {"id": 77}
    return json.dumps(data).encode()


async def post(client: TestClient, body: bytes, delivery: str) -> tuple[int, Any]:
    headers = signed_headers(body, "pull_request", delivery=delivery)
    async with client.post("/webhook", data=body, headers=headers) as resp:
        return resp.status, await resp.json()


async def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_two_apps_on_one_redis_handle_each_delivery_once(
    machines, make_settings, redis_url: str
) -> None:
    recorder = Recorder()
    a = await machines(make_settings(QUEUE_URL=redis_url, WORKERS="2", BOT_NAME="a"), recorder.router)
    b = await machines(make_settings(QUEUE_URL=redis_url, WORKERS="2", BOT_NAME="b"), recorder.router)
    body = pr_opened()
    total = 40
    answers = await asyncio.gather(
        *(post(a if n % 2 else b, body, f"guid-{n}") for n in range(total))
    )
    assert all(answer == (202, {"status": "queued"}) for answer in answers)
    await wait_for(lambda: len(recorder.handled) >= total)

    # GitHub redelivers guid-1 (first sent to a) and it lands on b: acknowledged, not queued.
    assert await post(b, body, "guid-1") == (202, {"status": "duplicate"})
    assert await post(a, body, "guid-2") == (202, {"status": "duplicate"})
    await asyncio.sleep(0.3)  # time for any double processing to show up
    per_delivery = Counter(delivery for delivery, _ in recorder.handled)
    assert per_delivery == Counter({f"guid-{n}": 1 for n in range(total)})
    for client in (a, b):
        async with client.get("/healthz") as resp:
            health = await resp.json()
        assert health["queue"] == {"depth": 0, "queued": 0, "running": 0, "done": total, "failed": 0}


async def test_web_only_machine_feeds_a_worker_machine(machines, make_settings, redis_url) -> None:
    recorder = Recorder()
    web = await machines(make_settings(QUEUE_URL=redis_url, WORKERS="0", BOT_NAME="web"), recorder.router)
    await machines(make_settings(QUEUE_URL=redis_url, WORKERS="1", BOT_NAME="worker"), recorder.router)
    body = pr_opened()
    for n in range(5):
        assert (await post(web, body, f"w-{n}"))[0] == 202
    await wait_for(lambda: len(recorder.handled) == 5)
    assert {machine for _, machine in recorder.handled} == {"worker"}
    row = await web.server.app[QUEUE_KEY].get("w-3")
    assert row is not None and row["state"] == "done" and row["attempts"] == 1


async def test_webhook_answers_503_while_redis_is_down(machines, make_settings, tmp_path) -> None:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        client = await machines(make_settings(QUEUE_URL=server.url, WORKERS="0"), Recorder().router)
        body = pr_opened()
        assert await post(client, body, "before") == (202, {"status": "queued"})
        server.kill()
        status, answer = await post(client, body, "during")
        assert status == 503 and "redeliver" in answer["error"]
        async with client.get("/healthz") as resp:
            assert resp.status == 503
        server.start()
        assert await post(client, body, "during") == (202, {"status": "queued"})  # GitHub's redelivery
        assert await post(client, body, "before") == (202, {"status": "duplicate"})
    finally:
        server.stop()
