"""What one snapshot read costs, by source: the archive, blobs one by one, the file cache, Redis.

On the bench repository of bench/pr_requests.py (TF-Agents subset, about 54k lines), served by the fake
GitHub on loopback with the real client:

  * archive: `GET tarball` (302, then the download) and reading the analysable files out of it;
  * k blobs: k `GET git/blobs` (8 at a time, as the snapshot does), for k = 1, 8, 20;
  * cache reads of every analysable blob: `BlobCache` (files in BOT_DATA_DIR) and `RedisBlobStore`
    (a local redis-server, one MGET), and their writes.

These numbers choose `SnapshotLimits.archive_min_missing` and the shared store (docs/architecture.md).
Loopback has no network latency: against api.github.com each request adds a round trip (tens of ms),
which favours the archive further.

    python bench/fetch_costs.py [--repeats 5] [--write]
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import platform
import statistics
import sys
import tarfile
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402

from bench.pr_latency import write_section  # noqa: E402
from bench.pr_requests import repository  # noqa: E402
from hybridize_bot.bot.github import GitHubApp  # noqa: E402
from hybridize_bot.bot.pulls.archive import read_tarball, tree_archive  # noqa: E402
from hybridize_bot.bot.pulls.blob_store import RedisBlobStore, git_blob_sha  # noqa: E402
from hybridize_bot.bot.pulls.snapshot import BlobCache, _download_blob  # noqa: E402
from hybridize_bot.bot.settings import Settings  # noqa: E402
from tests.e2e.harness import APP_ID, PRIVATE_PEM, PUBLIC_PEM, SECRET  # noqa: E402
from tests.fakegithub import FakeGitHub  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402


async def timed(repeats: int, make: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await make()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def measure(repeats: int, tmp: Path) -> dict[str, float]:
    files = repository()
    blobs = {git_blob_sha(data): data for data in files.values()}
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    url = await fake.start()
    out: dict[str, float] = {"files": len(blobs), "bytes": sum(map(len, blobs.values()))}
    try:
        repo = fake.add_repo("bench/tf-agents")
        sha = fake.commit(repo, files)
        settings = Settings.from_env({"GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": PRIVATE_PEM,
                                      "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": url,
                                      "BOT_DATA_DIR": str(tmp / "data")})
        async with aiohttp.ClientSession() as session:
            gh = await GitHubApp(settings, session).client_for(repo.installation_id)
            read = tree_archive(gh, "bench", "tf-agents")
            assert read is not None
            got = await read(sha)
            assert got is not None and len(got) == len(files)
            out["archive"] = await timed(repeats, lambda: read(sha))
            shas = sorted(blobs)
            sem = asyncio.Semaphore(8)

            async def some(k: int) -> None:
                async def one(blob: str) -> None:
                    async with sem:
                        await _download_blob(gh, "bench", "tf-agents", blob)
                await asyncio.gather(*(one(b) for b in shas[:k]))

            for k in (1, 8, 20):
                out[f"blobs_{k}"] = await timed(repeats, lambda k=k: some(k))
    finally:
        await fake.stop()

    data = github_like_tarball(files)
    out["archive_bytes"] = len(data)
    out["read_tarball"] = await timed(repeats, lambda: asyncio.to_thread(read_tarball, data))
    cache = BlobCache(tmp / "blobs")
    out["file_put"] = await timed(1, lambda: cache.put_many(blobs))
    out["file_get"] = await timed(repeats, lambda: cache.get_many(blobs))
    with RedisServer(tmp / "redis", appendonly=False) as server:
        client = aioredis.Redis.from_url(server.url)
        store = RedisBlobStore(client, "bench:", "bench", "tf-agents", ttl_s=3600)
        out["redis_put"] = await timed(1, lambda: store.put_many(blobs))
        out["redis_get"] = await timed(repeats, lambda: store.get_many(blobs))
        await client.aclose()
    return out


def github_like_tarball(files: dict[str, bytes]) -> bytes:
    """The archive's layout as GitHub builds it (one top directory), gzip level 6 like `git archive`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(f"bench-tf-agents-0123456/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        r = asyncio.run(measure(args.repeats, Path(tmp)))
    per_blob = r["blobs_20"] / 20
    text = "\n".join([
        "## What a snapshot read costs, by source",
        "",
        f"Command: `python bench/fetch_costs.py --repeats {args.repeats} --write` ({time.strftime('%Y-%m-%d')}; "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs shared with other jobs, load average "
        f"{load[0]:.1f}; medians; fake GitHub and redis-server on loopback, so no network latency).",
        "",
        f"The {r['files']:.0f} analysable blobs ({r['bytes'] / 1e6:.1f} MB) of the bench repository "
        "(bench/pr_requests.py).",
        "",
        "| read | ms | API requests |",
        "|---|---:|---:|",
        f"| archive: `GET tarball`, its 302, the download, reading the analysable files (the fake keeps a "
        f"built archive per commit, as codeload does) | {r['archive']:.0f} | 1 |",
        f"| of which reading a {r['archive_bytes'] / 1e6:.2f} MB archive (`read_tarball`: inflate, check, keep "
        f"the analysable files) | {r['read_tarball']:.0f} | – |",
        f"| 1 blob (`GET git/blobs`) | {r['blobs_1']:.0f} | 1 |",
        f"| 8 blobs, 8 at a time | {r['blobs_8']:.0f} | 8 |",
        f"| 20 blobs, 8 at a time | {r['blobs_20']:.0f} | 20 |",
        f"| every blob from `BlobCache` (files in BOT_DATA_DIR) | {r['file_get']:.1f} | 0 |",
        f"| every blob from `RedisBlobStore` (one MGET) | {r['redis_get']:.1f} | 0 |",
        f"| writing every blob: files / Redis | {r['file_put']:.0f} / {r['redis_put']:.0f} | 0 |",
        "",
        f"On loopback the archive costs about as much time as {r['archive'] / per_blob:.0f} blob requests "
        f"({per_blob:.1f} ms each, 8 at a time); reading it alone as much as {r['read_tarball'] / per_blob:.0f}.",
        "",
    ])
    print(text)
    if args.write:
        write_section(ROOT / "bench" / "RESULTS.md", "## What a snapshot read costs, by source", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
