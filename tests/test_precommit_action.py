"""The linter where users run linters: the pre-commit hooks (run through `pre-commit try-repo` on a
throwaway git repository) and the GitHub Action's metadata and documented workflow."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.shipping import CLEAN_ENV, REPO, run, tool

MISUSE = "import tensorflow as tf\n\n\n@tf.function\ndef step(x):\n    print(x)\n    return x * 2\n"
CLEAN = "import tensorflow as tf\n\n\n@tf.function\ndef step(x):\n    tf.print(x)\n    return x * 2\n"
DEPRECATED = "import tensorflow as tf\n\n\n@tf.function(experimental_relax_shapes=True)\ndef step(x):\n    return x * 2\n"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def test_pre_commit_hooks_fail_on_misuse_naming_the_rule_pass_on_clean_code_and_fix(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    _git(project, "config", "user.email", "dev@example.com")
    _git(project, "config", "user.name", "dev")
    (project / "model.py").write_text(MISUSE)
    (project / "clean.py").write_text(CLEAN)
    (project / "legacy.py").write_text(DEPRECATED)
    # The rename to reduce_retracing is safe only on TensorFlow >= 2.9: the project says which it needs.
    (project / "pyproject.toml").write_text('[tool.hybridize]\nmin-tensorflow-version = "2.12"\n')
    _git(project, "add", ".")
    # Hook environments (a venv with this repository installed) go to a private cache. Each try-repo
    # installs one (about a minute), hence two runs: both hooks on the bad files, then the clean file.
    env = {**CLEAN_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

    def try_repo(*args: str) -> subprocess.CompletedProcess[str]:
        return run([tool("pre-commit"), "try-repo", str(REPO), *args], cwd=project, env=env)

    bad = try_repo("--files", "model.py", "legacy.py")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"hybridize check\.+Failed", bad.stdout), bad.stdout
    assert "model.py:6:5: HYB001 `print` in graph code runs once per trace" in bad.stdout
    assert re.search(r"hybridize fix\.+Failed\n- hook id: hybridize-fix\n- files were modified by this hook", bad.stdout)
    assert (project / "legacy.py").read_text() == DEPRECATED.replace("experimental_relax_shapes", "reduce_retracing")

    clean = try_repo("hybridize", "--files", "clean.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"hybridize check\.+Passed", clean.stdout), clean.stdout


def test_action_metadata_is_valid() -> None:
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(REPO / "action.yml")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_documented_workflow_is_valid_and_uses_this_action(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "github-action.md").read_text()
    block = re.search(r"<!-- workflow-example:start -->\n```yaml\n(.*?)```\n<!-- workflow-example:end -->", doc, re.S)
    assert block, "docs/github-action.md has no workflow example"
    workflow = tmp_path / "hybridize.yml"
    workflow.write_text(block.group(1))
    result = run([tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "uses: hybridize-bot/hybridize-bot@" in block.group(1)
    assert "security-events: write" in block.group(1)
