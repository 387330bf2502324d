"""Private data at rest (issue 17, defect 4): with umask 022 the data directory was 0755 and the queue
and every cached blob (source files of private repositories) 0644; an uninstalled account's cached
source stayed on disk. The real server against the fake GitHub over loopback."""
from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest

from hybridize_bot.bot.followup.store import FollowupRecord, FollowupStore
from hybridize_bot.bot.private_data import expire

from .followup_harness import open_pr, pr_event
from .harness import start_bot, stop_bot


@pytest.fixture
async def umask_022_env(tmp_path):
    previous = os.umask(0o022)  # the usual default, under which the files came out world-readable
    # What an older version left behind: a world-readable data directory and cached blob.
    stale = tmp_path / "data" / "blobs" / "octo" / "stale"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"secret = 1\n")
    os.chmod(stale, 0o644)
    try:
        fake, bot = await start_bot(tmp_path)
        try:
            yield fake, bot
        finally:
            await stop_bot(fake, bot)
    finally:
        os.umask(previous)


def _loose(root: Path) -> list[str]:
    """Everything under root that is not a 0700 directory or a 0600 file."""
    out = []
    for path in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode != want:
            out.append(f"{path.relative_to(root.parent)} {mode:o}")
    return out


def _requests_state(data: Path) -> dict[str, list]:
    """What requests.sqlite3 holds: ETag repositories, rate-limit windows, token installations."""
    conn = sqlite3.connect(data / "requests.sqlite3")
    try:
        return {"etags": sorted({r[0] for r in conn.execute("SELECT repo FROM etags")}),
                "windows": sorted(r[0] for r in conn.execute("SELECT installation FROM rate_windows")),
                "tokens": sorted(r[0] for r in conn.execute("SELECT installation FROM tokens"))}
    finally:
        conn.close()


def _installation_event(bot, action: str, **extra) -> dict:
    inst = bot.fake.installations[next(iter(bot.fake.installations))]
    return {"action": action, "installation": {"id": inst.id, "account": {"login": "octo"}},
            "sender": {"login": "octo", "type": "User"}, **extra}


async def test_data_dir_is_private_whatever_the_umask_and_purged_when_access_ends(umask_022_env):
    fake, bot = umask_022_env
    data = bot.settings.data_dir
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    blobs = data / "blobs" / "octo" / "tiny-tf"
    assert sorted(p.name for p in (data / "blobs").iterdir()) == ["octo"]
    assert any(p.is_file() for p in blobs.rglob("*"))  # the source files of the pull request
    assert (data / "queue.sqlite3").exists() and (data / "analysis-cache").is_dir()
    assert _loose(data) == []

    assert (data / "blobs" / "octo" / "stale").read_bytes() == b"secret = 1\n"  # kept, but 0600 now

    FollowupStore(data).put_sync(FollowupRecord("octo/tiny-tf", pr.number, "hybridize/pr-1"))
    FollowupStore(data).put_sync(FollowupRecord("octo/other", 3, "hybridize/pr-3"))
    other = data / "blobs" / "octo" / "other"
    other.mkdir()
    (other / "x").write_bytes(b"y")

    installation = pr.repo.installation_id
    # What GitHub's answers left: ETags of the pull request, the window, the (sealed) token.
    assert _requests_state(data) == {"etags": ["octo/tiny-tf"], "windows": [str(installation), "app"],
                                     "tokens": [installation]}
    conn = sqlite3.connect(data / "requests.sqlite3")
    with conn:
        conn.execute("INSERT INTO etags VALUES (?, 'octo/other', 't', 'u', '[]', ?)", (installation, time.time() + 60))
    conn.close()

    await bot.deliver("installation_repositories", _installation_event(
        bot, "removed", repositories_added=[], repositories_removed=[{"full_name": "octo/tiny-tf"}]))
    assert not blobs.exists() and other.exists()
    assert FollowupStore(data).get_sync("octo/tiny-tf", pr.number) is None
    assert FollowupStore(data).get_sync("octo/other", 3) is not None
    assert _requests_state(data)["etags"] == ["octo/other"]

    await bot.deliver("installation", _installation_event(bot, "deleted", repositories=[]))
    assert not (data / "blobs" / "octo").exists()
    assert FollowupStore(data).get_sync("octo/other", 3) is None
    assert _requests_state(data) == {"etags": [], "windows": ["app"], "tokens": []}
    assert _loose(data) == []


def test_cached_files_expire_after_their_age(tmp_path):
    old_blob = tmp_path / "blobs" / "octo" / "r" / "ab" / "ab12"
    new_blob = tmp_path / "blobs" / "octo" / "r" / "cd" / "cd34"
    old_facts = tmp_path / "analysis-cache" / "v1" / "facts" / "00" / "0011"
    state = tmp_path / "followups.sqlite3"
    for path in (old_blob, new_blob, old_facts, state):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    day = 86400
    now = time.time()
    for path in (old_blob, old_facts, state):
        os.utime(path, (now - 8 * day, now - 8 * day))
    assert expire(tmp_path, 7 * day, now=now) == 2
    assert (old_blob.exists(), new_blob.exists(), old_facts.exists(), state.exists()) == (False, True, False, True)
