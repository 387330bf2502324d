"""Markdown for the check run, the inline review comments and the summary comment (pure; no I/O).

Every text GitHub stores has a length limit; each renderer here guarantees its output fits and says
so in the text when it had to leave something out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Sequence
from urllib.parse import quote

from hybridize_bot.analysis.model import Finding, FixSafety, Severity

from ..pulls.selection import Delta
from .markdown import cell, code_fence, inline_code, markdown_text, plain, repeats, truncate
from .markers import (SUMMARY_MARKER, ReviewState, fingerprint_marker, mark_resolved, path_key,
                      review_state_marker)

__all__ = ["cell", "code_fence", "inline_code", "truncate"]  # re-exported: callers import them from here

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
# One visible marker per severity, so order and weight show at a glance (GitHub renders the emoji).
SEVERITY_MARK = {Severity.ERROR: "\U0001F6D1", Severity.WARNING: "\u26A0\uFE0F", Severity.INFO: "\u2139\uFE0F"}
# Why a fix may be applied; the fix KIND (one-click, in #N, manual) is said separately.
_SAFETY_WORDS = {
    FixSafety.SAFE: "safe: preserves behaviour",
    FixSafety.GATED: "gated: preserves behaviour when the stated preconditions hold; review it",
    FixSafety.SUGGESTION: "may change behaviour; a person must decide",
    FixSafety.NONE: "",
}
DEFAULT_BOT_NAME = "hybridize-bot"


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str = ""
    doc_url: str = ""
    severity: Severity | None = None  # the rule's default; a finding may be reported lower or higher


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
        getattr(rule, "severity", None) if isinstance(getattr(rule, "severity", None), Severity) else None,
    )


def _text(value: Any) -> str:
    """A rule attribute that may be a plain string or a classmethod returning one (doc_url)."""
    if callable(value):
        value = value()
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class FollowupRef:
    """The open follow-up pull request and the findings (by fingerprint) whose fixes it carries."""

    number: int
    fingerprints: frozenset[str] = frozenset()
    kind: str = "safe"  # "safe" or "gated": the strongest fix it carries


@dataclass(frozen=True)
class IgnoredRule:
    """A rule a person ignored on this pull request with `@bot ignore CODE`."""

    code: str
    by: str  # login
    hidden: int = 0  # findings of the rule still in the code, no longer reported


@dataclass(frozen=True)
class Report:
    """Everything one run has to say about a pull request's head commit."""

    head_sha: str
    conclusion: str
    new: Sequence[Finding] = ()
    preexisting: Sequence[Finding] = ()
    inline_posted: int = 0
    already_commented: int = 0
    not_inline: Sequence[Finding] = ()  # warning/error findings without an inline comment (cap, placement)
    partial: Sequence[str] = ()  # why the analysis saw less than the whole pull request
    config_problems: Sequence[str] = ()
    notes: Sequence[str] = ()  # analysis notes (skipped files etc.)
    files_analyzed: int = 0  # Python files the analysis read: the reviewed ones and what their facts need
    files_reviewed: int = 0  # the pull request's changed Python files: the only ones checked
    check_run_url: str | None = None
    repo_url: str = ""  # https://github.com/owner/repo: locations become links to the head commit
    delta: Delta | None = None  # what changed since the last reviewed commit
    followup: FollowupRef | None = None
    one_click: frozenset[str] = frozenset()  # fingerprints whose inline comment carries a suggestion
    ignored: Sequence[IgnoredRule] = ()
    strict: bool = False  # the conclusion counts pre-existing findings in touched files too
    bot_name: str = DEFAULT_BOT_NAME


# ---------------------------------------------------------------- small helpers

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


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first, then by place."""
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key()))


def severity_label(severity: Severity) -> str:
    return f"{SEVERITY_MARK[severity]} {severity.value}"


def location(report: Report, path: str, line: int) -> str:
    """`path:line` as a link to the line at the reviewed commit (a code span without a repository URL)."""
    text = f"{path}:{line}"
    if not report.repo_url:
        return inline_code(text)
    url = f"{report.repo_url.rstrip('/')}/blob/{report.head_sha}/{quote(path)}#L{line}"
    return f"[{cell(text)}]({url})"


def fix_kind(finding: Finding, report: Report) -> str:
    """The one vocabulary for how a finding gets fixed: "in #N", "one-click", "`hybridize fix`", "manual"."""
    if report.followup is not None and finding.fingerprint in report.followup.fingerprints:
        return f"in #{report.followup.number}"
    if finding.fingerprint in report.one_click:
        return "one-click"
    if finding.fix_safety in (FixSafety.SAFE, FixSafety.GATED):
        return "`hybridize fix`"
    return "manual"


# ---------------------------------------------------------------- inline review comment

def severity_note(finding: Finding, rule: RuleInfo) -> str:
    """Says "(rule default: warning)" when this finding is reported at another level than its rule's
    default (configuration, or the rule lowering a finding it is less sure of), so the same rule at two
    levels in one review is not a mystery."""
    if rule.severity is None or rule.severity is finding.severity:
        return ""
    return f" (rule default: {rule.severity.value})"


def _headline(finding: Finding, rule: RuleInfo) -> str:
    return (f"{SEVERITY_MARK[finding.severity]} **{rule.code}** {inline_code(rule.name)} · "
            f"{finding.severity.value}{severity_note(finding, rule)}")


def inline_comment_body(finding: Finding, rule: RuleInfo | None = None, suggestion_text: str | None = None,
                        *, followup: int | None = None) -> str:
    """Body of one inline comment: headline, the finding, why it matters, the fix and its kind, docs, marker.

    `followup`: the follow-up pull request that carries this finding's fix, said next to the suggestion
    so nobody applies the same fix twice without knowing.
    """
    rule = rule or rule_info(finding)
    lines = [_headline(finding, rule), "", markdown_text(finding.message)]
    if rule.summary and not repeats(rule.summary, finding.message):
        lines += ["", f"Why it matters: {markdown_text(rule.summary)}"]
    if finding.call_path:
        lines += ["", "Reached through: " + " → ".join(inline_code(step) for step in finding.call_path)]
    fix = finding.fix
    if fix is not None and fix.safety is not FixSafety.NONE:
        kinds = []
        if suggestion_text is not None:
            kinds.append("one-click")
        if followup is not None:
            kinds.append(f"also in #{followup}" if kinds else f"in #{followup}")
        kind = ", ".join(kinds) or ("manual" if fix.safety is FixSafety.SUGGESTION else "`hybridize fix`")
        safety = _SAFETY_WORDS.get(fix.safety, fix.safety.value)
        text = markdown_text(fix.description.rstrip("."))
        checked = f" Checked: {markdown_text(fix.reason.rstrip('.'))}." if fix.reason else ""
        lines += ["", f"**Fix** ({kind}; {safety}): {text}.{checked}"]
        if suggestion_text is not None:
            lines += ["", code_fence(suggestion_text, "suggestion")]
    else:
        lines += ["", "**Fix** (manual): no automatic fix; the rule page shows what to write instead."]
    if rule.doc_url:
        lines += ["", f"[{rule.code} documentation]({rule.doc_url})"]
    body = "\n".join(lines)
    marker = fingerprint_marker(finding.fingerprint)
    return truncate(body, COMMENT_BODY_LIMIT - len(marker) - 2) + "\n\n" + marker


_SUGGESTION_BLOCK = re.compile(r"^(?P<fence>`{3,})suggestion\n.*?\n(?P=fence)$", re.DOTALL | re.MULTILINE)


_FIX_KIND = re.compile(r"^\*\*Fix\*\* \((?P<kind>[^;)]*)", re.MULTILINE)


def followup_noted_body(body: str, number: int) -> str | None:
    """An inline comment posted before the follow-up existed, now saying its fix is also in #`number`;
    None when it already says so (or has no automatic fix to say it of)."""
    match = _FIX_KIND.search(body)
    if match is None or match.group("kind").startswith("manual"):
        return None
    kinds = [k for k in match.group("kind").split(", ") if not re.fullmatch(r"(also )?in #\d+", k)]
    kinds.append(f"also in #{number}" if kinds and kinds[0] == "one-click" else f"in #{number}")
    kinds = [k for k in kinds if k != "`hybridize fix`"] or kinds
    new = body[:match.start("kind")] + ", ".join(kinds) + body[match.end("kind"):]
    return None if new == body else new


def has_suggestion(body: str) -> bool:
    """Whether a comment body still offers GitHub's "Commit suggestion" button."""
    return bool(_SUGGESTION_BLOCK.search(body))


def _retire(body: str, state: str, removed_note: str) -> str:
    """Strike the headline, append `state`, replace any suggestion block (its button would stay live)."""
    head, sep, rest = body.partition("\n")
    head = head.strip()
    struck = f"~~{head}~~" if head and not head.startswith("~~") else head
    rest = _SUGGESTION_BLOCK.sub(removed_note, rest)
    return truncate(mark_resolved(f"{struck} {state}{sep}{rest}"), COMMENT_BODY_LIMIT)


def resolved_comment_body(body: str, head_sha: str) -> str:
    """An own comment whose finding is gone: strike the first line, say where it was resolved.

    The fingerprint marker stays (flagged `resolved`) so the comment is still recognised as ours and
    never resolved twice. Threads themselves can only be resolved through GraphQL
    (`resolveReviewThread`), which REST-only installations and the fake GitHub do not offer.
    """
    return _retire(body, f"✅ **Resolved** in {sha7(head_sha)}", "_Suggestion removed: the finding is gone._")


def ignored_comment_body(body: str, code: str, by: str, bot_name: str = DEFAULT_BOT_NAME) -> str:
    """An own comment whose finding is still in the code but whose rule a person ignored: say so,
    remove the suggestion, say how to undo it (never "Resolved": nothing was fixed)."""
    undo = f"`@{bot_name} unignore {code}` reports it again."
    return _retire(body, f"🔕 **Ignored** by @{by}", f"_Suggestion removed: {code} is ignored on this pull "
                                                      f"request; {undo}_")


def review_body(posted: int, head_sha: str, not_inline: int, *, followup: FollowupRef | None = None,
                in_followup: int = 0) -> str:
    text = f"hybridize found {_plural(posted, 'new issue')} on lines changed at {sha7(head_sha)}."
    if followup is not None and in_followup:
        text += (f" {_plural(in_followup, 'fix')} of these {'is' if in_followup == 1 else 'are'} also in "
                 f"#{followup.number}; commit a suggestion here or merge #{followup.number}, not both.")
    if not_inline:
        text += (f" {_plural(not_inline, 'more finding')} without an inline comment (over the per-run limit, "
                 "outside the diff, or info) are in the summary comment.")
    return text


# ---------------------------------------------------------------- summary (check run + comment)

def title(report: Report) -> str:
    if report.conclusion == "timed_out":
        return "Analysis timed out"
    if not report.new:
        return "No new hybridization issues"
    return f"{_plural(len(report.new), 'new issue')} ({counts_by_severity(report.new)})"


def _finding_row(f: Finding, report: Report, *, comment: str | None = None) -> str:
    message = markdown_text(cell(f.message))
    row = (f"| {severity_label(f.severity)} | {location(report, f.path, f.line)} | "
           f"{f.code} {inline_code(cell(f.name))}: {message} | {fix_kind(f, report)}")
    return row + (f" | {comment} |" if comment is not None else " |")


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


def delta_line(delta: Delta) -> str:
    """ "2 fixed, 1 new since abc1234" (fixed rule codes in parentheses), then how many earlier findings
    were not re-checked: their files are no longer reviewed (a push stopped touching them)."""
    fixed = f"{len(delta.fixed)} fixed"
    if delta.fixed:
        codes = sorted(set(delta.fixed.values()))
        fixed += f" ({', '.join(codes)})"
    line = f"**{fixed}, {len(delta.new)} new since {sha7(delta.since)}**"
    if delta.unchecked:
        codes = ", ".join(sorted(set(delta.unchecked.values())))
        line += (f" · {len(delta.unchecked)} not re-checked ({codes}): "
                 f"{'its file is' if len(delta.unchecked) == 1 else 'their files are'} no longer reviewed")
    return line


def followup_line(ref: FollowupRef) -> str:
    n = len(ref.fingerprints)
    if not n:
        return f"Automatic fixes for this pull request are in #{ref.number}."
    word = "fix" if n == 1 else "fixes"
    return f"{n} {ref.kind} {word} {'is' if n == 1 else 'are'} in #{ref.number} (marked “in #{ref.number}” below)."


_FOLLOWUP_LEAD = re.compile(r"(?: · )?(?:\d+ (?:safe|gated) fix(?:es)? (?:is|are) in #\d+ \(marked “in #\d+” below\)\.|"
                            r"Automatic fixes for this pull request are in #\d+\.)")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_ROW_LOCATION = re.compile(r"^\| [^|]+ \| \[(?P<loc>[^\]]+)\]\(")


def summary_with_followup(body: str, ref: FollowupRef, places: Collection[tuple[str, int]]) -> str:
    """A summary comment published before its follow-up pull request existed, now naming it: the lead
    line says which fixes are in #N and the rows of those findings (`places`: path and line) say "in #N"
    in their Fix column. Everything else, the hidden state included, stays as it was."""
    lines = body.split("\n")
    try:
        heading = next(i for i, line in enumerate(lines) if line.startswith("### hybridize: "))
    except StopIteration:
        return body
    lead_at = heading + 2
    if lead_at < len(lines) and lines[lead_at].startswith("**"):  # the delta: the follow-up joins it
        lines[lead_at] = _FOLLOWUP_LEAD.sub("", lines[lead_at]) + " · " + followup_line(ref)
    elif lead_at < len(lines) and _FOLLOWUP_LEAD.fullmatch(lines[lead_at]):
        lines[lead_at] = followup_line(ref)
    else:
        lines[lead_at:lead_at] = [followup_line(ref), ""]
    wanted = {f"{path}:{line}" for path, line in places}
    for i, line in enumerate(lines):
        match = _ROW_LOCATION.match(line)
        if match and match.group("loc").replace("\\|", "|") in wanted:
            cells = _CELL_SPLIT.split(line)
            cells[4] = f" in #{ref.number} "
            lines[i] = "|".join(cells)
    return "\n".join(lines)


def _leading_lines(report: Report) -> list[str]:
    out: list[str] = []
    if report.delta is not None:
        out.append(delta_line(report.delta))
    if report.followup is not None:
        out.append(followup_line(report.followup))
    return [" · ".join(out), ""] if out else []


def _new_findings_table(report: Report, budget: int, limit: int) -> list[str]:
    if not report.new:
        return ["No findings on the lines this pull request changed.", ""]
    not_inline = {f.fingerprint for f in report.not_inline}

    def comment(f: Finding) -> str:
        if f.severity is Severity.INFO:
            return "summary only (info)"
        return "summary only" if f.fingerprint in not_inline else "inline"

    rows = [_finding_row(f, report, comment=comment(f)) for f in by_severity(report.new)]
    header = ["| Severity | Where | Finding | Fix | Comment |", "|---|---|---|---|---|"]
    return _table_within(header, rows, budget, "new findings", limit) + [""]


def _details(summary: str, body: list[str]) -> list[str]:
    # The blank lines around the body make GitHub render the Markdown inside <details>.
    return [f"<details><summary>{summary}</summary>", "", *body, "", "</details>", ""]


def _ignored_lines(report: Report) -> list[str]:
    if not report.ignored:
        return []
    rows = []
    for rule in sorted(report.ignored, key=lambda r: r.code):
        hidden = f"; {_plural(rule.hidden, 'finding')} not reported" if rule.hidden else ""
        rows.append(f"- {rule.code}: ignored by @{rule.by}{hidden}. "
                    f"Undo: `@{report.bot_name} unignore {rule.code}`")
    codes = ", ".join(r.code for r in sorted(report.ignored, key=lambda r: r.code))
    return _details(f"Ignored on this pull request: {codes}", rows)


NOT_REVIEWED = "Files this pull request does not touch are not reviewed."


def _elsewhere_text(report: Report) -> str:
    return (f"{_plural(len(report.preexisting), 'pre-existing finding')} in files this pull request touches "
            "(not on changed lines) "
            + ("count toward the conclusion (strict). " if report.strict else "are not counted against it. ")
            + NOT_REVIEWED)


def _footer(report: Report, *, self_link: bool) -> str:
    parts = [f"Commit {sha7(report.head_sha)}"]
    if report.conclusion != "timed_out":  # a stopped analysis reviewed nothing
        parts += [f"{_plural(report.files_reviewed, 'changed Python file')} reviewed",
                  f"{_plural(report.files_analyzed, 'Python file')} analyzed"]
    parts.append(f"conclusion {report.conclusion}")
    if report.inline_posted or report.already_commented:
        parts.append(f"inline comments: {report.inline_posted} new, {report.already_commented} from earlier pushes")
    if self_link and report.check_run_url:
        parts.append(f"[check run]({report.check_run_url})")
    return "<sub>" + " · ".join(parts) + "</sub>"


def summary_markdown(report: Report, limit: int = CHECK_OUTPUT_LIMIT, *, with_marker: bool = False) -> str:
    """The summary: the delta and follow-up first, the new findings worst first (each linking to its
    line), everything else folded into `<details>`.

    With `with_marker` it is the summary COMMENT: a heading, the hidden markers, a link to the check run.
    Without, it is the check run's `output.summary`, under GitHub's own heading of `title(report)`, so
    it neither repeats the title nor links to itself.
    """
    head: list[str] = []
    if with_marker:
        head += [SUMMARY_MARKER, f"### hybridize: {title(report)}", ""]
    head += _leading_lines(report)
    head += _preamble(report)
    if report.conclusion == "timed_out":  # nothing was analyzed: no findings to list, none to count
        return truncate("\n".join(head + [_footer(report, self_link=with_marker)]), limit)
    tail: list[str] = []
    elsewhere = _elsewhere_text(report)
    if report.preexisting and with_marker:
        rows = [_finding_row(f, report) for f in by_severity(report.preexisting)]
        table = _table_within(["| Severity | Where | Finding | Fix |", "|---|---|---|---|"], rows,
                              limit // 4, "pre-existing findings", limit)
        tail += _details(f"{_plural(len(report.preexisting), 'pre-existing finding')} in touched files "
                         "(not counted)" if not report.strict else
                         f"{_plural(len(report.preexisting), 'pre-existing finding')} in touched files (strict: "
                         "counted)", [elsewhere, "", *table])
    else:
        tail += [elsewhere, ""]
    tail += _ignored_lines(report)
    if report.notes:
        notes = [f"- {cell(n)}" for n in report.notes[:50]]
        if len(report.notes) > 50:
            notes.append(f"- … and {len(report.notes) - 50} more")
        tail += _details("Analysis notes", notes)
    tail.append(_footer(report, self_link=with_marker))
    if with_marker:
        delta = report.delta
        tail.append(review_state_marker(ReviewState(
            report.head_sha, {f.fingerprint: f.code for f in report.new}, since=delta.since if delta else None,
            fixed=dict(delta.fixed) if delta else {}, added=dict(delta.new) if delta else {},
            where={f.fingerprint: path_key(f.path) for f in report.new},
            left=dict(delta.unchecked) if delta else {})))
    fixed = "\n".join(head) + "\n" + "\n".join(tail)
    table = _new_findings_table(report, limit - len(fixed) - 64, limit)
    return truncate("\n".join(head + table + tail), limit)


def preexisting_markdown(report: Report, limit: int = CHECK_OUTPUT_LIMIT) -> str:
    """Check-run `output.text`: the pre-existing findings in touched files."""
    if not report.preexisting:
        return ""
    header = ["#### Pre-existing findings in touched files", "",
              "| Severity | Where | Finding | Fix |", "|---|---|---|---|"]
    rows = [_finding_row(f, report) for f in by_severity(report.preexisting)]
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

def annotation(finding: Finding, rule: RuleInfo | None = None, *, level: str | None = None) -> dict[str, Any]:
    """One check-run annotation in plain text (GitHub shows annotation text literally); columns only
    when the range is on one line (GitHub's rule). `level` overrides the severity's level (findings
    outside the changed lines are at most `notice`)."""
    rule = rule or rule_info(finding)
    end_line = max(finding.line, finding.end_line)
    message = plain(finding.message)
    if rule.summary and not repeats(rule.summary, finding.message):
        message += "\n\n" + plain(rule.summary)
    note = severity_note(finding, rule).strip(" ()")
    severity = finding.severity.value + (f"; {note}" if note else "")
    ann: dict[str, Any] = {
        "path": finding.path,
        "start_line": finding.line,
        "end_line": end_line,
        "annotation_level": level or _ANNOTATION_LEVEL[finding.severity],
        "title": truncate(f"{rule.code} {rule.name} ({severity})", ANNOTATION_TITLE_LIMIT, "…"),
        "message": truncate(message, ANNOTATION_MESSAGE_LIMIT, "…"),
    }
    if end_line == finding.line and finding.end_col > finding.col >= 1:
        # GitHub's columns are 1-based; the finding's end column is exclusive, GitHub's inclusive.
        ann["start_column"] = finding.col
        ann["end_column"] = max(finding.col, finding.end_col - 1)
    details = []
    if finding.fix is not None and finding.fix.safety is not FixSafety.NONE:
        details.append(f"Fix ({finding.fix.safety.value}): {plain(finding.fix.description)}")
    if rule.doc_url:
        details.append(f"Documentation: {rule.doc_url}")
    if details:
        ann["raw_details"] = truncate("\n".join(details), ANNOTATION_MESSAGE_LIMIT, "…")
    return ann
