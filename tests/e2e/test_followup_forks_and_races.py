"""Fork pull requests (never pushed to; a follow-up against the base branch after merge), the check-run
button, and two pushes racing a follow-up that is being created."""
from __future__ import annotations

import asyncio


from .followup_harness import (BRANCH, add_comment, button_event, changed_paths, comment_event, files_at,
                               followups, open_pr, pr_event, replies)
from .harness import start_bot, stop_bot
from .project import BASE_FILES, PR_FILES, PYPROJECT, TRAIN_PR


async def test_fork_gets_suggestions_then_a_follow_up_against_main_after_merge(env):
    fake, bot = env
    upstream = fake.add_repo("octo/tiny-tf")
    main = fake.commit(upstream, BASE_FILES, message="base")
    fork = fake.add_repo("mallory/tiny-tf", installed=False)
    fake.commit(fork, PR_FILES, branch="patch-1", parent=main)
    fork_refs = dict(fork.refs)
    pr = fake.open_pull_request(upstream, "patch-1", head_repo=fork, user_login="mallory")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened", sender="mallory"))

    assert followups(fake, pr) == [] and upstream.branch(BRANCH.format(pr.number)) is None
    assert fork.refs == fork_refs and fake.requests_to("POST", r"/git/") == []
    suggestions = [c for c in bot.review_comments(pr) if "```suggestion" in c.body]
    assert any("reduce_retracing=True" in c.body for c in suggestions)  # bot-pr offers the fix inline
    (run,) = bot.check_runs(pr.head_sha)
    assert run.actions == []  # no Fix button where the bot cannot act

    # `fix` while the fork PR is open: a polite no (to its author too), and still nothing pushed.
    ask = add_comment(fake, pr, "@hybridize-bot fix", "mallory")
    await bot.deliver("issue_comment", comment_event(bot, pr, ask))
    assert replies(bot, pr)[-1].body.startswith("@mallory sorry, `fix` needs write access")
    ask = add_comment(fake, pr, "@hybridize-bot fix", "octo")
    await bot.deliver("issue_comment", comment_event(bot, pr, ask))
    reply = replies(bot, pr)[-1]
    assert reply.body.startswith("@octo ") and "comes from a fork" in reply.body and "`main`" in reply.body
    assert fake.requests_to("POST", r"/git/") == []

    # Merged (GitHub puts the fork's changes on main), then `fix`: a follow-up against main.
    merged_main = fake.commit(upstream, PR_FILES, branch="main", message="Merge #1")
    pr.issue.state, pr.merged = "closed", True
    await bot.deliver("pull_request", pr_event(bot, pr, "closed", sender="octo"))
    assert followups(fake, pr) == []
    again = add_comment(fake, pr, "@hybridize-bot fix", "octo")
    await bot.deliver("issue_comment", comment_event(bot, pr, again))
    (follow,) = followups(fake, pr)
    assert (follow.base_ref, follow.head_repo) == ("main", upstream)
    tip = upstream.branch(BRANCH.format(pr.number))
    # A writer's `fix` includes gated fixes: HYB010 (safe) then HYB004 (gated), one commit each, on main.
    (first_fix,) = fake.store.commits[tip].parents
    assert fake.store.commits[first_fix].parents == [merged_main]
    assert [fake.store.commits[c].message.split(" ", 2)[1] for c in (first_fix, tip)] == ["HYB010", "HYB004"]
    assert changed_paths(fake, merged_main, tip) == {"train.py"}
    assert "after #1 was merged" in follow.issue.body
    assert fork.refs == fork_refs


async def test_check_run_button_opens_the_follow_up_when_autofix_is_off(env):
    fake, bot = env
    config = PYPROJECT + b'\n[tool.hybridize.bot]\nautofix = "off"\n'
    pr = open_pr(fake, base={**BASE_FILES, "pyproject.toml": config})
    fake.set_permission(pr.repo, "maintainer", "write")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    assert followups(fake, pr) == []
    (run,) = bot.check_runs(pr.head_sha)
    assert run.actions == [{"label": "Open fix PR", "description": "Open a pull request with the fixes",
                            "identifier": "hybridize-fix"}]
    assert run.conclusion is not None and run.output["summary"]  # the review's output is untouched

    # Somebody without write access: nothing happens.
    fake.user("reader")
    await bot.deliver("check_run", button_event(bot, pr, run.id, "reader"))
    assert followups(fake, pr) == []
    # Another App's button identifier: not ours.
    await bot.deliver("check_run", button_event(bot, pr, run.id, "maintainer", identifier="other"))
    assert followups(fake, pr) == []

    await bot.deliver("check_run", button_event(bot, pr, run.id, "maintainer"))
    (follow,) = followups(fake, pr)
    assert "reduce_retracing=True" in files_at(fake, follow.head_sha)["train.py"].decode()
    # Pressing it again refreshes nothing and opens nothing new.
    await bot.deliver("check_run", button_event(bot, pr, run.id, "maintainer"))
    assert followups(fake, pr) == [follow] and len(fake.requests_to("POST", r"/pulls$")) == 1


async def test_two_pushes_while_the_follow_up_is_being_created(tmp_path):
    fake, bot = await start_bot(tmp_path, WORKERS="2")
    try:
        pr = open_pr(fake)
        # Opening the pull request takes 1.5 s: the second push arrives in the middle of it.
        fake.inject("POST", r"/repos/octo/tiny-tf/pulls$", status=None, delay=1.5)
        first = await bot.send("pull_request", pr_event(bot, pr, "opened"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while not fake.requests_to("POST", r"/pulls$"):
            assert loop.time() < deadline, "the follow-up was never being created"
            await asyncio.sleep(0.02)
        newer = TRAIN_PR.replace("def loss_fn(", "@tf.function(experimental_compile=True)\ndef loss_fn(")
        fake.push(pr.repo, "feature", {"train.py": newer})
        second = await bot.send("pull_request", pr_event(bot, pr, "synchronize"))
        rows = [await bot.wait_done(first.delivery), await bot.wait_done(second.delivery)]
        assert [r["state"] for r in rows] == ["done", "done"]

        (follow,) = followups(fake, pr, state=None)  # exactly one, ever
        tip = pr.repo.branch(BRANCH.format(pr.number))
        # Two kinds (HYB010, HYB011): two commits, the first on the newest head.
        (first_fix,) = fake.store.commits[tip].parents
        assert fake.store.commits[first_fix].parents == [pr.head_sha]  # on the newest head
        fixed = files_at(fake, tip)["train.py"].decode()
        assert "jit_compile=True" in fixed and "reduce_retracing=True" in fixed
        assert len(fake.requests_to("POST", r"/pulls$")) == 1
    finally:
        await stop_bot(fake, bot)
    assert fake.violations == [] and fake.response_violations == []


async def test_a_branch_moved_while_the_sync_works_is_never_overwritten(env):
    """Compare-and-swap on the follow-up branch: another writer (a person, or another worker's newer
    sync) moves it while this sync builds its commit; this sync leaves it where the other put it."""
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    branch = BRANCH.format(pr.number)
    assert pr.repo.branch(branch) is not None
    newer = TRAIN_PR.replace("def loss_fn(", "@tf.function(experimental_compile=True)\ndef loss_fn(")
    fake.push(pr.repo, "feature", {"train.py": newer})
    before = len(fake.requests_to("POST", r"/git/commits$"))
    fake.inject("POST", r"/git/commits$", status=None, delay=1.0)
    sent = await bot.send("pull_request", pr_event(bot, pr, "synchronize"))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while len(fake.requests_to("POST", r"/git/commits$")) == before:
        assert loop.time() < deadline, "the sync never built its commit"
        await asyncio.sleep(0.02)
    theirs = fake.commit(pr.repo, {"NOTES.md": b"mine\n"}, branch=branch, message="someone else's commit")
    row = await bot.wait_done(sent.delivery)
    assert row["state"] == "done"
    assert pr.repo.branch(branch) == theirs  # not force-moved over
    assert fake.requests_to("PATCH", r"/git/refs/heads/hybridize") == []
