"""The minimum TensorFlow version read from a project's declared dependencies."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.pipeline.run import analyze_sources
from hybridize_bot.analysis.tfversion import (
    JIT_COMPILE_SINCE, REDUCE_RETRACING_SINCE, RUN_FUNCTIONS_EAGERLY_SINCE, TORCH_DISTRIBUTIONS, declared_min_tf_version,
    declared_min_version, lower_bound, requirement_min, supports,
)


@pytest.mark.parametrize("line, expected", [
    ("tensorflow>=2.12,<3", (2, 12)),
    ("tensorflow-cpu~=2.15.0", (2, 15, 0)),
    ("tensorflow[and-cuda]==2.16.1", (2, 16, 1)),
    ("tensorflow==2.15.*", (2, 15)),
    ("Tensorflow_CPU > 2.8  # comment", (2, 8)),
    ("tensorflow (>=2.4)", (2, 4)),
    ("tensorflow-macos>=2.9; sys_platform == 'darwin'", (2, 9)),
    ("tensorflow>=2.10.0rc1", (2, 10, 0)),
    ("tensorflow>=2.4,>=2.11", (2, 11)),
    ("tf-nightly>=2.16.0.dev20231101", (2, 16, 0)),
    ("tensorflow", None),
    ("tf-nightly", None),
    ("tensorflow<3", None),
    ("tensorflow!=2.5.0", None),
    ("tensorflow @ https://example.com/tensorflow-2.15.0-cp311-none-any.whl", None),
    ("tensorflow-io>=0.30", False),
    ("tensorflow-probability>=0.20", False),
    ("numpy>=1.24", False),
    ("tensorflow is a dependency of this package", False),
])
def test_requirement_lines(line: str, expected: object) -> None:
    assert requirement_min(line) == expected


@pytest.mark.parametrize("spec, bare, expected", [
    ("^2.12", True, (2, 12)),
    ("~2.11.1", True, (2, 11, 1)),
    ("2.13.0", True, (2, 13, 0)),
    ("2.13.0", False, None),
    (">=2.9,<2.16", False, (2, 9)),
    ("*", True, None),
])
def test_lower_bound(spec: str, bare: bool, expected: object) -> None:
    assert lower_bound(spec, bare_is_exact=bare) == expected


def test_pyproject_project_tables_take_the_lowest_bound() -> None:
    sources = {"pyproject.toml": b"""
[project]
name = "x"
dependencies = ["numpy", "tensorflow>=2.12; sys_platform != 'darwin'"]
[project.optional-dependencies]
mac = ["tensorflow-macos>=2.9; sys_platform == 'darwin'"]
"""}
    assert declared_min_tf_version(sources) == (2, 9)


def test_poetry_caret_and_table_forms() -> None:
    assert declared_min_tf_version({"pyproject.toml": b'[tool.poetry.dependencies]\ntensorflow = "^2.10"\n'}) == (2, 10)
    assert declared_min_tf_version({"pyproject.toml": b'[tool.poetry.dependencies]\n'
                                    b'tensorflow = { version = ">=2.11,<3", optional = true }\n'}) == (2, 11)
    assert declared_min_tf_version({"pyproject.toml": b'[tool.poetry.dependencies]\ntensorflow = "*"\n'}) is None


def test_setup_cfg_install_requires_and_extras() -> None:
    data = b"[options]\ninstall_requires =\n    numpy\n    tensorflow>=2.8,<3\n[options.extras_require]\ngpu =\n    tensorflow-gpu>=2.10\n"
    assert declared_min_tf_version({"setup.cfg": data}) == (2, 8)


def test_setup_py_is_read_not_run() -> None:
    data = b"""
import os
os.system("echo this must never run")
raise SystemExit("and neither must this")
REQUIRED = ["tensorflow>=2.4", "numpy"]
setup(name="x", description="tensorflow made simple", install_requires=REQUIRED)
"""
    assert declared_min_tf_version({"setup.py": data}) == (2, 4)


def test_requirements_follow_includes_and_ignore_options() -> None:
    sources = {
        "requirements.txt": b"-r requirements/base.txt\n--index-url https://example.com/simple\n",
        "requirements/base.txt": b"# core\ntensorflow~=2.13.0 \\\n    --hash=sha256:abc\nnumpy\n",
    }
    assert declared_min_tf_version(sources) == (2, 13, 0)


def test_environment_yml_conda_and_pip_sections() -> None:
    data = b"name: x\ndependencies:\n  - python=3.10\n  - conda-forge::tensorflow=2.11\n  - pip:\n    - tensorflow-addons>=0.20\n"
    assert declared_min_tf_version({"environment.yml": data}) == (2, 11)
    data = b"dependencies:\n  - tensorflow 2.14.* cpu_py310h\n"
    assert declared_min_tf_version({"environment.yml": data}) == (2, 14)


def test_an_unbounded_requirement_makes_the_minimum_unknown() -> None:
    sources = {"pyproject.toml": b'[project]\ndependencies = ["tensorflow>=2.12"]\n', "requirements.txt": b"tensorflow\n"}
    assert declared_min_tf_version(sources) is None


def test_only_the_shallowest_metadata_counts() -> None:
    sources = {"requirements.txt": b"tensorflow>=2.12\n", "examples/old/requirements.txt": b"tensorflow==2.2\n"}
    assert declared_min_tf_version(sources) == (2, 12)


def test_no_metadata_or_no_tensorflow_is_unknown() -> None:
    assert declared_min_tf_version({}) is None
    assert declared_min_tf_version({"requirements.txt": b"numpy\n"}) is None
    assert declared_min_tf_version({"pyproject.toml": b"not [valid toml"}) is None


def test_thresholds_and_supports() -> None:
    assert (REDUCE_RETRACING_SINCE, JIT_COMPILE_SINCE, RUN_FUNCTIONS_EAGERLY_SINCE) == ((2, 9), (2, 5), (2, 3))
    assert supports((2, 9, 0), REDUCE_RETRACING_SINCE)
    assert not supports((2, 8, 4), REDUCE_RETRACING_SINCE)
    assert not supports((2,), JIT_COMPILE_SINCE)  # "tensorflow>=2" allows 2.0
    assert not supports(None, JIT_COMPILE_SINCE)


def test_engine_fills_the_context_from_the_declared_version() -> None:
    # End to end: the rule sees the declared minimum and offers a safe rename.
    code = b"import tensorflow as tf\nf = tf.function(lambda x: x, experimental_compile=True)\n"
    safe = analyze_sources({"m.py": code, "requirements.txt": b"tensorflow>=2.6\n"})
    unknown = analyze_sources({"m.py": code, "requirements.txt": b"tensorflow\n"})
    (f1,) = [f for f in safe.findings if f.code == "HYB011"]
    (f2,) = [f for f in unknown.findings if f.code == "HYB011"]
    assert f1.fix is not None and f1.fix.safety.value == "safe"
    assert f2.fix is not None and f2.fix.safety.value == "suggestion"


# ---- the same reading for PyTorch (HYB205) and a built package's core metadata ------------------------

WHEEL_METADATA = b"""Metadata-Version: 2.4
Name: monai
Version: 1.6.1
Requires-Dist: torch>=2.8.0
Requires-Dist: numpy<3.0,>=1.24
Requires-Dist: torchvision; extra == "all"

Requires-Dist: torch>=1.0 is prose of the long description, not a header
"""


def test_core_metadata_requires_dist_of_a_wheel_and_an_sdist() -> None:
    assert declared_min_version({"monai-1.6.1.dist-info/METADATA": WHEEL_METADATA}, TORCH_DISTRIBUTIONS) == (2, 8, 0)
    assert declared_min_version({"PKG-INFO": b"Name: x\nRequires-Dist: torch<3,>=1.10\n"}, TORCH_DISTRIBUTIONS) == (1, 10)
    # A wheel's metadata is the root's (the package folder beside it does not make it deeper).
    assert declared_min_version({"monai-1.6.1.dist-info/METADATA": WHEEL_METADATA,
                                 "monai/requirements.txt": b"torch>=1.9\n"}, TORCH_DISTRIBUTIONS) == (2, 8, 0)
    # A METADATA file outside a .dist-info folder is no package metadata.
    assert declared_min_version({"METADATA": WHEEL_METADATA}, TORCH_DISTRIBUTIONS) is None


def test_torch_is_read_from_every_format_and_tensorflow_ignores_it() -> None:
    assert requirement_min("torch>=2.6", TORCH_DISTRIBUTIONS) == (2, 6)
    assert requirement_min("torchvision>=0.21", TORCH_DISTRIBUTIONS) is False
    assert requirement_min("torch>=2.6") is False  # TensorFlow's distributions by default
    assert declared_min_version({"pyproject.toml": b'[project]\ndependencies = ["torch>=2.7,<3"]\n'},
                                TORCH_DISTRIBUTIONS) == (2, 7)
    assert declared_min_version({"setup.py": b'from setuptools import setup\nsetup(install_requires=["torch>=2.6.0"])\n'},
                                TORCH_DISTRIBUTIONS) == (2, 6, 0)
    assert declared_min_version({"setup.cfg": b"[options]\ninstall_requires =\n    torch>=1.13\n"},
                                TORCH_DISTRIBUTIONS) == (1, 13)
    assert declared_min_version({"requirements.txt": b"torch\n"}, TORCH_DISTRIBUTIONS) is None
    assert declared_min_tf_version({"requirements.txt": b"torch>=2.6\n"}) is None
