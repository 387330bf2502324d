"""Both studies' command lines on a finding judged true that is no longer reported (a recall loss, issue 11):
counted always, printed with --strict, a failure only with --strict-recall. The analyzer run is replaced by
hand-made findings; the real runs are test_recheck*.py."""
from __future__ import annotations

import pytest

import bench.precision.__main__ as tf_study
import bench.precision.jax_torch as jax_torch_study
from bench.precision.findings import StudyFinding
from bench.precision.verdicts import Verdict

KEPT = StudyFinding("cb", "m.py", "HYB205", "info", 3, "f", "msg", (), "cb:m.py:HYB205:kept")
LOST = Verdict("cb:m.py:HYB205:lost", "HYB205", "cb", "m.py", 9, "true", False, "a real hazard")
LINE = "RECALL LOSS (judged true, no longer reported): cb:m.py:HYB205:lost cb/m.py:9: a real hazard"


def _verdicts(*_: object) -> dict[str, Verdict]:
    kept = Verdict(KEPT.key, "HYB205", "cb", "m.py", 3, "true", False, "reported")
    return {kept.key: kept, LOST.key: LOST}


@pytest.fixture
def fake_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tf_study, "collect", lambda analyzer: ([KEPT], {"cb": (1, 10)}))
    monkeypatch.setattr(tf_study, "load_verdicts", _verdicts)
    monkeypatch.setattr(jax_torch_study, "collect",
                        lambda analyzer: ([KEPT], {"cb": jax_torch_study.Size(1, 10, 0)}))
    monkeypatch.setattr(jax_torch_study, "load_verdicts", _verdicts)


@pytest.mark.parametrize("main", [tf_study.main, jax_torch_study.main], ids=["tensorflow", "jax_torch"])
def test_recall_loss_is_counted_printed_with_strict_and_fails_only_with_strict_recall(
        main, fake_runs: None, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001 - either main
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "judged true, no longer reported: 1" in out.splitlines()[0]
    assert LINE not in out
    assert main(["--strict"]) == 0
    assert LINE in capsys.readouterr().out.splitlines()
    assert main(["--strict-recall"]) == 1
    assert LINE in capsys.readouterr().out.splitlines()
