"""One pipeline per job: a `pull_request` event reads each GitHub resource once (issue 13, item 1).

Before the pipeline, the review and the follow-up handlers each read the pull request, its files, the
base configuration, the head commit and tree, and raced for the check run's Fix button.
"""
from __future__ import annotations

from collections import Counter

from .followup_harness import followups, open_pr, pr_event
from .project import BASE_FILES, PYPROJECT


# Read again only what the job itself wrote in between: once the follow-up is opened or updated, the
# summary and the review comments the review just posted are found again to cross-reference it
# (bot/publish/crossref.py).
CROSSREF_REREADS = {"/repos/octo/tiny-tf/issues/1/comments?per_page=100": 2,
                    "/repos/octo/tiny-tf/pulls/1/comments?per_page=100": 2}


def _gets(fake, start: int) -> Counter[str]:
    return Counter(r.path + ("?" + "&".join(f"{k}={v}" for k, v in sorted(r.query.items())) if r.query else "")
                   for r in fake.requests[start:] if r.method == "GET")


async def test_an_opened_pull_request_reads_each_resource_once(env):
    fake, bot = env
    pr = open_pr(fake)
    start = len(fake.requests)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    gets = _gets(fake, start)
    twice = {path: n for path, n in gets.items() if n > 1}
    assert twice == CROSSREF_REREADS
    base = "/repos/octo/tiny-tf"
    assert gets[f"{base}/pulls/{pr.number}"] == 1
    assert sum(n for p, n in gets.items() if p.startswith(f"{base}/pulls/{pr.number}/files")) == 1
    assert sum(n for p, n in gets.items() if p.startswith(f"{base}/contents/pyproject.toml")) == 1
    assert sum(n for p, n in gets.items() if p.startswith(f"{base}/git/trees/")) == 1
    (follow,) = followups(fake, pr)  # the follow-up was opened in the same job


async def test_the_fix_button_is_on_the_check_run_whenever_autofix_is_off(env):
    """The review and the follow-up are one job: the run exists before the button is offered."""
    fake, bot = env
    config = PYPROJECT + b'\n[tool.hybridize.bot]\nautofix = "off"\n'
    pr = open_pr(fake, base={**BASE_FILES, "pyproject.toml": config})
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    assert run.status == "completed"
    assert [a["identifier"] for a in run.actions] == ["hybridize-fix"]
    assert followups(fake, pr) == []


async def test_a_push_and_a_fix_command_read_each_resource_once(env):
    from .followup_harness import add_comment, comment_event
    from .project import TRAIN_PR

    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    before = pr.head_sha
    fake.push(pr.repo, "feature", {"train.py": TRAIN_PR.replace("def loss_fn(", "@tf.function(experimental_compile=True)\ndef loss_fn(")})
    start = len(fake.requests)
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize", before=before))
    # The follow-up branch is read when the sync starts and again right before it is moved (the
    # compare-and-swap); everything else once.
    ref = f"/repos/octo/tiny-tf/git/ref/heads/hybridize/pr-{pr.number}"
    assert {path: n for path, n in _gets(fake, start).items() if n > 1} == {ref: 2, **CROSSREF_REREADS}
    (follow,) = followups(fake, pr)
    # Two kinds of fix (HYB010, HYB011): two commits on the new head, one tree read for both.
    (first_fix,) = fake.store.commits[pr.repo.branch(f"hybridize/pr-{pr.number}")].parents
    assert fake.store.commits[first_fix].parents == [pr.head_sha]

    fake.set_permission(pr.repo, "maintainer", "write")
    ask = add_comment(fake, pr, "@hybridize-bot fix", "maintainer")
    start = len(fake.requests)
    await bot.deliver("issue_comment", comment_event(bot, pr, ask))
    # A writer's `fix` adds the gated HYB004 hoist, so the branch moves: read at the start and right
    # before the move (compare-and-swap), everything else once.
    assert {path: n for path, n in _gets(fake, start).items() if n > 1} == {ref: 2}
    assert "HYB004" in follow.issue.title
