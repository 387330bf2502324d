"""Reading a pull request from the fake GitHub with the real client: files, snapshot cache, config."""
from __future__ import annotations

import aiohttp
import pytest

from hybridize_bot.bot.github import GitHubApp
from hybridize_bot.bot.pulls.reads import MAX_PR_FILES, list_changed_files, read_base_config
from hybridize_bot.bot.pulls.snapshot import BlobCache, SnapshotLimits, fetch_snapshot, git_blob_sha
from hybridize_bot.bot.settings import Settings
from tests.e2e.harness import APP_ID, PRIVATE_PEM, PUBLIC_PEM, SECRET
from tests.fakegithub import FakeGitHub


@pytest.fixture
async def gh_env(tmp_path):
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    url = await fake.start()
    settings = Settings.from_env({"GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": PRIVATE_PEM,
                                  "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": url,
                                  "BOT_DATA_DIR": str(tmp_path), "GITHUB_RETRY_BASE_DELAY": "0.01"})
    repo = fake.add_repo("octo/proj")
    async with aiohttp.ClientSession() as session:
        gh = await GitHubApp(settings, session).client_for(repo.installation_id)
        yield fake, repo, gh
    await fake.stop()
    assert fake.violations == []


def test_blob_cache_verifies_content_and_refuses_odd_names(tmp_path):
    cache = BlobCache(tmp_path / "blobs")
    data = b"x = 1\n"
    sha = git_blob_sha(data)
    assert cache.get(sha) is None
    cache.put(sha, data)
    assert cache.get(sha) == data and (tmp_path / "blobs" / sha[:2] / sha).is_file()
    with pytest.raises(ValueError):
        cache.put(sha, b"tampered\n")
    with pytest.raises(ValueError):
        cache.get("../../etc/passwd")
    assert [p.name for p in (tmp_path / "blobs" / sha[:2]).iterdir()] == [sha]  # no temp files left


async def test_snapshot_reads_only_analysable_files_and_a_push_downloads_only_changed_blobs(gh_env, tmp_path):
    fake, repo, gh = gh_env
    files = {f"pkg/m{i}.py": f"x = {i}\n".encode() for i in range(6)}
    files.update({"README.md": b"# hi\n", "pyproject.toml": b"[project]\nname='p'\n",
                  "requirements-dev.txt": b"pytest\n", "big.py": b"#" * 5000 + b"\n"})
    first = fake.commit(repo, files)
    link = fake.commit(repo, {"link.py": b"pkg/m0.py"}, mode="120000")
    cache = BlobCache(tmp_path / "cache")
    limits = SnapshotLimits(max_file_bytes=4096)
    snap = await fetch_snapshot(gh, "octo", "proj", link, cache, limits)
    assert set(snap.sources) == {*(f"pkg/m{i}.py" for i in range(6)), "pyproject.toml", "requirements-dev.txt"}
    assert snap.sources["pkg/m3.py"] == b"x = 3\n"
    assert snap.downloaded == 8 and snap.from_cache == 0
    assert any("big.py" in n and "5,001 bytes" in n for n in snap.notes)
    assert any("link.py" in n and "symlink" in n for n in snap.notes)
    assert first != link

    blob_gets = len(fake.requests_to("GET", r"/git/blobs/"))
    second = fake.commit(repo, {"pkg/m1.py": b"x = 'one'\n", "pkg/new.py": b"y = 2\n"})
    snap2 = await fetch_snapshot(gh, "octo", "proj", second, cache, limits)
    assert snap2.downloaded == 2 and snap2.from_cache == 7
    assert len(fake.requests_to("GET", r"/git/blobs/")) - blob_gets == 2
    assert snap2.sources["pkg/m1.py"] == b"x = 'one'\n" and snap2.sources["pkg/new.py"] == b"y = 2\n"


async def test_snapshot_file_count_cap_is_reported_as_partial(gh_env, tmp_path):
    fake, repo, gh = gh_env
    sha = fake.commit(repo, {f"m{i}.py": b"pass\n" for i in range(5)})
    snap = await fetch_snapshot(gh, "octo", "proj", sha, BlobCache(tmp_path / "c"), SnapshotLimits(max_files=3))
    assert list(snap.sources) == ["m0.py", "m1.py", "m2.py"]
    assert snap.partial and "3 files" in snap.partial[0]


async def test_changed_files_paginate_and_report_missing_patches(gh_env):
    fake, repo, gh = gh_env
    main = fake.commit(repo, {"a.py": b"a = 1\n", "gone.py": b"g = 1\n"})
    changes = {f"new/f{i}.py": f"v = {i}\n".encode() for i in range(150)}
    changes.update({"a.py": b"a = 2\n", "bin.py": b"\x00\x01binary", "gone.py": None})
    fake.commit(repo, changes, branch="feature", parent=main)
    pr = fake.open_pull_request(repo, "feature")
    out = await list_changed_files(gh, "octo", "proj", pr.number)
    assert out.count == 153 and len(fake.requests_to("GET", r"/pulls/\d+/files$")) == 2  # 100 per page
    assert "gone.py" not in out.diffs and out.diffs["a.py"].added_lines == {1}
    assert out.diffs["bin.py"].patch_missing and any("bin.py" in n for n in out.notes)
    assert out.partial == []


async def test_changed_files_cap_is_reported_as_partial(gh_env):
    fake, repo, gh = gh_env
    main = fake.commit(repo, {"a.py": b"a = 1\n"})
    fake.commit(repo, {f"f{i:04}.py": b"x = 1\n" for i in range(MAX_PR_FILES + 5)}, branch="feature", parent=main)
    pr = fake.open_pull_request(repo, "feature")
    out = await list_changed_files(gh, "octo", "proj", pr.number)
    assert out.count == MAX_PR_FILES
    assert out.partial and "3,000" in out.partial[0]


async def test_base_config_defaults_errors_and_bot_table(gh_env):
    fake, repo, gh = gh_env
    none = fake.commit(repo, {"a.py": b"pass\n"})
    cfg = await read_base_config(gh, "octo", "proj", none)
    assert cfg.problems == () and cfg.options.max_inline_comments == 25

    broken = fake.commit(repo, {"pyproject.toml": b"[tool.hybridize\n"})
    cfg = await read_base_config(gh, "octo", "proj", broken)
    assert len(cfg.problems) == 1 and "not valid TOML" in cfg.problems[0]

    mixed = fake.commit(repo, {"pyproject.toml": b'[tool.hybridize]\nselect = ["BAD!"]\n[tool.hybridize.bot]\n'
                                                 b'max-inline-comments = 4\n'})
    cfg = await read_base_config(gh, "octo", "proj", mixed)
    assert cfg.config.select is None  # analysis defaults
    assert cfg.options.max_inline_comments == 4  # the valid bot table still applies
    assert len(cfg.problems) == 1 and "BAD!" in cfg.problems[0]
