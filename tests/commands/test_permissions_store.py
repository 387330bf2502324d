"""Who may run what, the polite refusal, and the durable command store."""
from __future__ import annotations

from hybridize_bot.bot.commands.permissions import allowed, has_write, refusal
from hybridize_bot.bot.commands.store import CommandStore


def test_policy_table():
    assert allowed("help", "read") and not allowed("help", "none") and allowed("explain", "read")
    # Writing code or changing what is reported needs write access, whoever authored the pull request.
    for command in ("fix", "recheck", "ignore", "unignore", "frobnicate"):
        assert not allowed(command, "read") and not allowed(command, "none")
        assert allowed(command, "write") and allowed(command, "admin")
    assert has_write("admin") and has_write("write") and not has_write("read") and not has_write("bogus")


def test_refusal_names_what_is_needed_and_what_the_person_has():
    assert refusal("ignore", "read") == (
        "sorry, `ignore` needs write access to this repository, and you have read access: only maintainers "
        "can make me change code or what I report. A maintainer can run it for you.")
    assert refusal("explain", "none") == "sorry, `explain` needs read access to this repository, and you have no access."


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
