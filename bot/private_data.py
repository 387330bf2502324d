"""Private data at rest in BOT_DATA_DIR: permissions, per-repository purge, expiry (issue 17, point 4).

BOT_DATA_DIR holds source files of private repositories (cached blobs, the analysis cache's facts and
findings with code snippets), the queue (webhook payloads) and per-pull-request state. So:

* `secure_data_dir` sets the process umask to 077 before anything is written (SQLite creates its
  -wal/-shm files with the database file's permissions; blobs and cache files are created by this
  process and its workers, which inherit the umask), creates the directory 0700, and tightens whatever
  an older version left there: directories 0700, files 0600, whatever the umask the bot was started
  with.
* Cached blobs live under `blobs/<owner>/<repo>/` (`blob_dir`), so an installation's cached source can
  be deleted when it goes: `purge_account` on `installation.deleted`, `purge_repositories` on
  `installation_repositories.removed` (with the follow-up and command records of those repositories).
* `expire` deletes cached blobs and analysis-cache files older than CACHE_MAX_AGE_DAYS (default 7);
  the server runs it at start and hourly. The analysis cache is content-addressed and shared by all
  repositories, so it is not split per installation: expiry bounds how long it keeps anything.

See docs/security.md.
"""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import stat
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
DIR_MODE, FILE_MODE = 0o700, 0o600
BLOBS = "blobs"
ANALYSIS_CACHE = "analysis-cache"
# Per-repository records: (file in BOT_DATA_DIR, table); each table has a `repo` column, "owner/name".
_RECORDS = (("followups.sqlite3", "followups"), ("commands.sqlite3", "ignored"),
            ("commands.sqlite3", "handled"), ("requests.sqlite3", "etags"))


def secure_data_dir(data_dir: Path) -> int:
    """Umask 077 for this process, then BOT_DATA_DIR 0700 and everything in it 0700/0600.

    Returns the previous umask (the caller may restore it when the server stops)."""
    previous = os.umask(PRIVATE_UMASK)
    data_dir.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    tighten(data_dir)
    return previous


def tighten(root: Path) -> None:
    """Directories 0700 and regular files 0600 under (and including) `root`; links are not followed."""
    os.chmod(root, DIR_MODE)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            _chmod(Path(dirpath, name), DIR_MODE, stat.S_ISDIR)
        for name in filenames:
            _chmod(Path(dirpath, name), FILE_MODE, stat.S_ISREG)


def _chmod(path: Path, mode: int, kind: object) -> None:
    with contextlib.suppress(FileNotFoundError):  # a file a worker just replaced
        info = path.lstat()
        if kind(info.st_mode) and stat.S_IMODE(info.st_mode) != mode:  # type: ignore[operator]
            os.chmod(path, mode)


def blob_dir(data_dir: Path, owner: str, repo: str) -> Path:
    """Where the blobs of one repository are cached (names as GitHub spells them, lower case)."""
    return data_dir / BLOBS / _segment(owner) / _segment(repo)


def _segment(name: str) -> str:
    name = name.lower()
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"not a GitHub account or repository name: {name!r}")
    return name


def purge_repositories(data_dir: Path, full_names: Iterable[str]) -> list[str]:
    """Delete the cached blobs and the records of repositories ("owner/name"); returns what was purged."""
    purged = []
    for full_name in full_names:
        owner, _, repo = full_name.partition("/")
        shutil.rmtree(blob_dir(data_dir, owner, repo), ignore_errors=True)
        _delete_records(data_dir, "repo = ?", full_name.lower())
        purged.append(full_name)
    return purged


def purge_account(data_dir: Path, login: str) -> None:
    """Delete everything cached for an account's repositories (the App was uninstalled from it)."""
    shutil.rmtree(data_dir / BLOBS / _segment(login), ignore_errors=True)
    _delete_records(data_dir, "repo LIKE ? ESCAPE '\\'", _like_prefix(login.lower()) + "/%")


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _delete_records(data_dir: Path, where: str, value: str) -> None:
    for file_name, table in _RECORDS:
        path = data_dir / file_name
        if not path.exists():
            continue
        conn = sqlite3.connect(path, timeout=30)
        try:
            with conn:
                conn.execute(f"DELETE FROM {table} WHERE {where}", (value,))  # noqa: S608 (fixed names)
        except sqlite3.OperationalError as exc:  # the table was never created
            log.debug("no %s in %s: %s", table, file_name, exc)
        finally:
            conn.close()


def expire(data_dir: Path, max_age_s: float, now: float | None = None) -> int:
    """Delete cached blobs and analysis-cache files last written more than `max_age_s` ago."""
    cutoff = (time.time() if now is None else now) - max_age_s
    removed = 0
    for store in (BLOBS, ANALYSIS_CACHE):
        for dirpath, _dirnames, filenames in os.walk(data_dir / store):
            for name in filenames:
                path = Path(dirpath, name)
                with contextlib.suppress(FileNotFoundError):
                    if path.lstat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
    return removed
