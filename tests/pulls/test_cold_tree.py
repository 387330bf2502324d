"""When the snapshot takes the archive and when it reads blobs (bot/pulls/snapshot.py), against the fake
GitHub over real HTTP: a cold cache is one archive; a few missing blobs are read one by one; an archive
that cannot be trusted or lacks files costs only the blobs it did not give."""
from __future__ import annotations

import gzip
import io
import tarfile

import aiohttp
import pytest

from hybridize_bot.bot.github import GitHubApp
from hybridize_bot.bot.pulls.archive import tree_archive
from hybridize_bot.bot.pulls.blob_store import git_blob_sha
from hybridize_bot.bot.pulls.snapshot import BlobCache, SnapshotLimits, fetch_snapshot
from tests.e2e.harness import APP_ID, PUBLIC_PEM
from tests.fakegithub import FakeGitHub
from tests.fakegithub.handlers_archive import plant

from .helpers import app_settings

FILES = {f"m{i}.py": f"x = {i}\n".encode() for i in range(10)}


@pytest.fixture
async def world(tmp_path):
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    url = await fake.start()
    settings = app_settings(url, tmp_path)
    repo = fake.add_repo("octo/proj")
    async with aiohttp.ClientSession() as session:
        gh = await GitHubApp(settings, session).client_for(repo.installation_id)
        yield fake, repo, gh, BlobCache(tmp_path / "blobs")
    await fake.stop()
    assert fake.violations == []


def _reads(fake, kind: str) -> int:
    return len(fake.requests_to("GET", rf"/{kind}/"))


async def test_a_cold_tree_is_one_archive_and_a_few_missing_blobs_are_read_one_by_one(world):
    fake, repo, gh, cache = world
    first = fake.commit(repo, FILES)
    snap = await fetch_snapshot(gh, "octo", "proj", first, cache, archive=tree_archive(gh, "octo", "proj"))
    assert snap.sources == FILES and snap.from_archive == 10 and snap.downloaded == 0
    assert (_reads(fake, "tarball"), _reads(fake, "git/blobs")) == (1, 0)

    changes = {f"m{i}.py": f"x = -{i}\n".encode() for i in range(3)}  # 3 < archive_min_missing (4)
    second = fake.commit(repo, changes)
    snap = await fetch_snapshot(gh, "octo", "proj", second, cache, archive=tree_archive(gh, "octo", "proj"))
    assert snap.sources == {**FILES, **changes} and snap.downloaded == 3 and snap.from_cache == 7
    assert (_reads(fake, "tarball"), _reads(fake, "git/blobs")) == (1, 3)

    changes = {f"m{i}.py": f"x = {i} * 2\n".encode() for i in range(4)}  # 4: the archive again
    third = fake.commit(repo, changes)
    snap = await fetch_snapshot(gh, "octo", "proj", third, cache, archive=tree_archive(gh, "octo", "proj"))
    assert snap.from_archive == 4 and snap.downloaded == 0 and snap.from_cache == 6
    assert (_reads(fake, "tarball"), _reads(fake, "git/blobs")) == (2, 3)


async def test_an_untrusted_archive_falls_back_to_blobs(world):
    fake, repo, gh, cache = world
    sha = fake.commit(repo, FILES)
    plant(fake, b"this is not a tarball")
    snap = await fetch_snapshot(gh, "octo", "proj", sha, cache, archive=tree_archive(gh, "octo", "proj"))
    assert snap.sources == FILES and snap.from_archive == 0 and snap.downloaded == 10


async def test_files_the_archive_lacks_or_gets_wrong_are_read_as_blobs(world):
    fake, repo, gh, cache = world
    sha = fake.commit(repo, FILES)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, data in FILES.items():
            if path in ("m0.py", "m1.py"):
                continue  # missing from the archive
            if path == "m2.py":
                data = b"x = 'tampered'\n"  # not the content the tree lists
            info = tarfile.TarInfo(f"octo-proj-{sha[:7]}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    plant(fake, gzip.compress(buffer.getvalue()))
    snap = await fetch_snapshot(gh, "octo", "proj", sha, cache, archive=tree_archive(gh, "octo", "proj"))
    assert snap.sources == FILES and snap.from_archive == 7 and snap.downloaded == 3
    read = sorted(r.path.rsplit("/", 1)[1] for r in fake.requests_to("GET", r"/git/blobs/"))
    assert read == sorted(git_blob_sha(FILES[p]) for p in ("m0.py", "m1.py", "m2.py"))


async def test_without_an_archive_reader_the_snapshot_reads_blobs(world):
    fake, repo, gh, cache = world
    sha = fake.commit(repo, FILES)
    snap = await fetch_snapshot(gh, "octo", "proj", sha, cache, SnapshotLimits())
    assert snap.downloaded == 10 and _reads(fake, "tarball") == 0
