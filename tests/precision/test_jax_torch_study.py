"""The JAX/PyTorch study's own pieces: its section of docs/precision.md, its compiled-site count, its table.

Hand-made inputs, expected results written out by hand; the real run is test_recheck_jax_torch.py.
"""
from __future__ import annotations

from pathlib import Path

from bench.precision.jax_torch import CODE_BASES, END, START, TABLE, compiled_sites, kept_section, site_lines, splice
from bench.precision.verdicts import load_verdicts

SECTION = f"{START}\nnew tables\n{END}"


def test_splice_replaces_only_the_generated_section_and_appends_it_when_missing() -> None:
    page = f"# TensorFlow study\n\ntext\n\n{START}\nold tables\n{END}\n"
    assert splice(page, SECTION) == f"# TensorFlow study\n\ntext\n\n{START}\nnew tables\n{END}\n"
    assert splice("# TensorFlow study\n", SECTION) == f"# TensorFlow study\n\n{START}\nnew tables\n{END}\n"


def test_the_tensorflow_study_keeps_the_section_it_does_not_write() -> None:
    assert kept_section(f"# old page\n{START}\nold tables\n{END}\ntrailer\n") == f"{START}\nold tables\n{END}"
    assert kept_section("# a page without the section\n") == ""


def test_compiled_sites_count_jit_and_compile_spellings(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import jax\nfrom jax import jit\n\n@jax.jit\ndef f(x):\n    return x\n\n"
        "g = jit(lambda x: x)\nh = eqx.filter_jit(f)\nnot_a_site = 'jitter'\n"
        "@partial(jax.jit, static_argnums=0)\ndef s(n):\n    return n\n")
    (tmp_path / "b.py").write_text(
        "import torch\nm = torch.compile(model)\nt = torch.jit.trace(f, x)\n@torch.compile\ndef k(x):\n    return x\n")
    assert compiled_sites(tmp_path, "jax") == 4  # @jax.jit, jit(...), filter_jit(...), partial(jax.jit, ...); not the import
    assert compiled_sites(tmp_path, "torch") == 3  # torch.compile twice, torch.jit.trace


def test_study_covers_at_least_two_code_bases_per_framework_and_its_table_is_well_formed() -> None:
    frameworks = [c.framework for c in CODE_BASES]
    assert frameworks.count("jax") >= 2 and frameworks.count("torch") >= 2
    verdicts = load_verdicts(TABLE)
    names = {c.code_base.name for c in CODE_BASES}
    assert verdicts and all(v.codebase in names and v.rule.startswith(("HYB1", "HYB2")) for v in verdicts.values())
    assert all(v.key.startswith(f"{v.codebase}:{v.path}:{v.rule}:") for v in verdicts.values())


def test_spellings_in_strings_comments_and_definitions_are_not_sites(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import jax\n"
        "# jax.jit(f) would be slower here\n"
        "MLIR = 'loc(\"jit(func)/reduce\")'\n"
        "DOC = '''\n@jax.jit\n'''\n"
        "g = jax.jit(f)\n"
        "def filter_jit(fun):\n    return fun\n")
    assert site_lines(tmp_path, "jax") == [("a.py", 7)]  # not the strings, the comment, the definition
    assert compiled_sites(tmp_path, "jax") == 1


def test_flax_nnx_jit_spellings_are_sites(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "from flax import nnx\n\n@nnx.jit\ndef f(m):\n    return m\n\n"
        "@nnx.jit(donate_argnums=0)\ndef g(m):\n    return m\n\n"
        "@partial(nnx.jit, donate_argnums=0)\ndef h(m):\n    return m\n")
    assert compiled_sites(tmp_path, "jax") == 3


def test_numba_jit_is_not_a_jax_site(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import numba\nimport jax\n\n@numba.jit(nopython=True)\ndef kernel(x):\n    return x\n\n"
        "f = jax.jit(kernel)\n")
    assert site_lines(tmp_path, "jax") == [("a.py", 8)]  # jax.jit, not numba.jit
