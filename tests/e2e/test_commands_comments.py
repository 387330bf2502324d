"""Comment commands end to end: each command with and without permission, plain issues, bots, and
redelivered comment events."""
from __future__ import annotations


from hybridize_bot.bot.commands.store import CommandStore

from .followup_harness import (BRANCH, add_comment, comment_event, files_at, followups, open_pr, pr_event,
                               reactions, replies)
from .project import TRAIN_PR


async def _say(bot, fake, pr, body, login, **kw):
    comment = add_comment(fake, pr, body, login, **kw)
    await bot.deliver("issue_comment", comment_event(bot, pr, comment))
    return comment


async def test_help_and_explain_for_readers_but_not_for_strangers_of_a_private_repo(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.user("reader")
    c = await _say(bot, fake, pr, "Hi!\n@hybridize-bot help", "reader")
    (reply,) = replies(bot, pr)
    assert reactions(fake, c) == ["+1"]
    assert reply.body.startswith("@reader I understand these commands")
    assert "`@hybridize-bot ignore CODE`" in reply.body and f"to={c.id}" in reply.body

    c = await _say(bot, fake, pr, "@hybridize-bot explain hyb010", "reader")
    explain = replies(bot, pr)[-1]
    assert explain.body.startswith("@reader **HYB010** `deprecated-relax-shapes` · ") and "reduce_retracing" in explain.body
    c = await _say(bot, fake, pr, "@hybridize-bot explain HYB999", "reader")
    assert "There is no rule HYB999" in replies(bot, pr)[-1].body

    secret = fake.add_repo("octo/secret", private=True)
    main = fake.commit(secret, {"a.py": b"x = 1\n"})
    fake.commit(secret, {"a.py": b"x = 2\n"}, branch="f", parent=main)
    private_pr = fake.open_pull_request(secret, "f")
    fake.user("stranger")
    c = await _say(bot, fake, private_pr, "@hybridize-bot help", "stranger")
    assert reactions(fake, c) == ["eyes"]
    (no,) = replies(bot, private_pr)
    assert "needs read access" in no.body and "you have no access" in no.body


async def test_recheck_by_writers_only_not_by_the_author(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.set_permission(pr.repo, "maint", "maintain")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    assert len(bot.check_runs(pr.head_sha)) == 1
    fake.user("passerby")
    for login in ("passerby", "alice"):  # alice is the pull request's author, with read access
        c = await _say(bot, fake, pr, "@hybridize-bot recheck", login)
        assert reactions(fake, c) == ["eyes"] and len(bot.check_runs(pr.head_sha)) == 1
        assert replies(bot, pr)[-1].body.startswith(
            f"@{login} sorry, `recheck` needs write access to this repository, and you have read access")

    c = await _say(bot, fake, pr, "@hybridize-bot recheck", "maint")
    assert reactions(fake, c) == ["+1"]
    runs = bot.check_runs(pr.head_sha)
    assert len(runs) == 2 and runs[-1].status == "completed"


async def test_ignore_needs_write_and_is_remembered_across_pushes(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.set_permission(pr.repo, "maint", "write")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    assert any("HYB001" in (a.get("title") or "") + a.get("message", "") for a in bot.check_runs()[-1].annotations)

    c = await _say(bot, fake, pr, "@hybridize-bot ignore HYB001", "alice")  # author, read access
    assert reactions(fake, c) == ["eyes"] and "needs write access" in replies(bot, pr)[-1].body
    assert CommandStore(bot.settings.data_dir).ignored_sync("octo/tiny-tf", pr.number) == set()

    c = await _say(bot, fake, pr, "@hybridize-bot ignore HYB001", "maint")
    assert reactions(fake, c) == ["+1"] and "I don't report HYB001" in replies(bot, pr)[-1].body
    rerun = bot.check_runs(pr.head_sha)[-1]
    text = " ".join((a.get("title") or "") + a.get("message", "") for a in rerun.annotations)
    assert "HYB001" not in text and "HYB004" in text

    fake.push(pr.repo, "feature", {"README.md": b"# more\n"})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize"))
    (after_push,) = bot.check_runs(pr.head_sha)
    text = " ".join((a.get("title") or "") + a.get("message", "") for a in after_push.annotations)
    assert "HYB001" not in text and "HYB004" in text
    assert not [c for c in bot.review_comments(pr) if c.created_at and "HYB001" in c.body
                and c.commit_id == pr.head_sha]

    await _say(bot, fake, pr, "@hybridize-bot unignore HYB001", "maint")
    text = " ".join((a.get("title") or "") + a.get("message", "") for a in bot.check_runs(pr.head_sha)[-1].annotations)
    assert "HYB001" in text


async def test_fix_by_the_author_is_refused_and_by_a_writer_includes_gated(env):
    fake, bot = env
    gated = TRAIN_PR + """

def run_all(xs):
    for x in xs:
        @tf.function
        def double(v):
            return v * 2
        double(x)
"""
    config = b'[project]\nname = "t"\ndependencies = ["tensorflow>=2.16"]\n\n[tool.hybridize.bot]\nautofix = "off"\n'
    from .project import BASE_FILES
    pr = open_pr(fake, {"train.py": gated.encode()}, base={**BASE_FILES, "pyproject.toml": config})
    fake.set_permission(pr.repo, "maint", "write")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    assert followups(fake, pr) == []  # autofix = "off"

    c = await _say(bot, fake, pr, "@hybridize-bot fix", "alice")  # the author, read access
    assert reactions(fake, c) == ["eyes"] and followups(fake, pr) == []
    assert "`fix` needs write access" in replies(bot, pr)[-1].body
    assert fake.requests_to("POST", r"/git/") == []

    await _say(bot, fake, pr, "@hybridize-bot fix", "maint")
    (follow,) = followups(fake, pr)
    head = files_at(fake, pr.repo.branch(BRANCH.format(pr.number)))["train.py"].decode()
    assert follow.issue.title == (f"hybridize: apply 3 gated fixes to files changed in #{pr.number} "
                                  "(HYB004, HYB007, HYB010)")
    assert "@tf.function\ndef double(v):" in head and "        def double" not in head  # hoisted
    assert "_train_step_counter = tf.Variable(0)\n" in head and "    counter = _train_step_counter\n" in head
    assert "when the analysis preconditions hold" in follow.issue.body
    assert f"Opened #{follow.number}" in replies(bot, pr)[-1].body
    # One commit per kind: the safe rename first, then each gated refactoring with the facts behind it.
    tip = pr.repo.branch(BRANCH.format(pr.number))
    chain = [tip]
    while fake.store.commits[chain[-1]].parents != [pr.head_sha]:
        chain.append(fake.store.commits[chain[-1]].parents[0])
        assert len(chain) <= 3
    safe, variable, hoist = (fake.store.commits[sha] for sha in reversed(chain))
    safe_msg, variable_msg, gated_msg = safe.message, variable.message, hoist.message
    assert safe_msg.startswith(f"hybridize: HYB010 deprecated-relax-shapes (1 safe fix) in files changed in #{pr.number}\n")
    assert variable_msg.startswith(
        f"hybridize: HYB004 variable-created-in-graph (1 gated fix) in files changed in #{pr.number}\n")
    assert gated_msg.startswith(f"hybridize: HYB007 tf-function-recreated (1 gated fix) in files changed in #{pr.number}\n")
    assert "Facts that justified it:" in gated_msg and "Facts that justified it:" not in safe_msg
    assert "- `counter` is created from module-level values only, bound once, and only read in `train_step`" in variable_msg
    assert "Expected: the function traces once instead of on every call or loop iteration." in gated_msg
    assert "        def double" in files_at(fake, chain[1])["train.py"].decode()  # the hoist is only in the last
    assert "- no free variables bound in `run_all`\n" in gated_msg

    # The next push keeps what the maintainer asked for (remembered in BOT_DATA_DIR).
    fake.push(pr.repo, "feature", {"train.py": gated.replace("    loss = None", "    loss = 0")})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize"))
    assert followups(fake, pr) == [follow] and "HYB007" in follow.issue.title
    tip = pr.repo.branch(BRANCH.format(pr.number))
    first = fake.store.commits[fake.store.commits[tip].parents[0]].parents[0]  # three kinds, three commits
    assert fake.store.commits[first].parents == [pr.head_sha]


async def test_fix_without_permission_and_on_a_closed_unmerged_pull_request(env):
    fake, bot = env
    pr = open_pr(fake, {"train.py": TRAIN_PR.encode()}, base=None)
    fake.user("passerby")
    c = await _say(bot, fake, pr, "@hybridize-bot fix", "passerby")
    assert reactions(fake, c) == ["eyes"] and followups(fake, pr) == []
    pr.issue.state = "closed"
    await _say(bot, fake, pr, "@hybridize-bot fix", "octo")
    assert "closed without being merged" in replies(bot, pr)[-1].body and followups(fake, pr) == []


async def test_ignored_comments_and_redeliveries(env):
    fake, bot = env
    pr = open_pr(fake)
    # Plain issues, bots (ourselves included), quoted or fenced commands, comments without commands.
    issue_comment = add_comment(fake, pr, "@hybridize-bot help", "alice")
    await bot.deliver("issue_comment", comment_event(bot, pr, issue_comment, on_issue=True))
    await _say(bot, fake, pr, "@hybridize-bot help", "dependabot[bot]", user_type="Bot")
    await _say(bot, fake, pr, "@hybridize-bot help", "hybridize-bot[bot]", user_type="Bot")
    await _say(bot, fake, pr, "> @hybridize-bot help\n```\n@hybridize-bot fix\n```\nthanks", "alice")
    assert replies(bot, pr) == [] and fake.requests_to("POST", r"/reactions$") == []

    comment = add_comment(fake, pr, "@hybridize-bot help", "alice")
    payload = comment_event(bot, pr, comment)
    sent = await bot.send("issue_comment", payload)
    await bot.wait_done(sent.delivery)
    again = await bot.send("issue_comment", payload, delivery=sent.delivery)  # GitHub's "Redeliver"
    assert again.status == 202 and again.body["status"] == "duplicate"
    await bot.deliver("issue_comment", payload)  # the same comment under a new delivery id
    assert len(replies(bot, pr)) == 1 and reactions(fake, comment) == ["+1"]
    assert len(fake.requests_to("POST", r"/reactions$")) == 1
