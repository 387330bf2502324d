"""The durable follow-up record."""
from __future__ import annotations

from hybridize_bot.bot.followup.store import FollowupRecord, FollowupStore


def test_round_trip_and_case_insensitive_repo(tmp_path):
    store = FollowupStore(tmp_path)
    assert store.get_sync("octo/x", 1) is None
    rec = FollowupRecord("Octo/X", 1, "hybridize/pr-1", last_commit="c1", parent="p1", fixes_key="k",
                         followup_number=2, requested="gated")
    store.put_sync(rec)
    got = FollowupStore(tmp_path).get_sync("octo/x", 1)
    assert got == rec.but(repo="octo/x")
    store.put_sync(got.but(followup_number=None, dismissed_key="k"))
    again = store.get_sync("OCTO/x", 1)
    assert again.followup_number is None and again.dismissed_key == "k" and again.requested == "gated"
