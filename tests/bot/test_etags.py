"""EtagCache: gidgethub's conditional-request cache, kept only where it pays, bounded, copied."""
from __future__ import annotations

from hybridize_bot.bot.etags import EtagCache, EtagStores

API = "https://api.github.com"


def test_only_pull_requests_and_their_files_are_kept() -> None:
    cache = EtagCache()
    cache[f"{API}/repos/o/r/pulls/7"] = ('W/"a"', None, {"number": 7}, None)
    cache[f"{API}/repos/o/r/pulls/7/files?per_page=100"] = ('W/"b"', None, [], None)
    cache[f"{API}/repos/o/r/issues/7/comments?per_page=100"] = ('W/"c"', None, [], None)  # changes with every review
    cache[f"{API}/repos/o/r/pulls/7/comments"] = ('W/"d"', None, [], None)
    assert sorted(cache) == [f"{API}/repos/o/r/pulls/7", f"{API}/repos/o/r/pulls/7/files?per_page=100"]


def test_the_least_recently_used_entry_goes_first_and_bodies_are_copies() -> None:
    cache = EtagCache(max_entries=2)
    for n in (1, 2):
        cache[f"{API}/repos/o/r/pulls/{n}"] = (f'W/"{n}"', None, {"labels": []}, None)
    cache[f"{API}/repos/o/r/pulls/1"][2]["labels"].append("changed by a handler")
    cache[f"{API}/repos/o/r/pulls/3"] = ('W/"3"', None, {}, None)  # pulls/1 was used last: pulls/2 goes
    assert sorted(cache) == [f"{API}/repos/o/r/pulls/1", f"{API}/repos/o/r/pulls/3"]
    assert cache[f"{API}/repos/o/r/pulls/1"][2] == {"labels": []}


def test_each_installation_has_its_own_entries() -> None:
    stores = EtagStores()
    stores.for_installation(1)[f"{API}/repos/o/r/pulls/1"] = ('W/"x"', None, {}, None)
    assert len(stores.for_installation(2)) == 0 and len(stores.for_installation(1)) == 1
    stores.forget(1)
    assert len(stores.for_installation(1)) == 0
