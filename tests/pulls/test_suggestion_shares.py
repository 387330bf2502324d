"""The review's suggestions go to the pool in shares of whole files, one per idle slot (bot/pulls/job.py
`file_shares`)."""
from __future__ import annotations

from hybridize_bot.bot.pulls.job import file_shares

from .helpers import finding


def _paths(shares: list) -> list[list[tuple[str, int]]]:
    return [[(f.path, f.line) for f in share] for share in shares]


def test_whole_files_go_to_the_lightest_share_largest_first() -> None:
    found = [finding("a.py", 1), finding("b.py", 2), finding("a.py", 3), finding("c.py", 4), finding("d.py", 5)]
    sizes = {"a.py": 900, "b.py": 500, "c.py": 450, "d.py": 100}
    # a (900) -> share 0; b (500) -> share 1; c (450) -> share 1 (500 < 900); d (100) -> share 0 (900 < 950).
    assert _paths(file_shares(found, sizes, 2)) == [[("a.py", 1), ("a.py", 3), ("d.py", 5)],
                                                     [("b.py", 2), ("c.py", 4)]]


def test_no_more_shares_than_files_or_slots_and_at_least_one() -> None:
    found = [finding("a.py", 1), finding("a.py", 2)]
    assert _paths(file_shares(found, {"a.py": 10}, 4)) == [[("a.py", 1), ("a.py", 2)]]
    assert _paths(file_shares(found, {"a.py": 10}, 0)) == [[("a.py", 1), ("a.py", 2)]]  # a busy pool: one call
    three = [finding("a.py", 1), finding("b.py", 1), finding("c.py", 1)]
    assert len(file_shares(three, {"a.py": 3, "b.py": 2, "c.py": 1}, 2)) == 2
