"""Only people with write access on the base repository make the App write (issue 17, defect 1).

The reported attack: a first-time contributor's fork PR is merged; their `@hybridize-bot fix` made the
App create `hybridize/pr-1` upstream and open a pull request; a maintainer closed it; the same outsider
asked again and a new one opened. Against the fake GitHub over real HTTP.
"""
from __future__ import annotations

from .followup_harness import BRANCH, add_comment, comment_event, followups, pr_event, reactions, replies
from .project import BASE_FILES, PR_FILES


async def test_an_outsider_cannot_open_a_follow_up_and_a_closed_one_stays_closed(env):
    fake, bot = env
    upstream = fake.add_repo("octo/tiny-tf")  # octo: admin
    main = fake.commit(upstream, BASE_FILES, message="base")
    fork = fake.add_repo("mallory/tiny-tf", installed=False)
    fake.commit(fork, PR_FILES, branch="patch-1", parent=main)
    pr = fake.open_pull_request(upstream, "patch-1", head_repo=fork, user_login="mallory")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened", sender="mallory"))
    fake.commit(upstream, PR_FILES, branch="main", message="Merge #1")
    pr.issue.state, pr.merged = "closed", True
    await bot.deliver("pull_request", pr_event(bot, pr, "closed", sender="octo"))
    branch = BRANCH.format(pr.number)

    async def ask(login: str) -> object:
        comment = add_comment(fake, pr, "@hybridize-bot fix", login)
        await bot.deliver("issue_comment", comment_event(bot, pr, comment))
        return comment

    # The merged PR's author, with no access of their own: refused, nothing written.
    asked = await ask("mallory")
    assert reactions(fake, asked) == ["eyes"]
    assert replies(bot, pr)[-1].body.startswith(
        "@mallory sorry, `fix` needs write access to this repository, and you have read access")
    assert upstream.branch(branch) is None and followups(fake, pr, state=None) == []
    assert fake.requests_to("POST", r"/git/") == [] and fake.requests_to("POST", r"/pulls$") == []

    # A maintainer asks: the follow-up opens; then the maintainer closes it.
    await ask("octo")
    (follow,) = followups(fake, pr)
    follow.issue.state = "closed"
    await bot.deliver("pull_request", pr_event(bot, follow, "closed", sender="octo"))
    opened = len(fake.requests_to("POST", r"/pulls$"))

    # The outsider asks again: still refused, and the closed follow-up stays closed.
    await ask("mallory")
    assert "`fix` needs write access" in replies(bot, pr)[-1].body
    assert followups(fake, pr) == [] and len(fake.requests_to("POST", r"/pulls$")) == opened
    assert [p.number for p in followups(fake, pr, state=None)] == [follow.number]

    # Only someone with write access brings it back.
    fake.set_permission(upstream, "maint", "write")
    await ask("maint")
    assert len(followups(fake, pr)) == 1 and len(fake.requests_to("POST", r"/pulls$")) == opened + 1
