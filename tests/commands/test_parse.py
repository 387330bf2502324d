"""The comment-command parser: own line, case-insensitive, never inside quotes or code."""
from __future__ import annotations

from hybridize_bot.bot.commands.parse import MAX_COMMANDS_PER_COMMENT, Command, parse_commands

BOT = "hybridize-bot"


def names(body: str) -> list[str]:
    return [c.name for c in parse_commands(body, BOT)]


def test_each_command_on_its_own_line_case_insensitive():
    body = "Thanks!\n@hybridize-bot recheck\n  @Hybridize-Bot FIX\n@HYBRIDIZE-BOT help"
    assert names(body) == ["recheck", "fix", "help"]


def test_codes_are_normalised_deduplicated_and_comma_separated():
    (cmd,) = parse_commands("@hybridize-bot ignore hyb006, HYB001 hyb006", BOT)
    assert cmd == Command("ignore", ("HYB006", "HYB001"), "@hybridize-bot ignore hyb006, HYB001 hyb006")
    (cmd,) = parse_commands("@hybridize-bot explain HYB010", BOT)
    assert cmd.codes == ("HYB010",) and not cmd.bad_args


def test_bad_arguments_are_kept_for_the_reply():
    (cmd,) = parse_commands("@hybridize-bot ignore everything", BOT)
    assert cmd.name == "ignore" and cmd.codes == () and cmd.bad_args == ("everything",)


def test_mention_inside_a_sentence_is_not_a_command():
    assert names("could @hybridize-bot fix this?") == []
    assert names("I told `@hybridize-bot fix` to run") == []


def test_quotes_and_code_blocks_are_ignored():
    body = "\n".join([
        "> @hybridize-bot fix",
        ">> @hybridize-bot ignore HYB001",
        "```",
        "@hybridize-bot recheck",
        "```",
        "~~~~text",
        "@hybridize-bot recheck",
        "```",              # a shorter/different fence does not close ~~~~
        "@hybridize-bot recheck",
        "~~~~",
        "    @hybridize-bot fix",   # indented code block
        "\t@hybridize-bot fix",
        "@hybridize-bot explain HYB001",
    ])
    assert [(c.name, c.codes) for c in parse_commands(body, BOT)] == [("explain", ("HYB001",))]


def test_other_bots_and_longer_names_do_not_match():
    assert names("@hybridize-bot-staging fix\n@hybridize-botfix\n@dependabot rebase") == []


def test_bare_mention_is_help_and_unknown_words_are_reported():
    assert names("@hybridize-bot") == ["help"]
    (cmd,) = parse_commands("@hybridize-bot frobnicate now", BOT)
    assert cmd.name == "unknown" and cmd.raw == "@hybridize-bot frobnicate now"


def test_repeats_collapse_and_the_count_is_capped():
    assert names("@hybridize-bot fix\n@hybridize-bot fix") == ["fix"]
    many = "\n".join(f"@hybridize-bot explain HYB{i:03d}" for i in range(20))
    assert len(parse_commands(many, BOT)) == MAX_COMMANDS_PER_COMMENT


def test_crlf_bodies_and_empty_bodies():
    assert names("hi\r\n@hybridize-bot recheck\r\n") == ["recheck"]
    assert parse_commands(None, BOT) == [] and parse_commands("", BOT) == []


def test_the_configured_name_is_used_and_escaped():
    assert [c.name for c in parse_commands("@my.bot fix\n@myxbot fix", "my.bot")] == ["fix"]


def test_unknown_commands_carry_the_command_probably_meant():
    (please,) = parse_commands("@hybridize-bot please fix this", "hybridize-bot")
    assert (please.name, please.suggestion) == ("unknown", "fix")
    (typo,) = parse_commands("@hybridize-bot rechek", "hybridize-bot")
    assert (typo.name, typo.suggestion) == ("unknown", "recheck")
    (other,) = parse_commands("@hybridize-bot hello there", "hybridize-bot")
    assert (other.name, other.suggestion) == ("unknown", None)
