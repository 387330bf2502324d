"""Invalid settings never fall to the side that writes (issue 17, point 6; issue 13, item 2).

The check run names the key, the bad value and what was used instead; no follow-up pull request is
opened and no git object is written while `[tool.hybridize.bot]` is invalid.
"""
from __future__ import annotations

import pytest

from .followup_harness import add_comment, comment_event, followups, open_pr, pr_event, replies
from .project import BASE_FILES, PYPROJECT


def _no_code_written(fake) -> bool:
    return fake.requests_to("POST", r"/git/") == [] and fake.requests_to("POST", r"/pulls$") == []


async def test_a_typo_in_autofix_is_reported_and_opens_no_follow_up(env):
    fake, bot = env
    config = PYPROJECT + b'\n[tool.hybridize.bot]\nautofix = "of"\n'
    pr = open_pr(fake, base={**BASE_FILES, "pyproject.toml": config})
    fake.set_permission(pr.repo, "maintainer", "write")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    assert run.status == "completed"
    assert ("[tool.hybridize.bot] autofix must be one of off, safe, gated, not 'of'; using 'off': "
            "no follow-up pull request is opened until it is fixed") in run.output["summary"]
    assert followups(fake, pr) == [] and _no_code_written(fake)
    assert run.actions == []  # no Fix button either: it would write

    # Asking explicitly changes nothing while the configuration is broken; the answer says why.
    ask = add_comment(fake, pr, "@hybridize-bot fix", "maintainer")
    await bot.deliver("issue_comment", comment_event(bot, pr, ask))
    assert followups(fake, pr) == [] and _no_code_written(fake)
    (reply,) = replies(bot, pr)
    assert "change no code until they are fixed" in reply.body and "not 'of'" in reply.body


@pytest.mark.parametrize("bad_analysis_key", [b"select = 5\n", b'min-tensorflow-version = 2.10\n'])
async def test_a_bad_analysis_key_does_not_turn_autofix_back_on(env, bad_analysis_key):
    """The bot table is read apart from the analysis keys: `autofix = "off"` holds whatever they say."""
    fake, bot = env
    config = PYPROJECT + b"\n[tool.hybridize]\n" + bad_analysis_key + b'\n[tool.hybridize.bot]\nautofix = "off"\n'
    pr = open_pr(fake, base={**BASE_FILES, "pyproject.toml": config})
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    assert "the analysis used the default configuration" in run.output["summary"]
    assert followups(fake, pr) == [] and _no_code_written(fake)
    # autofix = "off" is valid: the Fix button is offered.
    assert [a["identifier"] for a in run.actions] == ["hybridize-fix"]
