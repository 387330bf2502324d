"""The JAX recall yardstick's pieces (bench/precision/jax_sites.py, site_verdicts.py) on hand-made inputs."""
from __future__ import annotations

from pathlib import Path

from bench.precision.jax_sites import draw, inspected
from bench.precision.site_verdicts import SiteVerdict, load_sites, save_sites, site_counts


def test_inspected_means_the_site_compiles_a_root_of_its_module(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "import jax\n"
        "from envs import env\n"
        "\n"
        "@jax.jit\n"
        "def step(x):\n"
        "    return x\n"
        "\n"
        "fast = jax.jit(env.step)\n")
    assert inspected(tmp_path, "train.py", 4)
    assert not inspected(tmp_path, "train.py", 8)  # another module's function: roots are module-local
    assert not inspected(tmp_path, "train.py", 1)


def test_the_draw_is_a_seeded_sorted_subset() -> None:
    sites = [f"cb:m.py:{n}" for n in range(100)]
    sample = draw(sites, 5)
    assert sample == draw(sites, 5) and sample == sorted(sample) and len(set(sample)) == 5
    assert set(sample) <= set(sites)
    assert draw(sites[:3], 5) == sorted(sites[:3])


def test_counts_and_round_trip(tmp_path: Path) -> None:
    rows = [SiteVerdict("a:x.py:1", True, "yes", "print in the step"),
            SiteVerdict("a:x.py:9", False, "yes", "print in another module's step"),
            SiteVerdict("b:y.py:3", True, "no", "pure"),
            SiteVerdict("b:y.py:7", False, "", "")]
    table = tmp_path / "sites.csv"
    save_sites(rows, table)
    assert load_sites(table) == rows
    assert site_counts(rows).splitlines()[-1] == "| 4 | 2 | 3 | 2 | 1 |"
