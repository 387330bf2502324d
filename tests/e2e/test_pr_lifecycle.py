"""Across pushes, redeliveries and re-runs: one summary comment, no duplicates, outdated comments
marked resolved, and threads a person answered left alone."""
from __future__ import annotations


from hybridize_bot.bot.publish.markers import SUMMARY_MARKER, parse_fingerprint_marker
from tests.fakegithub.state import IssueComment, ReviewComment

from .expect import PR, PRINTS_FIXED
from .followup_harness import followups
from .project import BASE_FILES, METRICS, PR_FILES, TRAIN_PR, line_of


def open_pr(fake):
    repo = fake.add_repo("octo/tiny-tf")
    main = fake.commit(repo, BASE_FILES, message="base")
    fake.commit(repo, PR_FILES, branch="feature", parent=main, message="feature")
    return fake.open_pull_request(repo, "feature")


async def test_three_pushes_edit_one_summary_resolve_fixed_comments_and_spare_human_threads(env):
    fake, bot = env
    pr = open_pr(fake)
    # A person pasted our marker into their own comment before the first run: never ours to edit.
    quoting = IssueComment(pr.repo, pr.number, f"How does this work?\n> {SUMMARY_MARKER}", fake.user("alice"))
    fake.issue_comments[quoting.id] = quoting
    quoting_body = quoting.body
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    conclusions = [PR.conclusion]
    comments = {(c.path, c.line): c for c in bot.review_comments(pr)}
    first_count = len(comments)
    train_comment = comments[("train.py", line_of(TRAIN_PR, 'print("step"'))]
    metrics_comment = comments[("metrics.py", line_of(METRICS, "print("))]
    others_before = {c.id: c.body for c in comments.values() if c not in (train_comment, metrics_comment)}
    (summary,) = [c for c in bot.issue_comments(pr) if c is not quoting]

    # A person answers the train.py thread (as GitHub stores a reply: in_reply_to_id).
    alice = fake.user("alice")
    reply = ReviewComment(pr.repo, pr.number, "train.py", "I need this print while debugging", alice,
                          pr.head_sha, train_comment.line, "RIGHT", position=train_comment.position or 1,
                          diff_hunk=train_comment.diff_hunk, in_reply_to_id=train_comment.id)
    fake.review_comments[reply.id] = reply
    train_body_before = train_comment.body

    # Push 2 fixes both prints.
    first_head = pr.head_sha
    fixed = {"train.py": TRAIN_PR.replace('print("step", x)', 'tf.print("step", x)').encode(),
             "metrics.py": METRICS.replace('print("computing', 'tf.print("computing').encode()}
    fake.push(pr.repo, "feature", fixed)
    assert pr.head_sha != first_head
    await bot.deliver("pull_request", bot.pull_request_event(pr, "synchronize", before=first_head))
    conclusions.append(PRINTS_FIXED.conclusion)
    marker = parse_fingerprint_marker(metrics_comment.body)
    assert marker.resolved
    assert metrics_comment.body.startswith("~~⚠️ **HYB001**")
    assert f"~~ ✅ **Resolved** in {pr.head_sha[:7]}\n" in metrics_comment.body
    assert "```suggestion" not in metrics_comment.body  # its "Commit suggestion" button is gone
    assert train_comment.body == train_body_before  # a human replied: never touched
    assert not parse_fingerprint_marker(train_comment.body).resolved
    # The fixed finding's thread is resolved with GraphQL resolveReviewThread; alice's thread stays open.
    assert fake.resolved_threads == {metrics_comment.id: fake.bot_user}
    assert len(fake.requests_to("POST", r"^/graphql$")) == 2  # the threads query, one mutation
    # Findings that survived the push keep their comments unchanged (same fingerprints); the one whose
    # fix the follow-up pull request carries said so since the follow-up was opened after push 1.
    (follow,) = followups(fake, pr)
    assert [b for b in others_before.values() if f"also in #{follow.number}" in b] == \
        [b for b in others_before.values() if "**HYB010**" in b]
    assert {c.id: c.body for c in bot.review_comments(pr) if c.id in others_before} == others_before

    # Push 3 changes nothing the analysis cares about.
    second_head = pr.head_sha
    fake.push(pr.repo, "feature", {"README.md": b"# tiny-tf\n\nNow with metrics.\n"})
    await bot.deliver("pull_request", bot.pull_request_event(pr, "synchronize", before=second_head))
    conclusions.append(PRINTS_FIXED.conclusion)

    assert bot.issue_comments(pr) == [quoting, summary]  # ours edited in place, never re-posted
    assert quoting.body == quoting_body
    assert pr.head_sha[:7] in summary.body
    edits = fake.requests_to("PATCH", rf"/issues/comments/{summary.id}$")
    assert len(edits) == 3  # pushes 2 and 3, and naming the follow-up opened after push 1
    assert len(fake.requests_to("POST", r"/issues/\d+/comments$")) == 1
    assert len(bot.review_comments(pr)) == first_count + 1  # ours + alice's reply; nothing new was posted
    assert [r.conclusion for r in sorted(bot.check_runs(), key=lambda r: r.id)] == conclusions
    # The resolved comment was edited once, not again on push 3.
    assert len(fake.requests_to("PATCH", rf"/pulls/comments/{metrics_comment.id}$")) == 1
    assert len(fake.requests_to("POST", r"^/graphql$")) == 2  # nothing left to resolve on push 3


async def test_redelivery_and_rerun_never_duplicate(env):
    fake, bot = env
    pr = open_pr(fake)
    payload = bot.pull_request_event(pr, "opened")
    sent = await bot.send("pull_request", payload)
    assert sent.status == 202 and sent.body["status"] == "queued"
    await bot.wait_done(sent.delivery)
    exp = PR
    first_comments = {c.id for c in bot.review_comments(pr)}
    assert len(first_comments) == len(exp.new) >= 2

    # GitHub's "Redeliver" sends the same delivery id: acknowledged, not processed again.
    again = await bot.send("pull_request", payload, delivery=sent.delivery)
    assert again.status == 202 and again.body["status"] == "duplicate"

    # The same event under a new delivery id: the head is already reviewed, nothing is redone.
    await bot.deliver("pull_request", payload)
    assert len(bot.check_runs(pr.head_sha)) == 1

    # "Re-run" on the check: a new run, but fingerprints prevent duplicate inline comments.
    (run,) = bot.check_runs(pr.head_sha)
    await bot.deliver("check_run", bot.check_run_event(pr, run.id))
    # And "Re-run all checks" on the suite.
    await bot.deliver("check_suite", bot.check_suite_event(pr, "rerequested"))
    runs = bot.check_runs(pr.head_sha)
    assert len(runs) == 3 and all(r.status == "completed" and r.conclusion == exp.conclusion for r in runs)
    assert {c.id for c in bot.review_comments(pr)} == first_comments
    assert len(fake.reviews) == 1
    assert len(bot.issue_comments(pr)) == 1
    assert f"inline comments: 0 new, {len(exp.new)} from earlier pushes" in runs[-1].output["summary"]
