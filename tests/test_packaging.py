"""The built wheel installs under the project's own name and leaves a user's `bot`/`analysis` alone."""
from __future__ import annotations

import sys
import tomllib
import zipfile
from pathlib import Path

from hybridize_bot.analysis.rules.base import DEFAULT_PROJECT_URL
from tests.shipping import REPO, env_with, make_venv, run


def test_wheel_ships_only_the_project_namespace_and_a_users_bot_module_still_imports(tmp_path: Path) -> None:
    built = run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(REPO)],
                env=env_with(Path(sys.executable).parent))
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("hybridize_bot-*.whl")
    top_level = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert top_level == {"hybridize_bot", "hybridize_bot-0.1.0.dist-info"}

    # The dependencies come from the system site-packages and the test run's own (no download); the
    # wheel goes into the venv.
    bin_dir = make_venv(tmp_path / "venv", system_site_packages=True, see_test_packages=True)
    installed = run([str(bin_dir / "pip"), "install", "--no-deps", "-q", str(wheel)], env=env_with(bin_dir))
    assert installed.returncode == 0, installed.stderr

    user = tmp_path / "user"
    user.mkdir()
    (user / "bot.py").write_text("WHO = 'the user bot'\n")
    (user / "analysis.py").write_text("WHO = 'the user analysis'\n")
    (user / "model.py").write_text("import tensorflow as tf\n\n@tf.function\ndef step(x):\n    print(x)\n    return x\n")
    env = env_with(bin_dir)
    mine = run([str(bin_dir / "python"), "-c",
                "import bot, analysis, hybridize_bot.bot.server, hybridize_bot.cli.main as cli;"
                "print(bot.WHO); print(analysis.WHO); print(cli.__file__)"], cwd=user, env=env)
    assert mine.returncode == 0, mine.stderr
    who_bot, who_analysis, cli_file = mine.stdout.splitlines()
    assert (who_bot, who_analysis) == ("the user bot", "the user analysis")
    assert Path(cli_file).is_relative_to(tmp_path / "venv")

    check = run([str(bin_dir / "hybridize"), "check", "--no-cache", "model.py"], cwd=user, env=env)
    assert check.returncode == 1, check.stderr
    assert check.stdout.startswith("model.py:5:5: HYB001 `print` in graph code"), check.stdout


def test_project_url_default_is_pyprojects_homepage() -> None:
    urls = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["urls"]
    assert urls["Homepage"] == DEFAULT_PROJECT_URL
