"""A pull request gets a check run, inline comments on its changed lines, and one summary comment."""
from __future__ import annotations

from hybridize_bot.analysis.cache import AnalysisCache, content_hash
from hybridize_bot.analysis.pipeline.modules import facts_key
from hybridize_bot.bot.publish.markers import SUMMARY_MARKER, parse_fingerprint_marker
from hybridize_bot.bot.webhook import WORKERS_KEY

from tests.github_markdown import assert_renders_clean, comment_html

from .expect import PR, RELAX_SHAPES, files_at, with_noisy
from .project import BASE_FILES, METRICS, PR_FILES, TRAIN_PR, line_of, many_prints


def open_pr(fake, pr_files=PR_FILES, base_extra=None, **kw):
    repo = fake.add_repo("octo/tiny-tf")
    main = fake.commit(repo, {**BASE_FILES, **(base_extra or {})}, message="base")
    fake.commit(repo, pr_files, branch="feature", parent=main, message="feature")
    return fake.open_pull_request(repo, "feature", **kw)


async def test_pull_request_gets_check_run_inline_comments_and_summary(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    exp = PR
    # The project's misuse: prints in two new traced functions, a pre-existing one in train.py.
    print_lines = {("train.py", line_of(TRAIN_PR, 'print("step"')), ("metrics.py", line_of(METRICS, "print("))}
    pre_line = ("train.py", line_of(TRAIN_PR, 'print("evaluating")'))
    assert print_lines <= {(f.path, f.line) for f in exp.new} and pre_line in {(f.path, f.line) for f in exp.pre}

    (run,) = bot.check_runs(pr.head_sha)
    assert run.name == "hybridize" and run.status == "completed"
    assert run.conclusion == exp.conclusion and exp.conclusion in ("failure", "neutral")
    annotated = {(a["path"], a["start_line"]): a["annotation_level"] for a in run.annotations}
    assert set(annotated) == {(f.path, f.line) for f in exp.new + exp.pre}
    assert ("model/layers.py", 12) not in annotated  # untouched file: counted, not annotated
    assert annotated[pre_line] == "notice"  # not changed by the PR: never more than a notice
    levels = {"error": "failure", "warning": "warning", "info": "notice"}
    assert all(annotated[(f.path, f.line)] == levels[f.severity.value] for f in exp.new)
    assert not any("`" in a["message"] or "**" in a["message"] for a in run.annotations)  # plain text
    assert run.output["title"].startswith(f"{len(exp.new)} new issue")
    summary_text = run.output["summary"]
    assert run.output["title"] not in summary_text and "/runs/" not in summary_text
    assert f"{len(exp.pre)} pre-existing finding" in summary_text
    links = exp.locations(exp.new, f"https://github.com/{pr.repo.full_name}", pr.head_sha)
    positions = [summary_text.index(link) for link in links]
    assert positions == sorted(positions)  # worst first, each linking to its line

    comments = bot.review_comments(pr)
    placed = {(c.path, c.line) for c in comments}
    assert len(comments) == len(exp.inline) and print_lines <= placed
    assert pre_line not in placed  # pre-existing, outside every hunk: annotation only
    for c in comments:
        assert c.side == "RIGHT" and c.commit_id == pr.head_sha and c.user.login == "hybridize-bot[bot]"
    by_place = {(c.path, c.line): c for c in comments}
    for path, line in print_lines:
        body = by_place[(path, line)].body
        assert "HYB001" in body and "print-in-graph" in body and "docs/rules/HYB001" in body
        assert body.startswith("⚠️ **HYB001** `print-in-graph` · warning (rule default: info)\n") and "**Fix** (" in body
        assert_renders_clean(comment_html(body))
    assert {parse_fingerprint_marker(c.body).fingerprint for c in comments} == {f.fingerprint for f in exp.inline}
    (review,) = fake.reviews.values()
    assert review.state == "COMMENTED" and review.commit_id == pr.head_sha

    (summary,) = bot.issue_comments(pr)
    assert summary.body.startswith(SUMMARY_MARKER) and pr.head_sha[:7] in summary.body
    assert summary.body.startswith(f"{SUMMARY_MARKER}\n### hybridize: {run.output['title']}\n")
    positions = [summary.body.index(link) for link in links]
    assert positions == sorted(positions) and positions[0] < summary.body.index("<details>")
    html = comment_html(summary.body)
    assert f"<h3>hybridize: {run.output['title']}</h3>" in html
    assert f'<a href="https://github.com/{pr.repo.full_name}/blob/{pr.head_sha}/train.py#L{pre_line[1]}">' in html.split("<details>")[1]
    assert_renders_clean(html)


async def test_base_branch_config_sets_conclusion_and_inline_cap_and_pr_cannot_override(env):
    fake, bot = env
    base_cfg = b'[tool.hybridize]\nseverity = { HYB001 = "error" }\n\n[tool.hybridize.bot]\nmax-inline-comments = 1\n'
    pr_cfg = b'[tool.hybridize]\nignore = ["HYB001"]\n\n[tool.hybridize.bot]\nconclusion = { error = "success" }\n'
    pr = open_pr(fake, {**PR_FILES, "pyproject.toml": pr_cfg}, base_extra={"pyproject.toml": base_cfg})
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    assert run.conclusion == "failure"  # error-severity new findings, base config wins over the PR's
    assert len(bot.review_comments(pr)) == 1
    assert "summary only" in run.output["summary"]
    assert fake.requests_to("GET", r"/contents/pyproject.toml$")[0].query["ref"] == pr.base_sha


async def test_bad_config_is_reported_and_defaults_are_used(env):
    fake, bot = env
    bad = b'[tool.hybridize]\nselect = ["NOPE1"]\n\n[tool.hybridize.bot]\nmax-inline-comments = "many"\n'
    pr = open_pr(fake, base_extra={"pyproject.toml": bad})
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    (run,) = bot.check_runs(pr.head_sha)
    assert "Configuration problem" in run.output["summary"]
    assert "NOPE1" in run.output["summary"] and "max-inline-comments" in run.output["summary"]
    # Defaults: every rule selected, up to 25 inline comments, each rule at its own severity. Since the
    # precision study HYB001 and HYB004 are info (summary only), so the worst new finding is HYB010's
    # warning and it is the one inline comment.
    assert run.conclusion == "neutral"
    assert [(c.path, c.line) for c in bot.review_comments(pr)] == [(RELAX_SHAPES.path, RELAX_SHAPES.line)]


async def test_more_than_50_annotations_are_sent_in_batches_and_inline_comments_capped(env):
    fake, bot = env
    pr = open_pr(fake, {**PR_FILES, "noisy.py": many_prints(60)})
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    exp = with_noisy(60)
    total = len(exp.new) + len(exp.pre)
    assert total == 65
    (run,) = bot.check_runs(pr.head_sha)
    noisy = [a for a in run.annotations if a["path"] == "noisy.py"]
    assert len(noisy) == 60 and len(run.annotations) == total
    patches = fake.requests_to("PATCH", rf"/check-runs/{run.id}$")
    sizes = [len((p.json.get("output") or {}).get("annotations", [])) for p in patches]
    assert sizes == [50, total - 50]
    assert patches[-1].json["status"] == "completed" and "status" not in patches[0].json
    assert len(bot.review_comments(pr)) == 25
    assert run.output["title"].startswith(f"{len(exp.new)} new issues")
    assert run.output["summary"].count("summary only") == len(exp.new) - 25


async def test_suggestion_block_when_fix_range_is_inside_one_hunk(env):
    fake, bot = env
    pr = open_pr(fake)
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    by_place = {(c.path, c.line): c for c in bot.review_comments(pr)}
    # Each one-line fix is offered as a suggestion replacing exactly that line.
    expected = {("metrics.py", 6): '    tf.print("computing accuracy")',
                ("train.py", 14): "@tf.function(reduce_retracing=True)",
                ("train.py", 16): '    tf.print("step", x)'}
    for place, text in expected.items():
        comment = by_place[place]
        assert "```suggestion\n" + text + "\n```" in comment.body
        assert comment.start_line is None  # a single line
    # HYB004's gated hoist moves the variable just above the function: one suggestion for lines 14-17.
    hoist = by_place[("train.py", 17)]
    assert hoist.start_line == 14
    assert ("```suggestion\n_train_step_counter = tf.Variable(0)\n\n\n@tf.function(experimental_relax_shapes=True)\n"
            "def train_step(model, x, y):\n    print(\"step\", x)\n    counter = _train_step_counter\n```") in hoist.body


async def test_a_review_analyzes_only_what_the_changed_files_need(env):
    fake, bot = env
    pr = open_pr(fake)  # changes train.py and adds metrics.py
    await bot.deliver("pull_request", bot.pull_request_event(pr, "opened"))
    # What the analysis loaded is what has module facts in the bot's analysis cache: the changed files,
    # what train.py imports (model/layers.py and its package), nothing else. data/pipeline.py is
    # neither imported by nor imports a changed file.
    cache = AnalysisCache(bot.settings.analysis_cache_dir)
    head = files_at(fake, pr.head_sha)
    modules = {"model/__init__.py": ("model", True), "model/layers.py": ("model.layers", False),
               "train.py": ("train", False), "metrics.py": ("metrics", False),
               "data/pipeline.py": ("pipeline", False)}  # data/ has no __init__.py: a top-level module
    loaded = sorted(p for p, name in modules.items() if cache.has_facts(facts_key(content_hash(head[p]), *name)))
    assert loaded == ["metrics.py", "model/__init__.py", "model/layers.py", "train.py"]
    (run,) = bot.check_runs(pr.head_sha)
    assert "2 changed Python files reviewed · 4 Python files analyzed" in run.output["summary"]
    assert "Files this pull request does not touch are not reviewed." in run.output["summary"]
    # model/layers.py's own print (line 12) is in a file the PR does not touch: neither annotated nor counted.
    assert {a["path"] for a in run.annotations} == {"train.py", "metrics.py"}


async def test_the_analysis_processes_start_with_the_app(env):
    _fake, bot = env
    runner = bot.runner.app[WORKERS_KEY].runner
    await runner.ready()
    assert len(runner.worker_pids()) == 1  # WORKERS=1: one analysis process, started before any job
