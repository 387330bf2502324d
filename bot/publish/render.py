"""Markdown for the check run, the inline review comments and the summary comment (pure; no I/O).

Every text GitHub stores has a length limit; each renderer here guarantees its output fits and says
so in the text when it had to leave something out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from hybridize_bot.analysis.model import Finding, FixSafety, Severity

from .markers import SUMMARY_MARKER, fingerprint_marker, mark_resolved

# Check-run `output.summary` and `output.text`: "The maximum size is 65535 characters."
# https://docs.github.com/en/rest/checks/runs#update-a-check-run
CHECK_OUTPUT_LIMIT = 65_535
# Issue / review comment body: 422 "Body is too long (maximum is 65536 characters)".
# https://docs.github.com/en/rest/issues/comments
COMMENT_BODY_LIMIT = 65_536
# Check-run annotation `title` (255) and `message` (64 KB): https://docs.github.com/en/rest/checks/runs
ANNOTATION_TITLE_LIMIT = 255
ANNOTATION_MESSAGE_LIMIT = 64 * 1024 - 1
CHECK_NAME = "hybridize"

_ANNOTATION_LEVEL = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice"}
_SAFETY_WORDS = {
    FixSafety.SAFE: "safe: preserves behaviour, applied automatically by `hybridize fix`",
    FixSafety.GATED: "gated: correct only if the stated preconditions hold; review before applying",
    FixSafety.SUGGESTION: "suggestion: may change behaviour; a person must decide",
    FixSafety.NONE: "no automatic fix",
}


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str = ""
    doc_url: str = ""


def rule_info(finding: Finding) -> RuleInfo:
    """Rule metadata from the analysis registry, falling back to what the finding itself carries."""
    try:
        from hybridize_bot.analysis.rules import get_rule
    except ImportError:  # the registry is optional for rendering; the finding has code and name
        get_rule = None  # type: ignore[assignment]
    rule = get_rule(finding.code) if get_rule is not None else None
    if rule is None:
        return RuleInfo(finding.code, finding.name)
    return RuleInfo(
        finding.code,
        _text(getattr(rule, "name", None)) or finding.name,
        _text(getattr(rule, "summary", None)),
        _text(getattr(rule, "doc_url", None)),
    )


def _text(value: Any) -> str:
    """A rule attribute that may be a plain string or a classmethod returning one (doc_url)."""
    if callable(value):
        value = value()
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Report:
    """Everything one run has to say about a pull request's head commit."""

    head_sha: str
    conclusion: str
    new: Sequence[Finding] = ()
    preexisting: Sequence[Finding] = ()
    elsewhere_count: int = 0
    inline_posted: int = 0
    already_commented: int = 0
    not_inline: Sequence[Finding] = ()  # new findings without an inline comment (cap, placement)
    partial: Sequence[str] = ()  # why the analysis saw less than the whole pull request
    config_problems: Sequence[str] = ()
    notes: Sequence[str] = ()  # analysis notes (skipped files etc.)
    files_analyzed: int = 0
    check_run_url: str | None = None


# ---------------------------------------------------------------- small helpers

def code_fence(text: str, info: str = "") -> str:
    """A fence one backtick longer than the longest backtick run in `text` (at least three)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def cell(text: Any) -> str:
    """Text safe inside one markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def inline_code(text: str) -> str:
    ticks = "`" * (max((len(r) for r in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def truncate(text: str, limit: int, note: str = "\n\n_… truncated to fit GitHub's length limit._") -> str:
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(note))] + note


def sha7(sha: str) -> str:
    return sha[:7]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def counts_by_severity(findings: Iterable[Finding]) -> str:
    counts: dict[Severity, int] = {}
    for f in findings:
        counts[f.severity] = counts.get(f.severity, 0) + 1
    parts = [_plural(counts[s], s.value) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if counts.get(s)]
    return ", ".join(parts)


# ---------------------------------------------------------------- inline review comment

def inline_comment_body(finding: Finding, rule: RuleInfo | None = None, suggestion_text: str | None = None) -> str:
    """Body of one inline comment: rule, why it matters, the fix and its safety, docs, marker."""
    rule = rule or rule_info(finding)
    lines = [f"**{rule.code} `{rule.name}`** ({finding.severity.value}): {finding.message}"]
    if rule.summary:
        lines += ["", f"Why it matters: {rule.summary}"]
    if finding.call_path:
        lines += ["", "Reached through: " + " → ".join(inline_code(step) for step in finding.call_path)]
    if finding.fix is not None:
        fix = finding.fix
        lines += ["", f"**Fix** ({_SAFETY_WORDS.get(fix.safety, fix.safety.value)}): {fix.description}"]
        if fix.reason:
            lines.append(f"_{fix.reason}_")
        if suggestion_text is not None:
            lines += ["", code_fence(suggestion_text, "suggestion")]
    else:
        lines += ["", f"**Fix**: {_SAFETY_WORDS[FixSafety.NONE]}; see the rule documentation."]
    if rule.doc_url:
        lines += ["", f"[{rule.code} documentation]({rule.doc_url})"]
    body = "\n".join(lines)
    marker = fingerprint_marker(finding.fingerprint)
    return truncate(body, COMMENT_BODY_LIMIT - len(marker) - 2) + "\n\n" + marker


def resolved_comment_body(body: str, head_sha: str) -> str:
    """An own comment whose finding is gone: strike the first line, say where it was resolved.

    The fingerprint marker stays (flagged `resolved`) so the comment is still recognised as ours and
    never resolved twice. Threads themselves can only be resolved through GraphQL
    (`resolveReviewThread`), which REST-only installations and the fake GitHub do not offer.
    """
    head, sep, rest = body.partition("\n")
    head = head.strip()
    struck = f"~~{head}~~" if head and not head.startswith("~~") else head
    new = f"{struck} **Resolved** in {sha7(head_sha)}{sep}{rest}"
    return truncate(mark_resolved(new), COMMENT_BODY_LIMIT)


def review_body(posted: int, head_sha: str, not_inline: int) -> str:
    text = f"hybridize found {_plural(posted, 'new issue')} on lines changed at {sha7(head_sha)}."
    if not_inline:
        text += (f" Without an inline comment (over the per-run limit or outside the diff): "
                 f"{_plural(not_inline, 'finding')}, listed in the summary comment and the check run.")
    return text


# ---------------------------------------------------------------- summary (check run + comment)

def title(report: Report) -> str:
    if report.conclusion == "timed_out":
        return "Analysis timed out"
    if not report.new:
        return "No new hybridization issues"
    return f"{_plural(len(report.new), 'new issue')} ({counts_by_severity(report.new)})"


def _rule_counts_table(report: Report) -> list[str]:
    rows: dict[tuple[str, str], list[int]] = {}
    for f in report.new:
        rows.setdefault((f.code, f.name), [0, 0])[0] += 1
    for f in report.preexisting:
        rows.setdefault((f.code, f.name), [0, 0])[1] += 1
    if not rows:
        return []
    out = ["| Rule | New | Pre-existing in touched files |", "|---|---:|---:|"]
    for (code, name), (new, pre) in sorted(rows.items()):
        out.append(f"| {code} `{cell(name)}` | {new} | {pre} |")
    return out


def _finding_row(f: Finding, inline: bool | None = None) -> str:
    fix = f.fix.safety.value if f.fix is not None else "–"
    where = f"`{cell(f.path)}:{f.line}`"
    extra = "" if inline is None else (" | inline" if inline else " | summary only")
    return f"| {f.severity.value} | {where} | {f.code} `{cell(f.name)}` | {cell(f.message)} | {fix}{extra} |"


def _table_within(header: list[str], rows: list[str], budget: int, what: str, limit: int) -> list[str]:
    """Header + as many rows as fit into `budget` characters, then one note for the rest."""
    out = list(header)
    used = sum(len(x) + 1 for x in out)
    for i, row in enumerate(rows):
        more_after = len(rows) - i - 1
        if used + len(row) + 1 + (_NOTE_RESERVE if more_after else 0) > budget:
            out.append(
                f"\n_… and {len(rows) - i} more {what} not shown here: GitHub limits this text to "
                f"{limit:,} characters._"
            )
            return out
        out.append(row)
        used += len(row) + 1
    return out


_NOTE_RESERVE = 160  # room kept for the "… and N more" note


def _preamble(report: Report) -> list[str]:
    out: list[str] = []
    if report.partial:
        out.append("> **Partial analysis.** " + " ".join(report.partial))
    if report.config_problems:
        out.append(
            "> **Configuration problem** in `pyproject.toml` `[tool.hybridize]` on the base branch; "
            "the defaults were used instead:"
        )
        out += [f"> - {cell(p)}" for p in report.config_problems]
    if out:
        out.append("")
    return out


def summary_markdown(report: Report, limit: int = CHECK_OUTPUT_LIMIT, *, with_marker: bool = False) -> str:
    """The shared summary: verdict, counts by rule, table of new findings, other counts."""
    head = [SUMMARY_MARKER] if with_marker else []
    head.append(f"### hybridize: {title(report)}")
    head.append("")
    head.append(
        f"Commit {sha7(report.head_sha)} · {_plural(report.files_analyzed, 'Python file')} analyzed · "
        f"conclusion **{report.conclusion}**"
        + (f" · [check run]({report.check_run_url})" if report.check_run_url else "")
    )
    head.append("")
    head += _preamble(report)
    head += _rule_counts_table(report)
    tail: list[str] = [""]
    tail.append(
        f"{_plural(len(report.preexisting), 'pre-existing finding')} in files this pull request touches "
        f"(not on changed lines) and {_plural(report.elsewhere_count, 'finding')} in other files are not "
        "counted against it."
    )
    if report.inline_posted or report.already_commented:
        tail.append(
            f"Inline comments: {report.inline_posted} posted now, {report.already_commented} already present from earlier runs."
        )
    if report.notes:
        tail.append("")
        tail.append("<details><summary>Analysis notes</summary>\n")
        tail += [f"- {cell(n)}" for n in report.notes[:50]]
        if len(report.notes) > 50:
            tail.append(f"- … and {len(report.notes) - 50} more")
        tail.append("\n</details>")
    fixed = "\n".join(head) + "\n" + "\n".join(tail)
    table: list[str] = []
    if report.new:
        not_inline = {f.fingerprint for f in report.not_inline}
        rows = [_finding_row(f, f.fingerprint not in not_inline) for f in report.new]
        header = ["", "#### New findings", "", "| Severity | Location | Rule | Message | Fix | Comment |",
                  "|---|---|---|---|---|---|"]
        table = _table_within(header, rows, limit - len(fixed) - 64, "new findings", limit)
    text = "\n".join(head + table + tail)
    return truncate(text, limit)


def preexisting_markdown(report: Report, limit: int = CHECK_OUTPUT_LIMIT) -> str:
    """Check-run `output.text`: the pre-existing findings in touched files."""
    if not report.preexisting:
        return ""
    header = ["#### Pre-existing findings in touched files", "",
              "| Severity | Location | Rule | Message | Fix |", "|---|---|---|---|---|"]
    rows = [_finding_row(f) for f in report.preexisting]
    return truncate("\n".join(_table_within(header, rows, limit - 64, "pre-existing findings", limit)), limit)


def check_output(report: Report) -> dict[str, str]:
    out = {"title": title(report), "summary": summary_markdown(report)}
    text = preexisting_markdown(report)
    if text:
        out["text"] = text
    return out


def summary_comment_body(report: Report) -> str:
    return summary_markdown(report, COMMENT_BODY_LIMIT, with_marker=True)


# ---------------------------------------------------------------- annotations

def annotation(finding: Finding, rule: RuleInfo | None = None) -> dict[str, Any]:
    """One check-run annotation; columns only when the range is on one line (GitHub's rule)."""
    rule = rule or rule_info(finding)
    end_line = max(finding.line, finding.end_line)
    ann: dict[str, Any] = {
        "path": finding.path,
        "start_line": finding.line,
        "end_line": end_line,
        "annotation_level": _ANNOTATION_LEVEL[finding.severity],
        "title": truncate(f"{rule.code} {rule.name}", ANNOTATION_TITLE_LIMIT, "…"),
        "message": truncate(finding.message + (f"\n\n{rule.summary}" if rule.summary else ""),
                            ANNOTATION_MESSAGE_LIMIT, "…"),
    }
    if end_line == finding.line and finding.end_col > finding.col >= 1:
        # GitHub's columns are 1-based; the finding's end column is exclusive, GitHub's inclusive.
        ann["start_column"] = finding.col
        ann["end_column"] = max(finding.col, finding.end_col - 1)
    details = []
    if finding.fix is not None:
        details.append(f"Fix ({finding.fix.safety.value}): {finding.fix.description}")
    if rule.doc_url:
        details.append(f"Documentation: {rule.doc_url}")
    if details:
        ann["raw_details"] = truncate("\n".join(details), ANNOTATION_MESSAGE_LIMIT, "…")
    return ann
