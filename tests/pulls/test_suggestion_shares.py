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


class _Pool:
    """A BotContext's pool as `_suggestions` uses it: `idle_slots` and `run_in_process`, the call run here."""

    analysis_timeout_s = 60.0

    def __init__(self, idle: int) -> None:
        self.idle = idle
        self.calls: list[list[str]] = []  # the files of each call

    def idle_slots(self) -> int:
        return self.idle

    async def run_in_process(self, fn, findings, sources, timeout):  # noqa: ANN001, ANN201
        self.calls.append(sorted(sources))
        return fn(findings, sources)


def _review_inputs() -> tuple[list, dict, dict]:
    from hybridize_bot.analysis import analyze_sources
    from hybridize_bot.bot.pulls.diff import FileDiff

    sources = {f"m{i}.py": ("import tensorflow as tf\n\n\n@tf.function(experimental_compile=True)\ndef step(x):\n"
                            + "    x = x + 1\n" * i + "    return x\n").encode() for i in range(3)}
    found = analyze_sources(sources).findings
    diffs = {}
    for path, data in sources.items():
        lines = data.decode().splitlines()
        patch = f"@@ -0,0 +1,{len(lines)} @@\n" + "".join(f"+{line}\n" for line in lines)
        diffs[path] = FileDiff.from_patch(path, patch, status="added")  # a new file: every line commentable
    return found, diffs, sources


async def test_the_suggestions_go_to_the_idle_slots_and_come_back_whole() -> None:
    from hybridize_bot.bot.pulls.job import _suggestions

    found, diffs, sources = _review_inputs()
    assert sorted(f.path for f in found if f.code == "HYB011") == ["m0.py", "m1.py", "m2.py"]  # warnings, fixable
    one, two = _Pool(idle=0), _Pool(idle=2)
    alone = await _suggestions(one, found, diffs, set(), 10, sources, [])
    shared = await _suggestions(two, found, diffs, set(), 10, sources, [])
    assert one.calls == [["m0.py", "m1.py", "m2.py"]]  # a busy pool: one call
    # m2 (largest) alone; m1 and m0 together (written out from shares_by_size's order)
    assert two.calls == [["m2.py"], ["m0.py", "m1.py"]]
    assert len(alone) == 3 and shared == alone  # a jit_compile suggestion per file, the same either way
