"""What the reviews of the project in tests/e2e/project.py must contain, written out by hand (issue 13:
an oracle that runs the analysis under test would follow its bugs). Lines are those of `TRAIN_PR` and
`METRICS`; "new" findings sit on lines the pull request added, "pre" on lines it did not change.
Fingerprints are the values the published markers carry; a change to the fingerprint scheme must
show up here as a failing test, since existing comments on GitHub would stop being recognised.

    train.py 14  @tf.function(experimental_relax_shapes=True)   HYB010, new
    train.py 16      print("step", x)                           HYB001, new
    train.py 17      counter = tf.Variable(0)                   HYB004, new
    train.py 35      print("evaluating")                        HYB001, pre-existing (not in the diff)
    metrics.py 6     print("computing accuracy")                HYB001, new (a new file)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Seen:
    path: str
    line: int
    code: str
    name: str
    fingerprint: str | None = None


@dataclass(frozen=True)
class Expect:
    new: tuple[Seen, ...]
    pre: tuple[Seen, ...]
    conclusion: str

    def rule_rows(self) -> list[str]:
        """The summary table's rows: `| CODE `name` | new | pre-existing |`."""
        codes = sorted({(f.code, f.name) for f in self.new + self.pre})
        return [f"| {c} `{n}` | {sum(f.code == c for f in self.new)} | {sum(f.code == c for f in self.pre)} |"
                for c, n in codes]


RELAX_SHAPES = Seen("train.py", 14, "HYB010", "deprecated-relax-shapes", "ac7e837f17f49afc8d6a")
PRINT_STEP = Seen("train.py", 16, "HYB001", "print-in-graph", "d37ac7602cc693be5392")
VARIABLE = Seen("train.py", 17, "HYB004", "variable-created-in-graph", "dc49a1dbe6c897db5f21")
PRINT_EVALUATING = Seen("train.py", 35, "HYB001", "print-in-graph", "8cdcf77b51c541534b2d")
PRINT_METRICS = Seen("metrics.py", 6, "HYB001", "print-in-graph", "747201b992b262fb7a19")

# BASE_FILES -> PR_FILES (every e2e `open_pr`); HYB001 and HYB004 are warnings/errors: "failure".
PR = Expect(new=(PRINT_METRICS, RELAX_SHAPES, PRINT_STEP, VARIABLE), pre=(PRINT_EVALUATING,), conclusion="failure")
# The same pull request after a push turned both new prints into tf.print.
PRINTS_FIXED = Expect(new=(RELAX_SHAPES, VARIABLE), pre=(PRINT_EVALUATING,), conclusion="failure")


def with_noisy(count: int) -> Expect:
    """PR plus `noisy.py` = project.many_prints(count): one print per line from line 6 on."""
    noisy = tuple(Seen("noisy.py", 6 + i, "HYB001", "print-in-graph") for i in range(count))
    return Expect(new=PR.new + noisy, pre=PR.pre, conclusion="failure")
