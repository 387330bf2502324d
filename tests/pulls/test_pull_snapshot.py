"""PullSnapshot: each resource read once per job, whoever asks and however many ask at once."""
from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from hybridize_bot.bot.pulls.pull_snapshot import PullSnapshot
from hybridize_bot.bot.pulls.snapshot import BlobCache

PULL = {"number": 3, "state": "open", "head": {"sha": "h" * 40}, "base": {"sha": "b" * 40}}


class CountingGitHub:
    """Answers the reads a snapshot makes; holds every answer until `release` so askers overlap."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.release = asyncio.Event()

    async def getitem(self, url: str, url_vars: dict[str, Any] | None = None, **_: Any) -> Any:
        self.calls[url] += 1
        await self.release.wait()
        if url.endswith("/pulls/{pull_number}"):
            return PULL
        if "/git/commits/" in url:
            return {"tree": {"sha": "t" * 40}}
        if "/git/trees/" in url:
            return {"tree": [], "truncated": False}
        raise AssertionError(url)

    async def getiter(self, url: str, url_vars: dict[str, Any] | None = None, **_: Any):  # noqa: ANN201
        self.calls[url] += 1
        await self.release.wait()
        for item in ({"filename": "a.py", "status": "added", "patch": "@@ -0,0 +1 @@\n+x = 1"},):
            yield item

    async def get_bytes(self, url: str, url_vars: dict[str, Any] | None = None, **_: Any) -> bytes:
        self.calls[url] += 1
        await self.release.wait()
        return b"[tool.hybridize]\nignore = ['HYB001']\n"


async def test_concurrent_askers_share_one_request_per_resource(tmp_path):
    gh = CountingGitHub()
    snap = PullSnapshot(gh, "octo", "x", 3, BlobCache(tmp_path))
    askers = asyncio.gather(snap.prefetch(), snap.pull(), snap.changed(), snap.changed(),
                            snap.config("b" * 40), snap.files("h" * 40), snap.commit("h" * 40))
    await asyncio.sleep(0)  # every asker is now waiting on the held answers
    gh.release.set()
    pull, _, changed, again, config, files, commit = await askers
    assert pull is PULL and changed is again and list(changed.diffs) == ["a.py"]
    assert config.config.ignore == ("HYB001",) and files.sources == {} and commit == {"tree": {"sha": "t" * 40}}
    assert set(gh.calls.values()) == {1}  # no URL twice
    assert len(gh.calls) == 5  # pull, files, pyproject.toml, commit, tree


async def test_a_failed_read_fails_every_asker_the_same_way(tmp_path):
    class Failing(CountingGitHub):
        async def getitem(self, url: str, url_vars: dict[str, Any] | None = None, **_: Any) -> Any:
            self.calls[url] += 1
            await self.release.wait()
            raise RuntimeError("GitHub is down")

    gh = Failing()
    snap = PullSnapshot(gh, "octo", "x", 3, BlobCache(tmp_path))
    askers = asyncio.gather(snap.pull(), snap.pull(), return_exceptions=True)
    await asyncio.sleep(0)
    gh.release.set()
    first, second = await askers
    assert isinstance(first, RuntimeError) and first is second
    with pytest.raises(RuntimeError):
        await snap.pull()  # not asked again within the job: the queue retries the job whole
    assert sum(gh.calls.values()) == 1
