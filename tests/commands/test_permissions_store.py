"""Who may run what, the polite refusal, and the durable command store."""
from __future__ import annotations

from hybridize_bot.bot.commands.permissions import allowed, has_write, refusal
from hybridize_bot.bot.commands.store import CommandStore


def test_policy_table():
    assert allowed("help", "read", is_author=False) and not allowed("help", "none", is_author=False)
    assert allowed("fix", "read", is_author=True) and not allowed("fix", "read", is_author=False)
    assert allowed("recheck", "write", is_author=False)
    assert not allowed("ignore", "read", is_author=True) and allowed("ignore", "admin", is_author=False)
    assert has_write("admin") and has_write("write") and not has_write("read") and not has_write("bogus")


def test_refusal_names_what_is_needed_and_what_the_person_has():
    text = refusal("ignore", "read")
    assert "write access" in text and "you have read access" in text
    assert "no access" in refusal("explain", "none")


def test_store_survives_a_new_instance(tmp_path):
    store = CommandStore(tmp_path)
    store.ignore_sync("Octo/Repo", 3, {"HYB006", "HYB001"}, "alice")
    again = CommandStore(tmp_path)
    assert again.ignored_sync("octo/repo", 3) == {"HYB001", "HYB006"}
    assert again.ignored_sync("octo/repo", 4) == set()
    again.unignore_sync("octo/repo", 3, {"HYB001"})
    assert store.ignored_sync("octo/repo", 3) == {"HYB006"}
    assert not store.is_handled_sync("octo/repo", 99)
    store.mark_handled_sync("octo/repo", 99)
    store.mark_handled_sync("octo/repo", 99)
    assert CommandStore(tmp_path).is_handled_sync("OCTO/repo", 99)
