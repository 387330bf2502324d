"""Follow-up writes that GitHub carried out but answered 502 (issue 13): the gateway looks the resource
up by its natural key (the open pull request of the follow-up branch, the comment's exact body)
instead of posting it again. The fake applies the write, then answers 502 (`after_apply`); each test
writes out the requests the sync makes from its first write on."""
from __future__ import annotations

from .followup_harness import BRANCH, followups, open_pr, pr_event


def _since(fake, start: int) -> list[tuple[str, str, str]]:
    return [(r.method, r.path, "&".join(f"{k}={v}" for k, v in sorted(r.query.items()))) for r in fake.requests[start:]]


async def test_a_follow_up_whose_answer_was_lost_is_opened_once(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.inject("POST", r"/pulls$", status=502, after_apply=True)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))

    (follow,) = followups(fake, pr)
    assert follow.head_ref == BRANCH.format(pr.number)
    first_write = next(i for i, r in enumerate(fake.requests) if r.method == "POST" and r.path.endswith("/git/blobs"))
    repo = "/repos/octo/tiny-tf"
    summary = next(c for c in bot.issue_comments(pr))
    assert _since(fake, first_write)[:6] == [
        ("POST", f"{repo}/git/blobs", ""),
        ("POST", f"{repo}/git/trees", ""),
        ("POST", f"{repo}/git/commits", ""),
        ("POST", f"{repo}/git/refs", ""),
        ("POST", f"{repo}/pulls", ""),  # opened, answered 502
        # looked up by the branch rather than posted again (which would be answered 422 at best)
        ("GET", f"{repo}/pulls", "head=octo:hybridize/pr-1&per_page=100&state=open"),
    ]
    # Then the review of the head names the follow-up (its summary comment edited), as without the fault.
    assert ("PATCH", f"{repo}/issues/comments/{summary.id}", "") in _since(fake, first_write)[6:]
    assert f"#{follow.number}" in summary.body


async def test_a_closing_comment_whose_answer_was_lost_is_posted_once(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (follow,) = followups(fake, pr)
    fake.inject("POST", r"/issues/\d+/comments$", status=502, after_apply=True)
    start = len(fake.requests)
    pr.issue.state = "closed"
    await bot.deliver("pull_request", pr_event(bot, pr, "closed"))

    repo, n = "/repos/octo/tiny-tf", follow.number
    assert _since(fake, start) == [
        ("GET", f"{repo}/pulls/{pr.number}", ""),
        ("GET", f"{repo}/git/ref/heads/hybridize/pr-1", ""),
        ("GET", f"{repo}/pulls", "head=octo:hybridize/pr-1&per_page=100&state=open"),
        ("POST", f"{repo}/issues/{n}/comments", ""),  # posted, answered 502
        ("GET", f"{repo}/issues/{n}/comments", "per_page=100"),  # found by its body: not posted again
        ("PATCH", f"{repo}/pulls/{n}", ""),  # closed
        ("DELETE", f"{repo}/git/refs/heads/hybridize/pr-1", ""),
    ]
    closing = [c for c in bot.issue_comments(follow) if c.body.startswith("Closing:")]
    assert len(closing) == 1 and follow.issue.state == "closed" and pr.repo.branch(BRANCH.format(pr.number)) is None
