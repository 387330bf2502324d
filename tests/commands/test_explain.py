"""`explain CODE`: at most ten visible lines, the rest folded, prose unwrapped, rendered as GitHub does."""
from __future__ import annotations

import re

from hybridize_bot.analysis.rules import all_rules
from hybridize_bot.bot.commands.explain import MAX_VISIBLE_LINES, explain_rule
from hybridize_bot.bot.publish.markdown import prose
from tests.github_markdown import assert_renders_clean, comment_html


def test_every_rule_explains_in_ten_lines_a_details_block_and_a_link():
    for rule in all_rules():
        text = explain_rule(rule)
        visible = text.split("<details>")[0]
        assert len(visible.strip().splitlines()) <= MAX_VISIBLE_LINES, rule.code
        assert text.startswith(f"**{rule.code}** `{rule.name}` · "), rule.code
        assert text.rstrip().endswith(f"[{rule.code} rule page]({rule.doc_url()})"), rule.code
        html = comment_html("@alice-ml " + text)
        assert "<h1>" not in html and "# " + rule.code not in html, rule.code
        assert "<details><summary>Why, example and fix</summary>" in html, rule.code
        assert_renders_clean(html)


def test_hard_wrapped_prose_is_joined_into_paragraphs():
    text = """
        The Python body of a `tf.function` runs only while TensorFlow
        traces it; later calls replay the graph.

        - one item that
          wraps
        - two
    """
    assert prose(text) == ("The Python body of a `tf.function` runs only while TensorFlow traces it; later calls "
                           "replay the graph.\n\n- one item that wraps\n- two")
    html = comment_html(prose(text))
    assert not re.search(r"TensorFlow<br />", html)
