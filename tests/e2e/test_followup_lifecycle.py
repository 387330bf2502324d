"""Follow-up pull requests end to end: creation, a second push, a person's push, closing the source."""
from __future__ import annotations


from hybridize_bot.bot.followup.naming import has_trailer

from .followup_harness import BRANCH, changed_paths, files_at, followups, open_pr, pr_event
from .project import TRAIN_PR


async def test_created_on_the_head_then_updated_kept_and_closed_across_pushes(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))

    (follow,) = followups(fake, pr)
    branch = BRANCH.format(pr.number)
    assert (follow.head_ref, follow.base_ref, follow.head_repo) == (branch, "feature", pr.repo)
    assert follow.issue.user.login == "hybridize-bot[bot]"
    tip = pr.repo.branch(branch)
    commit = fake.store.commits[tip]
    assert commit.parents == [pr.head_sha]
    assert commit.author.name == "hybridize-bot[bot]"  # the App is the author
    assert has_trailer(commit.message, pr.repo.full_name, pr.number)
    assert changed_paths(fake, pr.head_sha, tip) == {"train.py"}  # nothing the fixes do not need
    fixed = files_at(fake, tip)["train.py"].decode()
    assert fixed == TRAIN_PR.replace("experimental_relax_shapes=True", "reduce_retracing=True")
    assert follow.issue.title == f"hybridize: apply 1 safe fix to files changed in #{pr.number} (HYB010)"
    body = follow.issue.body
    assert "docs/rules/HYB010.md) `deprecated-relax-shapes` | `train.py:14` | safe |" in body  # on a line the PR added
    assert "did not change" not in body and "not changed by the PR" not in body
    assert "checked: declared minimum TensorFlow 2.16" in body and "`@hybridize-bot fix`" in body
    (run,) = bot.check_runs(pr.head_sha)
    assert run.actions == []  # the follow-up exists: no Fix button needed
    # Git Data API only: blobs, a tree on the head's tree, one commit.
    (tree_req,) = fake.requests_to("POST", r"/git/trees$")
    assert tree_req.json["base_tree"] == fake.store.commits[pr.head_sha].tree
    assert [e["path"] for e in tree_req.json["tree"]] == ["train.py"]
    assert "author" not in fake.requests_to("POST", r"/git/commits$")[0].json

    # The events GitHub sends about the bot's own branch and pull request change nothing.
    await bot.deliver("pull_request", pr_event(bot, follow, "opened", sender="hybridize-bot[bot]", sender_type="Bot"))
    assert followups(fake, follow) == [] and len(fake.requests_to("POST", r"/pulls$")) == 1

    # Push 2 touches the fixed file and adds a second deprecated flag: same follow-up, moved.
    first_head = pr.head_sha
    train2 = TRAIN_PR.replace("def evaluate(", "def evaluate_unused(").replace(
        "@tf.function\ndef evaluate_unused", "@tf.function(experimental_compile=True)\ndef evaluate_unused")
    assert train2 != TRAIN_PR
    fake.push(pr.repo, "feature", {"train.py": train2})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize", before=first_head))
    assert followups(fake, pr) == [follow]
    tip2 = pr.repo.branch(branch)
    # Two kinds of fix: two commits, one per kind (issue 15), safe kinds in code order, each droppable.
    first = fake.store.commits[tip2].parents[0]
    assert tip2 != tip and fake.store.commits[first].parents == [pr.head_sha]
    messages = [fake.store.commits[sha].message for sha in (first, tip2)]
    assert [m.splitlines()[0] for m in messages] == [
        f"hybridize: HYB010 deprecated-relax-shapes (1 safe fix) in files changed in #{pr.number}",
        f"hybridize: HYB011 deprecated-experimental-compile (1 safe fix) in files changed in #{pr.number}",
    ]
    assert all(has_trailer(m, pr.repo.full_name, pr.number) for m in messages)
    assert "revert this one to drop HYB011's fixes" in messages[1]
    step1 = files_at(fake, first)["train.py"].decode()
    assert "reduce_retracing=True" in step1 and "experimental_compile=True" in step1  # HYB010 only
    assert "jit_compile=True" in files_at(fake, tip2)["train.py"].decode()
    assert "One commit per kind of fix (HYB010, HYB011, safe kinds first)" in follow.issue.body
    assert follow.issue.title == f"hybridize: apply 2 safe fixes to files changed in #{pr.number} (HYB010, HYB011)"
    assert len(fake.requests_to("POST", r"/pulls$")) == 1

    # Push 3 leaves the fixed file alone: the branch does not move.
    fake.push(pr.repo, "feature", {"README.md": b"# tiny\n\nmore\n"})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize"))
    assert pr.repo.branch(branch) == tip2 and followups(fake, pr) == [follow]

    # Push 4 applies the fixes by hand: no fix applies, the follow-up is closed and its branch deleted.
    fake.push(pr.repo, "feature", {"train.py": train2.replace("experimental_relax_shapes", "reduce_retracing")
                                   .replace("experimental_compile", "jit_compile")})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize"))
    assert followups(fake, pr) == [] and follow.issue.state == "closed"
    assert pr.repo.branch(branch) is None
    closing = [c for c in bot.issue_comments(follow) if c.body.startswith("Closing:")]
    assert len(closing) == 1 and "no automatic fix applies" in closing[0].body


async def test_a_persons_push_to_the_bot_branch_stops_all_updates(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (follow,) = followups(fake, pr)
    branch = BRANCH.format(pr.number)
    human = fake.push(pr.repo, branch, {"NOTES.md": b"I am editing this\n"})
    assert follow.head_sha == human

    for n in range(2):  # two pushes to the source: one notice, never a duplicate
        fake.push(pr.repo, "feature", {"train.py": TRAIN_PR + f"\n\n# push {n}\n"})
        await bot.deliver("pull_request", pr_event(bot, pr, "synchronize"))
        assert pr.repo.branch(branch) == human
    notices = [c for c in bot.issue_comments(follow) if "Somebody else pushed" in c.body]
    assert len(notices) == 1 and f"`{branch}`" in notices[0].body

    # Closing the source leaves the person's follow-up and branch alone too.
    pr.issue.state = "closed"
    await bot.deliver("pull_request", pr_event(bot, pr, "closed"))
    assert follow.issue.state == "open" and pr.repo.branch(branch) == human
    assert len(fake.requests_to("DELETE", r"/git/refs/")) == 0


async def test_closing_the_source_closes_the_follow_up_and_deletes_its_branch(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (follow,) = followups(fake, pr)
    pr.issue.state, pr.merged = "closed", True
    await bot.deliver("pull_request", pr_event(bot, pr, "closed"))
    assert follow.issue.state == "closed" and pr.repo.branch(BRANCH.format(pr.number)) is None
    (closing,) = [c for c in bot.issue_comments(follow) if c.body.startswith("Closing:")]
    assert "was merged without these fixes" in closing.body and "`@hybridize-bot fix`" in closing.body
    # A redelivered close finds nothing left to do.
    await bot.deliver("pull_request", pr_event(bot, pr, "closed"))
    assert len(fake.requests_to("PATCH", rf"/pulls/{follow.number}$")) == 1
