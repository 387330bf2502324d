"""The content-addressed store on the queue's Redis: shared by processes, bounded, purged with the
repository (issue 17). Real redis-server, real HTTP to the fake GitHub."""
from __future__ import annotations

import aiohttp
import pytest
import redis.asyncio as aioredis

from hybridize_bot.bot.github import GitHubApp
from hybridize_bot.bot.pulls.archive import tree_archive
from hybridize_bot.bot.pulls.blob_store import RedisBlobStore, git_blob_sha
from hybridize_bot.bot.pulls.pull_snapshot import PullSnapshot
from hybridize_bot.bot.state_redis import forgetter, redis_stores
from tests.e2e.harness import APP_ID, PUBLIC_PEM
from tests.fakegithub import FakeGitHub
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures)

from .helpers import app_settings

PREFIX = "hyb:"
FILES = {**{f"pkg/m{i}.py": f"x = {i}\n".encode() for i in range(10)}, "pkg/__init__.py": b"",
         "tests/__init__.py": b"", "pyproject.toml": b"[project]\nname = 'p'\n", "README.md": b"# p\n"}


@pytest.fixture
async def client(redis_url):  # noqa: F811
    client = aioredis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_second_process_fetches_nothing_the_first_one_fetched(redis_url, tmp_path):  # noqa: F811
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    url = await fake.start()
    repo = fake.add_repo("octo/proj")
    head = fake.commit(repo, FILES)
    snapshots = []
    try:
        for process in ("one", "two"):  # own data dir, own HTTP session, own Redis connection
            settings = app_settings(url, tmp_path / process)
            client = aioredis.Redis.from_url(redis_url)
            async with aiohttp.ClientSession() as session:
                gh = await GitHubApp(settings, session).client_for(repo.installation_id)
                blobs = redis_stores(client, PREFIX).blobs
                assert blobs is not None
                start = len(fake.requests)
                snap = PullSnapshot(gh, "octo", "proj", 1, blobs("octo", "proj"), archive=tree_archive(gh, "octo", "proj"))
                files = await snap.files(head)
                reads = sorted(r.path.rsplit("/", 2)[-2] for r in fake.requests[start:] if "/repos/" in r.path)
                snapshots.append((files, reads))
            await client.aclose()
    finally:
        await fake.stop()
    (first, first_reads), (second, second_reads) = snapshots
    wanted = {p: d for p, d in FILES.items() if p != "README.md"}
    assert first.sources == second.sources == wanted
    assert first_reads == ["commits", "tarball", "trees"] and first.from_archive == 13 and first.downloaded == 0
    assert second_reads == [] and second.from_cache == 13  # commit, tree and every blob from Redis
    assert fake.violations == []


async def test_entries_expire_the_oldest_go_past_the_cap_and_bad_content_is_refused(client):
    clock = iter(float(t) for t in range(1_000, 2_000))
    store = RedisBlobStore(client, PREFIX, "Octo", "Proj", ttl_s=3600, max_bytes=25, clock=lambda: next(clock))
    blobs = {git_blob_sha(data): data for data in (b"a" * 10, b"b" * 10, b"c" * 10)}
    first, second, third = blobs
    await store.put_many({first: blobs[first]})
    await store.put_many({second: blobs[second]})
    assert 0 < await client.pttl(f"{PREFIX}blob:octo/proj:{first}") <= 3_600_000
    await store.put_many({third: blobs[third]})  # 30 bytes > 25: the oldest goes
    assert await store.get_many(blobs) == {second: blobs[second], third: blobs[third]}
    assert int(await client.get(f"{PREFIX}blobbytes")) == 20
    with pytest.raises(ValueError):
        await store.put_many({first: b"not that content"})
    assert await store.get_many([first]) == {}


async def test_forgetting_a_repository_deletes_its_cached_content_only(client):
    kept = RedisBlobStore(client, PREFIX, "octo", "other", ttl_s=60)
    gone = RedisBlobStore(client, PREFIX, "octo", "proj", ttl_s=60)
    data = b"secret = 1\n"
    for store in (kept, gone):
        await store.put_many({git_blob_sha(data): data})
        await store.put_object("tree:" + "1" * 40, b"{}")
    await forgetter(client, PREFIX)(["octo/proj"], None)
    assert await gone.get_many([git_blob_sha(data)]) == {} and await gone.get_object("tree:" + "1" * 40) is None
    assert await kept.get_many([git_blob_sha(data)]) == {git_blob_sha(data): data}
    await forgetter(client, PREFIX)([], "octo")  # the App was uninstalled from the account
    assert await kept.get_many([git_blob_sha(data)]) == {}
