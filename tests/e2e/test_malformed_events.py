"""A correctly signed but malformed delivery is dropped before anything runs (issue 17, defect 2).

Before: `pull_request.opened` without `pull_request.head` got 202, one handler created a fix branch and
pull request, another raised KeyError and the job ran 4 times; `number: "abc"`, `pull_request: [1, 2]`
and a missing `repository` were retried 4 times; a string `installation.id` or no `installation` made
the App call repository endpoints with its App JWT. Now: 400, a log line naming the delivery, nothing
queued, no request to GitHub at all. Real server, real signatures, the fake GitHub over loopback.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import pytest

from .followup_harness import add_comment, comment_event, open_pr, pr_event


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def mutate(payload: dict[str, Any]) -> None:
        node = payload
        for key in parents:
            node = node[key]
        del node[last]
    return mutate


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    *parents, last = path.split(".")

    def mutate(payload: dict[str, Any]) -> None:
        node = payload
        for key in parents:
            node = node[key]
        node[last] = value
    return mutate


# (case, mutation, the field the 400 names)
PULL_REQUEST_CASES = [
    ("no head", _drop("pull_request.head"), "pull_request.head"),
    ("number abc", _set("number", "abc"), "number"),
    ("pull_request a list", _set("pull_request", [1, 2]), "pull_request"),
    ("no repository", _drop("repository"), "repository"),
    ("string installation id", _set("installation.id", "7"), "installation.id"),
    ("no installation", _drop("installation"), "installation"),
    ("head sha not a sha", _set("pull_request.head.sha", "../../etc"), "pull_request.head.sha"),
]


@pytest.mark.parametrize(("case", "mutate", "field"), PULL_REQUEST_CASES, ids=[c[0] for c in PULL_REQUEST_CASES])
async def test_a_malformed_pull_request_event_is_refused_unqueued_and_untouched(env, caplog, case, mutate, field):
    fake, bot = env
    pr = open_pr(fake)
    payload = pr_event(bot, pr, "opened")
    mutate(payload)
    before = len(fake.requests)
    with caplog.at_level(logging.WARNING, logger="hybridize_bot.bot.webhook"):
        sent = await bot.send("pull_request", payload)
    assert sent.status == 400
    assert sent.body["error"].startswith(f"invalid pull_request payload: {field}")
    assert await bot.queue.get(sent.delivery) is None  # never queued: no handler, no retry
    assert (await bot.queue.counts())["queued"] == 0
    assert fake.requests[before:] == []  # not one request to GitHub, with any token
    (line,) = [r.getMessage() for r in caplog.records if sent.delivery in r.getMessage()]
    assert line.startswith(f"400: invalid pull_request.opened delivery {sent.delivery} dropped: {field}")


async def test_a_malformed_comment_is_refused_and_a_valid_one_still_runs(env):
    fake, bot = env
    pr = open_pr(fake)
    comment = add_comment(fake, pr, "@hybridize-bot help", "alice")
    payload = comment_event(bot, pr, comment)
    payload["comment"]["id"] = "1; DROP TABLE"
    sent = await bot.send("issue_comment", payload)
    assert (sent.status, sent.body["error"]) == (400, "invalid issue_comment payload: comment.id: Input should be a valid integer")
    assert fake.requests_to("POST", r"/comments$") == []

    await bot.deliver("issue_comment", comment_event(bot, pr, comment))  # the valid one: queued, done
    assert len(fake.requests_to("POST", r"/issues/\d+/comments$")) == 1


async def test_extra_and_unknown_fields_are_fine(env):
    fake, bot = env
    pr = open_pr(fake)
    payload = pr_event(bot, pr, "opened")
    payload["pull_request"]["a_field_github_adds_next_year"] = {"x": [1]}
    row = await bot.deliver("pull_request", payload)
    assert row["state"] == "done"
