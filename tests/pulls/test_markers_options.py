"""Hidden markers and the [tool.hybridize.bot] options."""
from __future__ import annotations

import pytest

from hybridize_bot.analysis.bot_options import BotOptions, parse_bot_options
from hybridize_bot.bot.publish.markers import (MAX_STATE_ENTRIES, SUMMARY_MARKER, ReviewState, fingerprint_marker,
                                               has_summary_marker, mark_resolved, parse_fingerprint_marker,
                                               parse_review_state, path_key, review_state_marker)


def test_fingerprint_marker_round_trip_and_resolved_flag():
    body = "text\n\n" + fingerprint_marker("0123456789abcdef0123")
    parsed = parse_fingerprint_marker(body)
    assert parsed.fingerprint == "0123456789abcdef0123" and not parsed.resolved
    resolved = parse_fingerprint_marker(mark_resolved(body))
    assert resolved.fingerprint == "0123456789abcdef0123" and resolved.resolved
    assert mark_resolved(mark_resolved(body)) == mark_resolved(body)


def test_marker_rejects_non_hex_and_absent_markers():
    with pytest.raises(ValueError):
        fingerprint_marker("--> <script>")
    assert parse_fingerprint_marker("plain text") is None
    assert parse_fingerprint_marker(None) is None
    assert parse_fingerprint_marker("<!-- hybridize-bot:fp=xyz -->") is None


def test_summary_marker():
    assert has_summary_marker(f"{SUMMARY_MARKER}\n# hi") and not has_summary_marker("# hi") and not has_summary_marker(None)


def test_default_options():
    options, problems = parse_bot_options(None)
    assert options == BotOptions() and problems == []
    assert options.max_inline_comments == 25 and options.skip_bots and options.skip_drafts
    assert options.conclusion_for("error") == "failure"
    assert options.conclusion_for("warning") == "neutral"
    assert options.conclusion_for(None) == "success"


def test_valid_options_are_applied():
    options, problems = parse_bot_options(
        {"conclusion": {"warning": "failure"}, "max-inline-comments": 3, "skip-bots": False, "skip-drafts": False}
    )
    assert problems == []
    assert options.conclusion_for("warning") == "failure" and options.conclusion_for("error") == "failure"
    assert options.max_inline_comments == 3 and not options.skip_bots and not options.skip_drafts


def test_bad_options_keep_defaults_and_say_why():
    options, problems = parse_bot_options(
        {"conclusion": {"error": "explode", "fatal": "failure"}, "max-inline-comments": -1, "skip-bots": "yes",
         "colour": "blue"}
    )
    assert options.conclusion_for("error") == "failure"
    assert options.max_inline_comments == 25 and options.skip_bots
    text = "\n".join(problems)
    for needle in ("explode", "fatal", "max-inline-comments", "skip-bots", "colour"):
        assert needle in text
    assert len(problems) == 5


def test_review_state_marker_round_trip():
    new = {"0123456789abcdef0123": "HYB001", "fedcba98765432100000": "HYB010"}
    body = "summary\n" + review_state_marker(ReviewState("a" * 40, new))
    assert body.endswith("<!-- hybridize-bot:reviewed sha=" + "a" * 40
                         + " new=HYB001.0123456789abcdef0123,HYB010.fedcba98765432100000 -->")
    assert parse_review_state(body) == ReviewState("a" * 40, new)
    assert parse_review_state("no marker") is None and parse_review_state(None) is None
    assert parse_review_state(review_state_marker(ReviewState("b" * 40, {}))) == ReviewState("b" * 40, {})
    with_delta = ReviewState("d" * 40, new, since="e" * 40, fixed={"1" * 20: "HYB004"}, added={})
    marker = review_state_marker(with_delta)
    assert marker.endswith(" since=" + "e" * 40 + " fixed=HYB004." + "1" * 20 + " added= -->")
    assert parse_review_state(marker) == with_delta
    many = {f"{i:020x}": "HYB001" for i in range(MAX_STATE_ENTRIES + 1)}
    assert parse_review_state(review_state_marker(ReviewState("c" * 40, many))) == ReviewState("c" * 40, {},
                                                                                                complete=False)
    with pytest.raises(ValueError):
        review_state_marker(ReviewState("not a sha -->", {}))


def test_review_state_records_each_new_findings_file_as_a_path_key():
    fp_a, fp_b = "0123456789abcdef0123", "fedcba98765432100000"
    assert path_key("model/layers.py") == "db69bbef"  # sha256 of the path, first 8 hex digits
    assert path_key("a b/-->.py") == "7ede04f4"  # any path: the marker never holds the path itself
    state = ReviewState("a" * 40, {fp_a: "HYB001", fp_b: "HYB010"}, since="e" * 40, fixed={}, added={fp_b: "HYB010"},
                        where={fp_a: "db69bbef", fp_b: "7ede04f4"}, left={"1" * 20: "HYB004"})
    marker = review_state_marker(state)
    assert marker == ("<!-- hybridize-bot:reviewed sha=" + "a" * 40 + f" new=HYB001.{fp_a}@db69bbef,"
                      f"HYB010.{fp_b}@7ede04f4 since=" + "e" * 40 + f" fixed= added=HYB010.{fp_b} left=HYB004."
                      + "1" * 20 + " -->")
    assert parse_review_state("summary\n" + marker) == state


def test_a_summary_written_before_path_keys_still_parses_without_them():
    fp = "0123456789abcdef0123"
    old = f"summary\n<!-- hybridize-bot:reviewed sha={'a' * 40} new=HYB001.{fp} since={'e' * 40} fixed= added= -->"
    assert parse_review_state(old) == ReviewState("a" * 40, {fp: "HYB001"}, since="e" * 40)


def test_strict_option():
    assert parse_bot_options({"strict": True}) == (BotOptions(strict=True), [])
    options, problems = parse_bot_options({"strict": "yes"})
    assert options.strict is False and problems == ["[tool.hybridize.bot] strict must be true or false, not 'yes'; using false"]
