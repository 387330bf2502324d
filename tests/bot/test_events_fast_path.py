"""The webhook's fast path (`valid_action`, straight from the bytes) accepts exactly what the checked
path (`invalid_reason` on the parsed payload) accepts (issue 13: fast acknowledgement, same rules)."""
from __future__ import annotations

import json

import pytest

from hybridize_bot.bot.events import invalid_reason, valid_action
from tests.github import example

SHA = "a" * 40


def _pull_request(**changes):
    data = {"action": "opened", "number": 5, "installation": {"id": 7},
            "repository": {"name": "proj", "full_name": "octo/proj", "owner": {"login": "octo"}},
            "pull_request": {"number": 5, "head": {"ref": "f", "sha": SHA}, "base": {"ref": "main", "sha": SHA}}}
    data.update(changes)
    return data


@pytest.mark.parametrize("data, action", [
    (_pull_request(), "opened"),
    (_pull_request(action="synchronize", extra={"ignored": [1, 2]}), "synchronize"),
    (_pull_request(number="5"), None),                       # strict: a string is not a number
    (_pull_request(pull_request=[1, 2]), None),
    (_pull_request(installation={"id": "7"}), None),
    ({k: v for k, v in _pull_request().items() if k != "repository"}, None),
])
def test_fast_path_agrees_with_the_checked_path(data, action):
    body = json.dumps(data).encode()
    assert valid_action("pull_request", body) == action
    assert (invalid_reason("pull_request", data) is None) == (action is not None)


def test_real_example_and_non_json():
    data = example("pull_request", "opened.0.json")
    data["installation"] = {"id": 77}
    assert valid_action("pull_request", json.dumps(data).encode()) == "opened"
    assert valid_action("pull_request", b"not json") is None
    assert valid_action("pull_request", b"[1, 2]") is None
    assert valid_action("ping", b"{}") is None  # no model: the caller parses it
