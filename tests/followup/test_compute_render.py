"""Pure parts of follow-ups: the change-set key, naming, options, title/body/commit rendering."""
from __future__ import annotations

from hybridize_bot.analysis import load_pyproject_bytes

from hybridize_bot.bot.followup import render
from hybridize_bot.bot.followup.compute import FixEntry, FixPlan, Withheld, compute_fix_plan, diff_hunk_near, fixes_key, safeties_for
from hybridize_bot.bot.followup.naming import branch_for, has_trailer, is_protected, source_number_of, trailer_line
from hybridize_bot.analysis.bot_options import parse_bot_options
from hybridize_bot.bot.followup.options import stronger
from hybridize_bot.bot.publish.render import COMMENT_BODY_LIMIT
from tests.github_markdown import assert_renders_clean, comment_html


def test_fixes_key_depends_on_path_before_and_after():
    k = fixes_key({"a.py": b"x"}, {"a.py": b"y"})
    assert k == fixes_key({"a.py": b"x", "b.py": b"unrelated"}, {"a.py": b"y"})
    assert k != fixes_key({"a.py": b"x2"}, {"a.py": b"y"})
    assert k != fixes_key({"a.py": b"x"}, {"a.py": b"y2"})
    assert k != fixes_key({"b.py": b"x"}, {"b.py": b"y"})
    assert fixes_key({}, {}) == ""


def test_naming_and_protected_paths():
    assert branch_for(12) == "hybridize/pr-12" and source_number_of("hybridize/pr-12") == 12
    assert source_number_of("feature") is None and source_number_of("hybridize/pr-12x") is None
    msg = "hybridize: apply\n\n" + trailer_line("octo/x", 12) + "\n"
    assert has_trailer(msg, "Octo/X", 12) and not has_trailer(msg, "octo/x", 1)
    for path in (".github/workflows/ci.yml", "./.github/workflows/x.py", "a/../.github/workflows/x.py"):
        assert is_protected(path), path
    assert not is_protected(".github/scripts/x.py") and not is_protected("src/workflows/x.py")


def test_autofix_option_levels():
    assert parse_bot_options(None)[0].autofix == "safe"
    assert parse_bot_options({"autofix": "GATED"})[0].autofix == "gated"
    assert parse_bot_options({"autofix": False})[0].autofix == "off"
    options, (problem,) = parse_bot_options({"autofix": "always"})
    # A bad level falls to the side that writes nothing, and says so.
    assert options.autofix == "off" and not options.valid
    assert problem == ("[tool.hybridize.bot] autofix must be one of off, safe, gated, not 'always'; using 'off': "
                       "no follow-up pull request is opened until it is fixed")
    assert stronger("off", "gated") == "gated" and stronger(None, None) == "off"
    assert safeties_for("off", include_gated=False) == frozenset()
    assert safeties_for("safe", include_gated=False) == {"safe"}
    assert safeties_for("safe", include_gated=True) == {"safe", "gated"}


def test_diff_hunk_near_picks_the_block_at_the_line():
    old = ["a", "b", "c", "d", "e"]
    new = ["A", "b", "c", "D", "e"]
    assert diff_hunk_near(old, new, 4) == ("d", "D")
    assert diff_hunk_near(old, new, 1) == ("a", "A")
    assert diff_hunk_near(old, old, 1) == ("", "")


def test_compute_keeps_only_the_pull_requests_files_and_never_workflows():
    deprecated = b"import tensorflow as tf\n\n\n@tf.function(experimental_relax_shapes=True)\ndef f(x):\n    return x\n"
    sources = {"pyproject.toml": b'[project]\nname = "x"\ndependencies = ["tensorflow>=2.16"]\n',
               "touched.py": deprecated, "untouched.py": deprecated,
               ".github/workflows/gen.py": deprecated}
    config = load_pyproject_bytes(sources["pyproject.toml"])
    plan = compute_fix_plan(sources, config, ["safe"], ["touched.py", ".github/workflows/gen.py"])
    assert list(plan.changed) == ["touched.py"]
    assert b"reduce_retracing=True" in plan.changed["touched.py"]
    assert plan.protected_skipped == (".github/workflows/gen.py",)
    (entry,) = plan.entries
    assert (entry.code, entry.path, entry.line, entry.safety) == ("HYB010", "touched.py", 4, "safe")
    assert entry.before == "@tf.function(experimental_relax_shapes=True)"
    assert entry.after == "@tf.function(reduce_retracing=True)"
    assert "2.16" in entry.reason
    assert compute_fix_plan(sources, config, [], ["touched.py"]).empty


def _plan(n: int = 2, before: str = "old()", after: str = "new()") -> FixPlan:
    entries = tuple(FixEntry("HYB010", "deprecated-relax-shapes", f"m{i}.py", 3 + i, "rename `a` to `b`", "safe",
                             "declared minimum TensorFlow 2.16 has `reduce_retracing`", before, after)
                    for i in range(n))
    return FixPlan({f"m{i}.py": b"new" for i in range(n)}, {f"m{i}.py": b"old" for i in range(n)}, entries,
                   (Withheld("HYB011", "m0.py", 9, "the call also passes `**` keywords"),))


SRC = render.Source("octo/tiny", 12, "feature", "a" * 40, "feature")


def test_title_and_commit_message():
    plan = _plan()
    assert render.title(plan, SRC) == "hybridize: apply 2 safe fixes to files changed in #12 (HYB010)"
    assert render.title(_plan(1), SRC) == "hybridize: apply 1 safe fix to files changed in #12 (HYB010)"
    msg = render.commit_message(plan, SRC)
    assert msg.startswith("hybridize: apply 2 safe fixes to files changed in #12 (HYB010)\n\n"
                          "- HYB010 deprecated-relax-shapes: m0.py:3\n")
    assert has_trailer(msg, "octo/tiny", 12)


def test_body_is_a_summary_a_table_one_verify_line_and_folded_details():
    body = render.body(_plan(), SRC, "hybridize-bot", {"HYB010": "https://docs/HYB010.md"}, {"m0.py": {3}, "m1.py": {9}})
    assert body.startswith("<!-- hybridize-bot:followup source=octo/tiny#12 -->\n\nApplies 2 safe fixes hybridize-bot "
                           "found in the files #12 changes, on top of `feature` (aaaaaaa); 2 files changed. "
                           "**1 of them is on lines #12 did not change** (pre-existing code in the same files).\n\n")
    assert ("| Rule | Where | Fix |\n|---|---|---|\n"
            "| [HYB010](https://docs/HYB010.md) `deprecated-relax-shapes` | `m0.py:3` | safe |\n"
            "| [HYB010](https://docs/HYB010.md) `deprecated-relax-shapes` | `m1.py:4` (not changed by the PR) | safe |") in body
    assert "\n\n**To verify:** " in body
    assert ("- HYB010 `m0.py:3`: rename `a` to `b`. Safe: the rewrite preserves behaviour; checked: declared "
            "minimum TensorFlow 2.16 has `reduce_retracing`.") in body
    assert "<details><summary>Not applied (1)</summary>\n\n- HYB011 `m0.py:9`: the call also passes `**` keywords" in body
    assert "Before:" not in body and "Why this is safe" not in body and "```python" not in body
    commands = body.index("<details><summary>Commands and updates</summary>")
    for command in ("recheck", "fix", "ignore CODE", "explain CODE", "help"):
        assert body.index(f"`@hybridize-bot {command}`") > commands
    visible = body.split("<details>")[0]
    # marker, summary, table header, separator, two rows, how to verify: everything else is folded
    assert len([line for line in visible.splitlines() if line.strip()]) == 7
    html = comment_html(body)
    assert "<table>" in html and '<a href="https://docs/HYB010.md">HYB010</a>' in html
    assert_renders_clean(html)
    inside = render.body(_plan(), SRC, "bot", pr_lines={"m0.py": {3}, "m1.py": {4}})
    assert "did not change" not in inside and "not changed by the PR" not in inside


def test_body_after_merge_and_fences_and_length():
    src = render.Source("octo/tiny", 12, "feature", "b" * 40, "main", after_merge=True)
    body = render.body(_plan(1, before="s = '```'", after="t = '```'"), src, "bot")
    assert "the base branch `main` after #12 was merged" in body and "I update this pull request" not in body
    many = FixPlan({"a.py": b"2"}, {"a.py": b"1"}, tuple(
        FixEntry("HYB010", "deprecated-relax-shapes", "a.py", i, "rename " + "x" * 100, "safe", "", "", "")
        for i in range(1, 1000)))
    huge = render.body(many, SRC, "bot")
    assert len(huge) <= COMMENT_BODY_LIMIT and "truncated" in huge
    gated = FixPlan({"a.py": b"2"}, {"a.py": b"1"}, (FixEntry("HYB007", "tf-function-recreated", "a.py", 1, "hoist",
                                                              "gated", "", "a", "b"),))
    assert render.title(gated, SRC).startswith("hybridize: apply 1 gated fix")
    assert "when the analysis preconditions hold" in render.body(gated, SRC, "bot")


def test_gated_refactorings_show_function_facts_effect_and_check_apart_from_safe_fixes():
    entries = (
        FixEntry("HYB021", "convert-to-hybrid-opportunity", "train.py", 13, "decorate the function with @tf.function",
                 "gated", "every Hybridize P1 precondition holds determinately and the function is not public API",
                 "def step(x, w):", "@tf.function", symbol="step"),
        FixEntry("HYB025", "gather-validate-indices", "ops.py", 4, "drop the ignored `validate_indices=` argument",
                 "safe", "TensorFlow discards the argument", "a", "b", symbol="lookup"),
    )
    plan = FixPlan({"train.py": b"2", "ops.py": b"2"}, {"train.py": b"1", "ops.py": b"1"}, entries)
    body = render.body(plan, SRC, "bot")
    gated = body.index("<details><summary>Gated refactorings (1): correct when the analysis preconditions hold")
    safe = body.index("<details><summary>Safe fixes (1): what each does and why it is safe</summary>")
    assert gated < safe
    assert ("- HYB021 `train.py:13` in `step`: decorate the function with @tf.function. **Facts:** every Hybridize "
            "P1 precondition holds determinately and the function is not public API. **Expected:** graph execution: "
            "less Python overhead per op (2-30x on the hot functions of bench/refactoring_speedup.py). **Check:** "
            "the tests, and a timing of the loop that calls it, before and after.") in body[gated:safe]
    assert ("- HYB025 `ops.py:4` in `lookup`: drop the ignored `validate_indices=` argument. Safe: the rewrite "
            "preserves behaviour; checked: TensorFlow discards the argument.") in body[safe:]
    assert_renders_clean(comment_html(body))


STEP = b"""import tensorflow as tf


def step(x, w):
    h = tf.matmul(x, w)
    return tf.reduce_sum(tf.nn.relu(h) * tf.exp(-h), axis=None)


def run():
    w = tf.ones((4, 4))
    for _ in range(100):
        step(tf.ones((4, 4)), w)


if __name__ == "__main__":
    run()
"""


def test_a_computed_conversion_quotes_the_facts_that_justified_it_in_the_body():
    """End to end: analysis -> gated plan -> body; the facts are the function's own, with their evidence."""
    plan = compute_fix_plan({"train.py": STEP}, None, safeties_for("gated", include_gated=False), ["train.py"])
    assert plan.changed["train.py"] == STEP.replace(b"\ndef step", b"\n@tf.function\ndef step")
    body = render.body(plan, SRC, "bot")
    gated = body.index("<details><summary>Gated refactorings (1)")
    assert (
        "- HYB021 `train.py:4` in `step`: decorate the function with @tf.function. **Facts:** tensor parameters: "
        "`x` receives a tensor from run (train.py:9) (train.py:12), `w` receives a tensor from run (train.py:9) "
        "(train.py:12); no parameter receives Python literals; no Python side effects in the function or the "
        "project functions it calls; not recursive; called from a loop in run (train.py:9) at line 12, which runs "
        "eagerly (reached from module level of train.py); tensor work 14; not public API (a top-level script or "
        "module outside any package). **Expected:** graph execution: less Python overhead per op (2-30x on the "
        "hot functions of bench/refactoring_speedup.py). **Check:** the tests, and a timing of the loop that "
        "calls it, before and after."
    ) in body[gated:]
    assert_renders_clean(comment_html(body))
