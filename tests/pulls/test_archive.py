"""The repository archive (bot/pulls/archive.py): fetched as GitHub serves it (302, then the download,
without the API token), and refused or trimmed when hostile. Real HTTP against the fake GitHub."""
from __future__ import annotations

import gzip
import io
import tarfile

import aiohttp
import pytest

from hybridize_bot.bot.github import GitHubApp
from hybridize_bot.bot.pulls.archive import ArchiveError, ArchiveLimits, fetch_archive, read_tarball
from hybridize_bot.bot.settings import Settings
from tests.e2e.harness import APP_ID, PRIVATE_PEM, PUBLIC_PEM, SECRET
from tests.fakegithub import FakeGitHub
from tests.fakegithub.gitobjects import MODE_SYMLINK
from tests.fakegithub.handlers_archive import plant, state

TOP = "octo-proj-0123456"


@pytest.fixture
async def world(tmp_path):
    fake = FakeGitHub(app_id=APP_ID, public_key_pem=PUBLIC_PEM)
    base_url = await fake.start()
    repo = fake.add_repo("octo/proj", private=True)
    sha = fake.commit(repo, {"src/model.py": b"import tensorflow as tf\n", "pyproject.toml": b"[project]\n",
                             "README.md": b"# proj\n", "data/weights.bin": b"\x00\x01" * 1000,
                             "requirements-dev.txt": b"tensorflow>=2.16\n"})
    settings = Settings.from_env({"GITHUB_APP_ID": str(APP_ID), "GITHUB_PRIVATE_KEY": PRIVATE_PEM,
                                  "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": base_url,
                                  "BOT_DATA_DIR": str(tmp_path / "data")})
    async with aiohttp.ClientSession() as session:
        token = await GitHubApp(settings, session).tokens.get(repo.installation_id)

        async def fetch(ref: str = "main", limits: ArchiveLimits = ArchiveLimits()):
            return await fetch_archive(session, base_url, "octo", "proj", ref,
                                       authorization=f"token {token}", limits=limits)
        yield fake, fetch, sha
    await fake.stop()
    assert fake.violations == [] and fake.response_violations == []


async def test_one_api_request_a_redirect_and_a_download_without_the_token(world):
    fake, fetch, _sha = world
    before = len(fake.requests)
    files = await fetch()
    assert sorted(files.sources) == ["pyproject.toml", "requirements-dev.txt", "src/model.py"]
    assert files.sources["src/model.py"] == b"import tensorflow as tf\n"
    assert files.commit == fake.repos["octo/proj"].branch("main")
    (api,) = fake.requests[before:]  # the download is not an API request
    assert api.path == "/repos/octo/proj/tarball/main" and api.headers["authorization"].startswith("token ")
    (download,) = state(fake).served
    assert "authorization" not in {h.lower() for h in download}  # the token stays with the API host


def _tar(members: list[tuple[tarfile.TarInfo, bytes | None]], *, pax: dict[str, str] | None = None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, pax_headers=pax or {}) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return gzip.compress(raw.getvalue(), compresslevel=9)


def _file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, None


GOOD = _file(f"{TOP}/ok.py", b"x = 1\n")

HOSTILE = [
    ("hard link", [GOOD, _special(f"{TOP}/h.py", tarfile.LNKTYPE, f"{TOP}/ok.py")], "is a hard link"),
    ("absolute", [GOOD, _file("/etc/cron.d/x.py", b"")], "absolute or non-posix path"),
    ("dot-dot", [GOOD, _file(f"{TOP}/../../x.py", b"")], "'..' path component"),
    ("outside the top directory", [GOOD, _file("other/x.py", b"")], "outside the archive's top directory"),
    ("device", [GOOD, _special(f"{TOP}/dev.py", tarfile.CHRTYPE)], "is a device"),
    ("fifo", [GOOD, _special(f"{TOP}/pipe.py", tarfile.FIFOTYPE)], "is a FIFO"),
    ("backslash", [GOOD, _file(f"{TOP}\\..\\x.py", b"")], "absolute or non-posix path"),
]


@pytest.mark.parametrize(("case", "members", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
async def test_hostile_members_refuse_the_archive(world, case, members, reason):
    fake, fetch, _sha = world
    plant(fake, _tar(members))
    with pytest.raises(ArchiveError, match=reason):
        await fetch()


async def test_symlinks_are_skipped_and_only_wanted_files_kept(world):
    fake, fetch, _sha = world
    plant(fake, _tar([GOOD, _special(f"{TOP}/evil.py", tarfile.SYMTYPE, "/etc/passwd"),
                      _file(f"{TOP}/big.py", b"#" * 2000), _file(f"{TOP}/notes.txt", b"hi")]))
    files = await fetch(limits=ArchiveLimits(max_file_bytes=1000))
    assert files.sources == {"ok.py": b"x = 1\n"}
    assert files.notes == ["evil.py: symlink, skipped", "big.py: 2000 bytes is above the 1000-byte limit, skipped"]


async def test_too_many_members(world):
    fake, fetch, _sha = world
    plant(fake, _tar([_file(f"{TOP}/m{i}.py", b"") for i in range(6)]))
    with pytest.raises(ArchiveError, match="more than 5 members"):
        await fetch(limits=ArchiveLimits(max_members=5))


async def test_a_decompression_bomb_is_refused_from_its_header(world):
    fake, fetch, _sha = world
    bomb = _tar([GOOD, _file(f"{TOP}/zeros.bin", bytes(20_000_000))])
    assert len(bomb) < 100_000  # 20 MB of zeros compress to a few kB
    plant(fake, bomb)
    with pytest.raises(ArchiveError, match="members larger than 10000000 bytes in total"):
        await fetch(limits=ArchiveLimits(max_total_bytes=10_000_000))


async def test_a_bomb_in_a_pax_header_stops_inflating_at_the_cap(world):
    fake, fetch, _sha = world
    # tarfile reads a pax header whole before yielding any member: the cap on inflating stops it.
    plant(fake, _tar([GOOD], pax={"comment": "A" * 20_000_000}))
    with pytest.raises(ArchiveError, match="inflates to more than 10000000 bytes"):
        await fetch(limits=ArchiveLimits(max_total_bytes=10_000_000))


async def test_an_oversized_download_is_cut_off(world):
    fake, fetch, _sha = world
    plant(fake, bytes(300_000))
    with pytest.raises(ArchiveError, match="archive larger than 200000 bytes"):
        await fetch(limits=ArchiveLimits(max_download_bytes=200_000))


@pytest.mark.parametrize("data", [b"not gzip at all", gzip.compress(b"not a tar" * 100), b""])
def test_garbage_is_refused(data):
    with pytest.raises(ArchiveError):
        read_tarball(data)
