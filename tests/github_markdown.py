"""Markdown rendered as GitHub renders it, with cmark-gfm (GitHub's own Markdown library) via cmarkgfm.

Comments (issue, review and pull-request bodies) keep single newlines as line breaks (`HARDBREAKS`);
check-run output does not. `<details>` and `<summary>` are HTML GitHub's sanitizer keeps, so raw HTML
passes (`UNSAFE`). The tests assert on the HTML: headings are headings, no literal backticks or `**`,
no bold dunders.
"""
from __future__ import annotations

import re

import cmarkgfm
from cmarkgfm.cmark import Options

_COMMON = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE


def comment_html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=_COMMON | Options.CMARK_OPT_HARDBREAKS)


def check_html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=_COMMON)


def text_outside_code(html: str) -> str:
    """The visible text outside <code>/<pre>, tags removed (where a literal ` or ** would be a bug)."""
    html = re.sub(r"<pre.*?</pre>|<code>.*?</code>", " ", html, flags=re.DOTALL)
    html = re.sub(r"<!--.*?-->", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html)


def assert_renders_clean(html: str) -> None:
    """No Markdown left literal, no dunder turned into bold, no hard-wrapped prose (a comment keeps a
    single newline as a line break, so a wrapped paragraph breaks at odd places)."""
    assert "<br" not in html, html
    visible = text_outside_code(html)
    assert "`" not in visible, visible
    assert "**" not in visible, visible
    for name in ("init", "call", "iter", "next", "enter", "exit"):
        assert f"<strong>{name}</strong>" not in html, html
