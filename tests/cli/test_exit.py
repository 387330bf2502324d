"""The command's exit without teardown (cli/main.py `entry`, `exit_now`): every byte of the report is
written, the exit status is main's, atexit handlers run, and the library keeps run objects only when
the command asks it to."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from .conftest import CLEAN, REPO, run_cli


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def _many_prints(count: int) -> str:
    """A module with `count` tf.functions, each printing once (HYB001 at line 5 + 4 * i, column 5)."""
    parts = ["import tensorflow as tf\n"]
    for i in range(count):
        parts.append(f"\n@tf.function\ndef step{i}(x):\n    print('a rather long message number {i}', x)\n")
    return "".join(parts)


def test_a_report_larger_than_a_pipe_buffer_is_written_whole(project) -> None:
    # 1,500 findings, about 130 KB of text: more than a pipe holds (64 KiB), so the process must write
    # it all before it ends, and os._exit must come after the last flush.
    root = project({"many.py": _many_prints(1500)})
    run = run_cli("check", "--no-cache", "-q", ".", cwd=root)
    assert run.returncode == 1, run.stderr
    assert len(run.lines) == 1500
    assert run.lines[0].startswith("many.py:5:5: HYB001 ")
    assert run.lines[-1].startswith("many.py:6001:5: HYB001 ")
    assert len(run.stdout) > 1 << 16


def test_exit_status_and_stderr_are_mains(project) -> None:
    clean = project({"a.py": CLEAN})
    run = run_cli("check", "--no-cache", ".", cwd=clean)
    assert run.returncode == 0
    assert run.stdout == "All checks passed!\n"
    missing = run_cli("check", "--no-cache", "no_such_dir", cwd=clean)
    assert missing.returncode == 2
    assert missing.stderr == "hybridize: error: no_such_dir: no such file or directory\n"


def test_python_dash_m_package_runs_the_same_entry(project) -> None:
    root = project({"many.py": _many_prints(3)})
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "hybridize_bot.cli", "check", "--no-cache", "-q", "."], cwd=root,
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert [line.split(" ")[0] for line in proc.stdout.splitlines()] == ["many.py:5:5:", "many.py:9:5:",
                                                                          "many.py:13:5:"]


def test_exit_now_flushes_buffered_output_and_runs_atexit_handlers(tmp_path: Path) -> None:
    done = _python("""
        import atexit, sys
        from hybridize_bot.cli.main import exit_now
        atexit.register(lambda: sys.stdout.write("atexit ran"))
        sys.stdout.write("no newline yet;")
        sys.stderr.write("err without newline")
        exit_now(7)
        sys.stdout.write("never")
    """, tmp_path)
    assert done.returncode == 7
    assert done.stdout == "no newline yet;atexit ran"
    assert done.stderr == "err without newline"


def test_exit_now_reports_an_output_that_could_not_be_written(tmp_path: Path) -> None:
    # The final flush fails (a full disk): the interpreter's own exit says 120 then, and so must this one,
    # instead of a silent 0; a status that already says something stays.
    for status, expected in ((0, 120), (1, 1)):
        done = _python(f"""
            import io, sys
            from hybridize_bot.cli.main import exit_now

            class Full(io.StringIO):
                def flush(self):
                    raise OSError(28, "No space left on device")

            sys.stdout = Full()
            exit_now({status})
        """, tmp_path)
        assert done.returncode == expected, done.stderr


def test_the_library_frees_run_objects_unless_the_caller_keeps_them(tmp_path: Path) -> None:
    done = _python("""
        from hybridize_bot.analysis import analyze_sources
        from hybridize_bot.analysis.pipeline import run
        sources = {"a.py": b"import tensorflow as tf\\n\\n@tf.function\\ndef f(x):\\n    print(x)\\n"}
        analyze_sources(sources)
        print(run._kept)
        run.keep_run_objects()
        analyze_sources(sources)
        analyze_sources(sources)
        print(len(run._kept))
    """, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "None\n2\n"


def test_main_in_process_keeps_and_freezes_nothing(project, capsys) -> None:
    # Only `entry` (a process about to os._exit) keeps the run's objects and freezes them out of the
    # collector's reach; `main` called by a test or another program leaves the process as it was.
    import gc

    from hybridize_bot.analysis.pipeline import run
    from hybridize_bot.cli import main as cli

    root = project({"many.py": _many_prints(2)})
    frozen = gc.get_freeze_count()
    assert cli.main(["check", "--no-cache", "-q", str(root)]) == 1
    assert capsys.readouterr().out.count("HYB001") == 2
    assert gc.get_freeze_count() == frozen
    assert run._kept is None
