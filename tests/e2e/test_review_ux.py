"""Issue 18, on the bodies the App sends to the fake GitHub: the delta after a later push, the follow-up
cross-referenced, honest "ignored" states, did-you-mean, explain in ten lines, the strict setting; each
body rendered with cmark-gfm (tests/github_markdown.py) where rendering matters."""
from __future__ import annotations

from hybridize_bot.bot.publish.markers import SUMMARY_MARKER, parse_fingerprint_marker
from tests.github_markdown import assert_renders_clean, check_html, comment_html

from .expect import expectation
from .followup_harness import add_comment, comment_event, followups, open_pr, pr_event, replies
from .project import BASE_FILES, METRICS, PYPROJECT, TRAIN, TRAIN_PR, line_of

EXTRA = """import tensorflow as tf


@tf.function
def extra(x):
    print("extra", x)
    return x
"""


def summary_of(bot, pr):
    (summary,) = [c for c in bot.issue_comments(pr) if c.body.startswith(SUMMARY_MARKER)]
    return summary


async def _say(bot, fake, pr, body, login):
    comment = add_comment(fake, pr, body, login)
    await bot.deliver("issue_comment", comment_event(bot, pr, comment))
    return comment


async def test_second_push_leads_with_the_delta_and_cross_references_the_follow_up(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    (follow,) = followups(fake, pr)  # the safe HYB010 rename
    n = follow.number
    relax = line_of(TRAIN_PR, "experimental_relax_shapes")
    # The review was published before the follow-up existed; the follow-up then named itself in it.
    body = summary_of(bot, pr).body
    assert body.splitlines()[3] == f"1 safe fix is in #{n} (marked “in #{n}” below)."
    (row,) = [line for line in body.splitlines() if f"train.py:{relax}]" in line]
    assert row.endswith(f"| in #{n} | inline |")
    (relax_comment,) = [c for c in bot.review_comments(pr) if "**HYB010**" in c.body]
    assert f"**Fix** (one-click, also in #{n}; safe: preserves behaviour)" in relax_comment.body
    first = pr.head_sha
    fake.push(pr.repo, "feature", {
        "train.py": TRAIN_PR.replace('print("step", x)', 'tf.print("step", x)').encode(),
        "metrics.py": METRICS.replace('print("computing', 'tf.print("computing').encode(),
        "extra.py": EXTRA.encode()})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize", before=first))

    lead = (f"**2 fixed (HYB001), 1 new since {first[:7]}** · 1 safe fix is in #{n} "
            f"(marked “in #{n}” below).")
    body = summary_of(bot, pr).body
    assert body.splitlines()[3] == lead
    (row,) = [line for line in body.splitlines() if f"train.py:{relax}]" in line]
    assert row.startswith("| ⚠️ warning |") and f"| in #{n} | inline |" in row
    html = comment_html(body)
    assert f"<strong>2 fixed (HYB001), 1 new since {first[:7]}</strong>" in html
    assert_renders_clean(html)

    run = bot.check_runs(pr.head_sha)[-1]
    assert run.output["summary"].startswith(lead + "\n")
    assert_renders_clean(check_html(run.output["summary"]))

    assert relax_comment.body.count(f"in #{n}") == 1 and "```suggestion" in relax_comment.body
    (extra,) = [c for c in bot.review_comments(pr) if c.path == "extra.py"]
    assert extra.body.startswith("⚠️ **HYB001** `print-in-graph` · warning (rule default: info)\n")
    assert "**Fix** (one-click; may change behaviour; a person must decide)" in extra.body  # not in the follow-up


async def test_ignore_says_who_removes_suggestions_and_lists_the_rule_with_its_undo(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.set_permission(pr.repo, "maint", "write")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    hyb001 = [c for c in bot.review_comments(pr) if "**HYB001**" in c.body]
    assert len(hyb001) == 2 and all("```suggestion" in c.body for c in hyb001)

    await _say(bot, fake, pr, "@hybridize-bot ignore HYB001", "maint")
    for comment in hyb001:
        head = comment.body.split("\n", 1)[0]
        assert head == "~~⚠️ **HYB001** `print-in-graph` · warning (rule default: info)~~ 🔕 **Ignored** by @maint"
        assert "Resolved" not in comment.body and "```suggestion" not in comment.body
        assert "`@hybridize-bot unignore HYB001` reports it again." in comment.body
        assert parse_fingerprint_marker(comment.body).resolved
        assert "<del>" in comment_html(comment.body)
    body = summary_of(bot, pr).body
    # Two new and one pre-existing in the files the PR touches; model/layers.py's is not reviewed at all.
    assert ("<details><summary>Ignored on this pull request: HYB001</summary>\n\n"
            "- HYB001: ignored by @maint; 3 findings not reported. "
            "Undo: `@hybridize-bot unignore HYB001`") in body
    assert_renders_clean(comment_html(body))


async def test_unknown_command_gets_did_you_mean_and_explain_fits_ten_lines(env):
    fake, bot = env
    pr = open_pr(fake)
    await _say(bot, fake, pr, "@hybridize-bot please fix this", "alice")
    reply = replies(bot, pr)[-1].body
    assert reply.startswith("@alice I don't know `@hybridize-bot please fix this`; did you mean "
                            "`@hybridize-bot fix`? (`@hybridize-bot help` lists every command.)")
    assert "I understand these commands" not in reply

    await _say(bot, fake, pr, "@hybridize-bot explain HYB004", "alice")
    reply = replies(bot, pr)[-1].body
    visible = reply.split("<details>")[0]
    assert reply.startswith("@alice **HYB004** `variable-created-in-graph` · ") and len(visible.strip().splitlines()) <= 10
    html = comment_html(reply)
    assert "<h1>" not in html and "<h2>" not in html and "<details><summary>Why, example and fix</summary>" in html
    assert "<code>__init__</code>" in html
    assert_renders_clean(html)


async def test_the_conclusion_is_decided_by_new_findings_unless_strict(env):
    fake, bot = env
    touch = TRAIN.replace("def make_model():", "def make_model():\n    # a comment only").encode()
    strict = PYPROJECT + b"\n[tool.hybridize.bot]\nstrict = true\n"
    plain_pr = open_pr(fake, {"train.py": touch}, repo_name="octo/plain")
    strict_pr = open_pr(fake, {"train.py": touch}, base={**BASE_FILES, "pyproject.toml": strict},
                        repo_name="octo/strict")
    for pr in (plain_pr, strict_pr):
        await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
        exp = expectation(fake, pr)
        assert exp.new == [] and [f.severity.value for f in exp.pre] == ["warning"]
    (plain_run,) = bot.check_runs(plain_pr.head_sha)
    (strict_run,) = bot.check_runs(strict_pr.head_sha)
    assert plain_run.conclusion == "success" and strict_run.conclusion == "neutral"
    assert "are not counted against it" in plain_run.output["summary"]
    assert "count toward the conclusion (strict)" in strict_run.output["summary"]
    assert [a["annotation_level"] for a in plain_run.annotations] == ["notice"]


async def test_every_body_the_app_sends_renders_clean(env):
    """Across two pushes and every command: no literal Markdown, no bold dunders, no hard-wrapped prose
    in any comment, review, pull-request body or check-run output; annotations are plain text."""
    fake, bot = env
    pr = open_pr(fake)
    fake.set_permission(pr.repo, "maint", "write")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    first = pr.head_sha
    fake.push(pr.repo, "feature", {"metrics.py": METRICS.replace('print("computing', 'tf.print("computing').encode(),
                                   "extra.py": EXTRA.encode()})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize", before=first))
    for text, who in (("@hybridize-bot help", "alice"), ("@hybridize-bot explain HYB001 HYB004", "alice"),
                      ("@hybridize-bot please fix this", "alice"), ("@hybridize-bot ignore HYB001", "alice"),
                      ("@hybridize-bot ignore HYB001", "maint"), ("@hybridize-bot fix", "maint"),
                      ("@hybridize-bot unignore HYB001", "maint")):
        await _say(bot, fake, pr, text, who)

    bodies = [c.body for c in bot.issue_comments(pr) if c.user.login == "hybridize-bot[bot]"]
    bodies += [c.body for c in bot.review_comments(pr)]
    bodies += [r.body for r in fake.reviews.values() if r.body]
    bodies += [f.issue.body for f in followups(fake, pr, state=None)]
    assert len(bodies) >= 15
    for body in bodies:
        assert_renders_clean(comment_html(body))
    runs = bot.check_runs()
    assert len(runs) >= 4
    for run in runs:
        assert_renders_clean(check_html(run.output["summary"]))
        for annotation in run.annotations:
            assert "`" not in annotation["message"] + annotation["title"] and "**" not in annotation["message"]


async def test_a_rerun_of_the_same_commit_keeps_the_delta(env):
    fake, bot = env
    pr = open_pr(fake)
    fake.set_permission(pr.repo, "maint", "write")
    await bot.deliver("pull_request", pr_event(bot, pr, "opened"))
    first = pr.head_sha
    fake.push(pr.repo, "feature", {"metrics.py": METRICS.replace('print("computing', 'tf.print("computing').encode()})
    await bot.deliver("pull_request", pr_event(bot, pr, "synchronize", before=first))
    lead = f"**1 fixed (HYB001), 0 new since {first[:7]}**"
    assert summary_of(bot, pr).body.splitlines()[3].startswith(lead)
    await _say(bot, fake, pr, "@hybridize-bot recheck", "maint")
    assert len(bot.check_runs(pr.head_sha)) == 2
    assert summary_of(bot, pr).body.splitlines()[3].startswith(lead)
