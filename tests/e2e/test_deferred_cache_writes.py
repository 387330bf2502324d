"""A cold review publishes its check run before the analysis cache is written (analysis/pipeline/deferred.py):
the project snapshot is written by a background writer afterwards, and the follow-up, which needs it,
waits for that writer instead of analyzing the repository again."""
from __future__ import annotations

import asyncio
import fcntl
import os

from hybridize_bot.analysis.pipeline.deferred import WRITER_LOCK

from .followup_harness import followups

# Large enough for a whole run with a project snapshot (analysis/pipeline/scope.py: 64 modules or
# more, most of them needed): every module imports the one before it, so a change to the first needs all.
MODULES = 70
CHAIN = {f"pkg/mod{i}.py": (f"from pkg.mod{i - 1} import f{i - 1}\n\n\ndef f{i}(x):\n    return f{i - 1}(x) + {i}\n"
                            if i else "def f0(x):\n    return x\n").encode() for i in range(MODULES)}
CHAIN["pkg/__init__.py"] = b""
CHAIN["pyproject.toml"] = b'[project]\nname = "chain"\ndependencies = ["tensorflow>=2.16"]\n'
CHANGE = b"""import tensorflow as tf


def f0(x):
    return x


@tf.function(experimental_relax_shapes=True)
def step(x):
    print("traced", x)
    return x
"""


def _snapshot_files(root) -> list[str]:  # noqa: ANN001
    projects = root / "projects"
    return sorted(p.name for p in projects.rglob("*") if p.is_file()) if projects.exists() else []


async def _completed(bot, head_sha: str, timeout: float = 60.0) -> None:  # noqa: ANN001
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(r.status == "completed" for r in bot.check_runs(head_sha)):
        assert loop.time() < deadline, "no completed check run"
        await asyncio.sleep(0.02)


async def test_the_check_run_completes_before_the_snapshot_is_written(env) -> None:
    fake, bot = env
    repo = fake.add_repo("octo/chain")
    main = fake.commit(repo, CHAIN, message="base")
    fake.commit(repo, {"pkg/mod0.py": CHANGE}, branch="feature", parent=main, message="feature")
    pr = fake.open_pull_request(repo, "feature")
    root = bot.settings.analysis_cache_dir / "v1"
    root.mkdir(parents=True)
    # Holding the writers' lock holds the review's background writer before its first write.
    held = os.open(root / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        sent = await bot.send("pull_request", bot.pull_request_event(pr, "opened"))
        assert sent.status == 202
        await _completed(bot, pr.head_sha)
        (run,) = bot.check_runs(pr.head_sha)
        assert run.conclusion in ("failure", "neutral")
        assert {a["path"] for a in run.annotations} == {"pkg/mod0.py"}
        # Published, and no snapshot written: only its announcement is there.
        written = _snapshot_files(root)
        assert len(written) == 1 and written[0].endswith(".pending")
        assert not (root / "findings").exists()
        # The follow-up waits for the snapshot (its fix plan analyzes the same head).
        assert followups(fake, pr) == []
        assert (await bot.queue.get(sent.delivery))["state"] not in ("done", "failed")
    finally:
        os.close(held)
    row = await bot.wait_done(sent.delivery)
    assert row["state"] == "done", row
    written = _snapshot_files(root)
    assert written and not any(name.endswith(".pending") for name in written)
    assert len(followups(fake, pr)) == 1  # the safe fix (experimental_relax_shapes) in a follow-up


async def test_the_writer_starts_only_once_the_check_run_is_completed(env, monkeypatch) -> None:  # noqa: ANN001
    """The review holds its analysis' writer back until the check run is completed: at that moment
    nothing of the snapshot is on disk, and the follow-up's fix plan still finds it afterwards."""
    from hybridize_bot.bot.pulls import job

    fake, bot = env
    repo = fake.add_repo("octo/chain")
    main = fake.commit(repo, CHAIN, message="base")
    fake.commit(repo, {"pkg/mod0.py": CHANGE}, branch="feature", parent=main, message="feature")
    pr = fake.open_pull_request(repo, "feature")
    root = bot.settings.analysis_cache_dir / "v1"
    seen: list[tuple[list[str], list[str]]] = []
    release = job.release_cache_writes

    def observed(held):  # noqa: ANN001, ANN202
        seen.append(([r.status for r in bot.check_runs(pr.head_sha)], _snapshot_files(root)))
        release(held)

    monkeypatch.setattr(job, "release_cache_writes", observed)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    ((statuses, written),) = seen
    assert statuses == ["completed"]
    assert len(written) == 1 and written[0].endswith(".pending")
    written = _snapshot_files(root)
    assert written and not any(name.endswith(".pending") for name in written)
    assert len(followups(fake, pr)) == 1
    assert list((bot.settings.analysis_cache_dir / "holds").iterdir()) == []
